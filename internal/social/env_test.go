package social_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
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

func newEnv(t testing.TB, engine sqldb.Engine) *env {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t, engine)
	// the way the composition root migrates
	require.NoError(t, kit.Migrate(ctx, db, social.Module))
	clk := servicetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	outbox := events.NewOutbox(db)
	svc := social.New(db, outbox, slog.New(slog.NewTextHandler(io.Discard, nil)), social.WithClock(clk.Now))
	s := servicetest.Serve(t, social.OpenAPI, checker, svc.Routes)
	return &env{t: t, ctx: ctx, db: db, svc: svc, evOutbox: outbox, router: s.Router, srv: s.Server, client: s.Client, minter: s.Minter,
		handlers: servicetest.HandlersByConsumer(svc.Subscriptions())}
}

// call sends a request (body is JSON-encoded unless it is a string); the
// client checks the answer against the OpenAPI document.
func (e *env) call(method, path, token string, body any) servicetest.Response {
	e.t.Helper()
	return servicetest.Send(e.t, e.client, servicetest.NewRequest(e.t, e.ctx, method, e.srv.URL+path, token, body))
}

// apply runs a consumer's handler on ev in one transaction, as the Consumer
// does (without the inbox).
func (e *env) apply(consumer string, ev events.Envelope) error {
	e.t.Helper()
	return servicetest.Apply(e.t, e.ctx, e.db, e.handlers, consumer, ev)
}

func userEvent(t testing.TB, typ, id, name string, version int64, deleted bool) events.Envelope {
	t.Helper()
	now := time.Now().UTC()
	u := identityapi.UserEvent{ID: id, Email: id + "@example.com", DisplayName: name, Role: identityapi.RoleUser,
		Version: version, CreatedAt: now, UpdatedAt: now}
	if deleted {
		u.DeletedAt, u.TokensRevokedAt = &now, &now
	}
	return servicetest.NewEnvelope(t, identityapi.Source, typ, id, u)
}

func movieEvent(t testing.TB, typ, id, title string, version int64, deleted bool) events.Envelope {
	t.Helper()
	now := time.Now().UTC()
	m := catalogapi.Movie{ID: id, Title: title, Version: version, CreatedAt: now, UpdatedAt: now}
	if deleted {
		m.DeletedAt = &now
	}
	return servicetest.NewEnvelope(t, catalogapi.Source, typ, id, catalogapi.MovieEvent(m))
}

// reviewEvent is a reviews.review.* event of r at version (deleted for reviews.review.deleted).
func reviewEvent(t testing.TB, typ string, r reviewsapi.ReviewEvent) events.Envelope {
	t.Helper()
	if typ == reviewsapi.ReviewDeleted && r.DeletedAt == nil {
		at := r.UpdatedAt
		r.DeletedAt = &at
	}
	return servicetest.NewEnvelope(t, reviewsapi.Source, typ, r.ID, r)
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
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var f socialapi.Follow
	r.Decode(e.t, &f)
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
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var p socialapi.FeedPage
	r.Decode(e.t, &p)
	return p
}

func (e *env) list(path string) socialapi.FollowPage {
	e.t.Helper()
	r := e.call(http.MethodGet, path, "", nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var p socialapi.FollowPage
	r.Decode(e.t, &p)
	return p
}

// outbox returns the events in the outbox, in order.
func (e *env) outbox() []events.Envelope {
	e.t.Helper()
	return servicetest.OutboxEvents(e.t, e.db)
}

func followOf(t testing.TB, ev events.Envelope) socialapi.FollowEvent {
	t.Helper()
	var f socialapi.FollowEvent
	require.NoError(t, ev.Decode(&f))
	require.Equal(t, f.FollowerID+":"+f.FolloweeID, ev.Subject)
	return f
}
