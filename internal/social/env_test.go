package social_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// checker validates answers against social.OpenAPI; loaded once.
var checker = sync.OnceValues(func() (*openapicheck.Checker, error) { return openapicheck.New(social.OpenAPI) })

// env is the social service on a fresh database behind a real HTTP server
// whose every answer is checked against the OpenAPI document.
type env struct {
	t        testing.TB
	ctx      context.Context
	db       *sqldb.DB
	svc      *social.Service
	evOutbox *events.Outbox
	router   *httpx.Router
	srv      *httptest.Server
	client   *http.Client
	minter   *authtest.Minter
	handlers map[string]events.Handler
}

// clock moves on by a millisecond at every reading, so follows made one
// after the other have distinct, ordered times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func newEnv(t testing.TB, engine sqldb.Engine) *env {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t, engine)
	// the way the composition root migrates
	require.NoError(t, sqldb.Migrate(ctx, db, "events", events.Migrations))
	require.NoError(t, sqldb.Migrate(ctx, db, "social", social.Migrations))
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	outbox := events.NewOutbox(db)
	svc := social.New(db, outbox, slog.New(slog.NewTextHandler(io.Discard, nil)), social.WithClock(clk.now))
	minter := authtest.New(t)
	rt := httpx.NewRouter(minter.Verifier())
	svc.Routes(rt)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	c, err := checker()
	require.NoError(t, err)
	handlers := map[string]events.Handler{}
	for _, sub := range svc.Subscriptions() {
		handlers[sub.Config.Name] = sub.Handler
	}
	return &env{t: t, ctx: ctx, db: db, svc: svc, evOutbox: outbox, router: rt, srv: srv, client: c.Client(t), minter: minter, handlers: handlers}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

func (r response) problem(t testing.TB) httpx.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	var p httpx.Problem
	r.decode(t, &p)
	require.Equal(t, r.status, p.Status)
	return p
}

func (e *env) call(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			raw, err := json.Marshal(body)
			require.NoError(e.t, err)
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.client.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// apply runs a consumer's handler on ev in one transaction, as the Consumer
// does (without the inbox).
func (e *env) apply(consumer string, ev events.Envelope) error {
	e.t.Helper()
	h := e.handlers[consumer]
	require.NotNil(e.t, h, "no consumer %s", consumer)
	return e.db.InTx(e.ctx, func(tx *sqldb.Tx) error { return h(e.ctx, tx, ev) })
}

func newEnvelope(t testing.TB, source, typ, subject string, data any) events.Envelope {
	t.Helper()
	ev, err := events.New(source, typ, subject, data)
	require.NoError(t, err)
	return ev
}

func userEvent(t testing.TB, typ, id, name string, version int64, deleted bool) events.Envelope {
	t.Helper()
	now := time.Now().UTC()
	u := identityapi.UserEvent{ID: id, Email: id + "@example.com", DisplayName: name, Role: identityapi.RoleUser,
		Version: version, CreatedAt: now, UpdatedAt: now}
	if deleted {
		u.DeletedAt, u.TokensRevokedAt = &now, &now
	}
	return newEnvelope(t, identityapi.Source, typ, id, u)
}

func movieEvent(t testing.TB, typ, id, title string, version int64, deleted bool) events.Envelope {
	t.Helper()
	now := time.Now().UTC()
	m := catalogapi.Movie{ID: id, Title: title, Version: version, CreatedAt: now, UpdatedAt: now}
	if deleted {
		m.DeletedAt = &now
	}
	return newEnvelope(t, catalogapi.Source, typ, id, catalogapi.MovieEvent(m))
}

// reviewEvent is a reviews.review.* event of r at version (deleted for reviews.review.deleted).
func reviewEvent(t testing.TB, typ string, r reviewsapi.ReviewEvent) events.Envelope {
	t.Helper()
	if typ == reviewsapi.ReviewDeleted && r.DeletedAt == nil {
		at := r.UpdatedAt
		r.DeletedAt = &at
	}
	return newEnvelope(t, reviewsapi.Source, typ, r.ID, r)
}

type user struct {
	id, name, token string
}

func (e *env) addUser(name string) user {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(e.t, e.apply(social.ConsumerUsers, userEvent(e.t, identityapi.UserRegistered, id, name, 1, false)))
	return user{id: id, name: name, token: e.minter.Token(e.t, id, auth.RoleUser)}
}

func (e *env) follow(a, b user) socialapi.Follow {
	e.t.Helper()
	r := e.call(http.MethodPut, "/api/users/"+b.id+"/follow", a.token, nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.body)
	var f socialapi.Follow
	r.decode(e.t, &f)
	return f
}

// review publishes (applies) a review by author written at minute.
var reviewBase = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func (e *env) review(author user, movieID string, minute int) reviewsapi.ReviewEvent {
	e.t.Helper()
	at := reviewBase.Add(time.Duration(minute) * time.Minute)
	r := reviewsapi.ReviewEvent{ID: uuid.Must(uuid.NewV7()).String(), MovieID: movieID, MovieTitle: "Title of " + movieID[:8],
		AuthorID: author.id, AuthorDisplayName: author.name, Rating: 1 + minute%10, Body: "review at minute " + time.Duration(minute).String(),
		Version: 1, CreatedAt: at, UpdatedAt: at}
	require.NoError(e.t, e.apply(social.ConsumerReviews, reviewEvent(e.t, reviewsapi.ReviewSubmitted, r)))
	return r
}

func (e *env) feed(token, query string) socialapi.FeedPage {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/feed"+query, token, nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.body)
	var p socialapi.FeedPage
	r.decode(e.t, &p)
	return p
}

func (e *env) list(path string) socialapi.FollowPage {
	e.t.Helper()
	r := e.call(http.MethodGet, path, "", nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.body)
	var p socialapi.FollowPage
	r.decode(e.t, &p)
	return p
}

func (e *env) outbox() []events.Envelope {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT envelope FROM outbox ORDER BY id`)
	require.NoError(e.t, err)
	defer rows.Close()
	var out []events.Envelope
	for rows.Next() {
		var raw string
		require.NoError(e.t, rows.Scan(&raw))
		var ev events.Envelope
		require.NoError(e.t, json.Unmarshal([]byte(raw), &ev))
		out = append(out, ev)
	}
	require.NoError(e.t, rows.Err())
	return out
}

func followOf(t testing.TB, ev events.Envelope) socialapi.FollowEvent {
	t.Helper()
	var f socialapi.FollowEvent
	require.NoError(t, ev.Decode(&f))
	require.Equal(t, f.FollowerID+":"+f.FolloweeID, ev.Subject)
	return f
}

func types(envs []events.Envelope) []string {
	out := make([]string, len(envs))
	for i, ev := range envs {
		out[i] = ev.Type
	}
	return out
}
