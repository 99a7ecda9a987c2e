package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/notify"
	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// checker validates answers against notify.OpenAPI; loaded once.
var checker = sync.OnceValues(func() (*openapicheck.Checker, error) { return openapicheck.New(notify.OpenAPI) })

// env is the notify service on a fresh database behind a real HTTP server
// whose every answer is checked against the OpenAPI document.
type env struct {
	t        testing.TB
	ctx      context.Context
	db       *sqldb.DB
	cfg      notify.Config
	clock    *clock
	svc      *notify.Service
	srv      *httptest.Server
	client   *http.Client
	minter   *authtest.Minter
	handlers map[string]events.Handler
}

// newEnv builds the service; cfg's zero fields get test values (mail files
// in a temporary directory, no rate limit, quick retries).
func newEnv(t testing.TB, engine sqldb.Engine, cfg notify.Config, opts ...notify.Option) *env {
	t.Helper()
	db := sqldbtest.Open(t, engine)
	require.NoError(t, kit.Migrate(context.Background(), db, notify.Module))
	return newEnvOn(t, db, cfg, opts...)
}

// newEnvOn builds the service on an existing database (a restart).
func newEnvOn(t testing.TB, db *sqldb.DB, cfg notify.Config, opts ...notify.Option) *env {
	t.Helper()
	ctx := context.Background()
	if cfg.SMTPURL == "" && cfg.MailDir == "" {
		cfg.MailDir = filepath.Join(t.TempDir(), "mail")
	}
	if cfg.SMTPRate == 0 {
		cfg.SMTPRate = -1
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 20*time.Millisecond, 100*time.Millisecond
	}
	if cfg.Poll == 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	cfg.PublicURL = "https://marquee.example"
	clk := &clock{t: time.Now().UTC()}
	svc, err := notify.New(ctx, db, cfg, servicetest.Logger(t), append([]notify.Option{notify.WithClock(clk.Now)}, opts...)...)
	require.NoError(t, err)
	minter := authtest.New(t)
	rt := httpx.NewRouter(minter.Verifier())
	svc.Routes(rt)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	c, err := checker()
	require.NoError(t, err)
	return &env{t: t, ctx: ctx, db: db, cfg: cfg, clock: clk, svc: svc, srv: srv, client: c.Client(t), minter: minter,
		handlers: servicetest.HandlersByConsumer(svc.Subscriptions())}
}

// run starts the background work until the test ends.
func (e *env) run() { servicetest.Background(e.t, e.svc.Run) }

func (e *env) call(method, path, token string, body any) servicetest.Response {
	e.t.Helper()
	return servicetest.Send(e.t, e.client, servicetest.NewRequest(e.t, e.ctx, method, e.srv.URL+path, token, body))
}

// apply runs a consumer's handler on ev in one transaction (without the inbox).
func (e *env) apply(consumer string, ev events.Envelope) error {
	e.t.Helper()
	return servicetest.Apply(e.t, e.ctx, e.db, e.handlers, consumer, ev)
}

type user struct {
	id, name, email, token string
}

func userEvent(t testing.TB, typ string, u user, version int64, deleted bool) events.Envelope {
	t.Helper()
	now := time.Now().UTC().Add(-time.Minute)
	ev := identityapi.UserEvent{ID: u.id, Email: u.email, DisplayName: u.name, Role: identityapi.RoleUser,
		Version: version, CreatedAt: now, UpdatedAt: now}
	if deleted {
		ev.DeletedAt, ev.TokensRevokedAt = &now, &now
	}
	return servicetest.NewEnvelope(t, identityapi.Source, typ, u.id, ev)
}

// addUser registers a user through identity's event.
func (e *env) addUser(name string) user {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	u := user{id: id, name: name, email: name + "." + id[len(id)-6:] + "@example.com", token: e.minter.Token(e.t, id, auth.RoleUser)}
	require.NoError(e.t, e.apply(notify.ConsumerUsers, userEvent(e.t, identityapi.UserRegistered, u, 1, false)))
	return u
}

func (e *env) settings(u user, change map[string]any) notifyapi.Settings {
	e.t.Helper()
	r := e.call(http.MethodPut, "/api/me/notification-settings", u.token, change)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var s notifyapi.Settings
	r.Decode(e.t, &s)
	return s
}

func movieEvent(t testing.TB, title string) events.Envelope {
	t.Helper()
	now := time.Now().UTC()
	year := "1995-12-15"
	m := catalogapi.Movie{ID: uuid.Must(uuid.NewV7()).String(), Title: title, Overview: "A crime saga.", ReleaseDate: &year,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	return servicetest.NewEnvelope(t, catalogapi.Source, catalogapi.MovieCreated, m.ID, catalogapi.MovieEvent(m))
}

func followEvent(t testing.TB, follower, followee user) events.Envelope {
	t.Helper()
	f := socialapi.FollowEvent{FollowerID: follower.id, FolloweeID: followee.id, Version: 1, FollowedAt: time.Now().UTC()}
	return servicetest.NewEnvelope(t, socialapi.Source, socialapi.FollowCreated, follower.id+":"+followee.id, f)
}

func (e *env) notifications(u user, query string) notifyapi.NotificationPage {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/notifications"+query, u.token, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var p notifyapi.NotificationPage
	r.Decode(e.t, &p)
	return p
}

func (e *env) unread(u user) int {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/notifications/unread-count", u.token, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var c notifyapi.UnreadCount
	r.Decode(e.t, &c)
	return c.Count
}

// count runs a COUNT query.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.db.QueryRowContext(e.ctx, query, args...).Scan(&n))
	return n
}

// clock is the service's time under test: each reading moves it on by a
// millisecond (distinct, ordered times), and Advance jumps ahead (reminders).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
