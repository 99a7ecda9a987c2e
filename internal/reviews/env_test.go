package reviews_test

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
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// checker validates answers against reviews.OpenAPI; loaded once.
var checker = sync.OnceValues(func() (*openapicheck.Checker, error) { return openapicheck.New(reviews.OpenAPI) })

// env is the reviews service on a fresh database behind a real HTTP server
// whose every answer is checked against the OpenAPI document.
type env struct {
	t        testing.TB
	ctx      context.Context
	db       *sqldb.DB
	svc      *reviews.Service
	evOutbox *events.Outbox
	router   *httpx.Router
	srv      *httptest.Server
	client   *http.Client
	minter   *authtest.Minter
	handlers map[string]events.Handler
	clock    *servicetest.Clock
}

func newEnv(t testing.TB, engine sqldb.Engine, opts ...reviews.Option) *env {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t, engine)
	// the way the composition root migrates
	require.NoError(t, kit.Migrate(ctx, db, reviews.Module))
	clk := servicetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	opts = append([]reviews.Option{reviews.WithClock(clk.Now)}, opts...)
	outbox := events.NewOutbox(db)
	svc := reviews.New(db, outbox, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	s := servicetest.Serve(t, reviews.OpenAPI, checker, svc.Routes)
	return &env{t: t, ctx: ctx, db: db, svc: svc, evOutbox: outbox, router: s.Router, srv: s.Server, client: s.Client, minter: s.Minter,
		handlers: servicetest.HandlersByConsumer(svc.Subscriptions()), clock: clk}
}

// call sends a request (body is JSON-encoded unless it is a string); the
// client checks the answer against the OpenAPI document.
func (e *env) call(method, path, token string, body any) servicetest.Response {
	e.t.Helper()
	return servicetest.Send(e.t, e.client, servicetest.NewRequest(e.t, e.ctx, method, e.srv.URL+path, token, body))
}

// apply runs a consumer's handler on env in one transaction, as the
// Consumer does (without the inbox).
func (e *env) apply(consumer string, ev events.Envelope) error {
	e.t.Helper()
	return servicetest.Apply(e.t, e.ctx, e.db, e.handlers, consumer, ev)
}

// movieEvent is a catalog.movie.* event; deleted sets deleted_at.
func movieEvent(t testing.TB, typ, id, title string, version int64, deleted bool) events.Envelope {
	t.Helper()
	now := time.Now().UTC()
	m := catalogapi.Movie{ID: id, Title: title, Languages: []string{}, Genres: []catalogapi.Genre{}, Cast: []catalogapi.CastCredit{},
		Crew: []catalogapi.CrewCredit{}, RatingSummary: catalogapi.EmptyRatingSummary(), Version: version, CreatedAt: now, UpdatedAt: now}
	if deleted {
		m.DeletedAt = &now
	}
	return servicetest.NewEnvelope(t, catalogapi.Source, typ, id, catalogapi.MovieEvent(m))
}

// userEvent is an identity.user.* event; deleted sets deleted_at.
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

// addMovie makes a movie known (catalog.movie.created, version 1).
func (e *env) addMovie(title string) string {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(e.t, e.apply(reviews.ConsumerMovies, movieEvent(e.t, catalogapi.MovieCreated, id, title, 1, false)))
	return id
}

// user is a registered user with an access token.
type user struct {
	id, name, token string
}

// addUser makes a user known (identity.user.registered, version 1).
func (e *env) addUser(name string) user {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(e.t, e.apply(reviews.ConsumerAuthors, userEvent(e.t, identityapi.UserRegistered, id, name, 1, false)))
	return user{id: id, name: name, token: e.minter.Token(e.t, id, auth.RoleUser)}
}

func (e *env) admin() string { return e.minter.Admin(e.t) }

// submit posts a review and expects 201.
func (e *env) submit(u user, movieID string, rating int, body string) reviewsapi.Review {
	e.t.Helper()
	r := e.call(http.MethodPost, "/api/movies/"+movieID+"/reviews", u.token, reviewsapi.ReviewWrite{Rating: rating, Body: body})
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	var rev reviewsapi.Review
	r.Decode(e.t, &rev)
	return rev
}

func (e *env) listPage(path string) reviewsapi.ReviewPage {
	e.t.Helper()
	r := e.call(http.MethodGet, path, "", nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var p reviewsapi.ReviewPage
	r.Decode(e.t, &p)
	return p
}

// outbox returns the events in the outbox, in order.
func (e *env) outbox() []events.Envelope {
	e.t.Helper()
	return servicetest.OutboxEvents(e.t, e.db)
}

func ratingOf(t testing.TB, ev events.Envelope) reviewsapi.RatingChangedEvent {
	t.Helper()
	require.Equal(t, reviewsapi.MovieRatingChanged, ev.Type)
	var r reviewsapi.RatingChangedEvent
	require.NoError(t, ev.Decode(&r))
	require.Equal(t, r.MovieID, ev.Subject)
	return r
}

func reviewOf(t testing.TB, ev events.Envelope) reviewsapi.ReviewEvent {
	t.Helper()
	var r reviewsapi.ReviewEvent
	require.NoError(t, ev.Decode(&r))
	require.Equal(t, r.ID, ev.Subject)
	return r
}

func ptr[T any](v T) *T { return &v }
