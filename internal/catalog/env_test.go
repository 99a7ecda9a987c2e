package catalog_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// spec is the catalog's OpenAPI document, loaded and validated once.
var spec = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(catalog.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	return doc, nil
})

// checker validates every answer of the tests against the OpenAPI document
// and counts the operations checked (see TestMain).
var checker = sync.OnceValues(func() (*openapicheck.Checker, error) { return openapicheck.New(catalog.OpenAPI) })

// env is a catalog service on a fresh database behind a real HTTP server
// whose every answer is checked against the OpenAPI document.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *sqldb.DB
	svc    *catalog.Service
	srv    *httptest.Server
	client *http.Client // checks every answer against the OpenAPI document
	router *httpx.Router
	minter *authtest.Minter
	admin  string // an administrator's token
	user   string // a plain user's token
}

func newEnv(t testing.TB, engine sqldb.Engine, opts ...catalog.Option) *env {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t, engine)
	// the way the composition root migrates
	require.NoError(t, kit.Migrate(ctx, db, catalog.Module))
	svc := catalog.New(db, events.NewOutbox(db), slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	s := servicetest.Serve(t, catalog.OpenAPI, checker, svc.Routes)
	return &env{t: t, ctx: ctx, db: db, svc: svc, srv: s.Server, client: s.Client, router: s.Router, minter: s.Minter,
		admin: s.Minter.Admin(t), user: s.Minter.User(t)}
}

// call sends a request (body is JSON-encoded unless it is a string) and
// validates the answer against the OpenAPI document.
func (e *env) call(method, path, token string, body any, headers ...string) servicetest.Response {
	e.t.Helper()
	req := servicetest.NewRequest(e.t, e.ctx, method, e.srv.URL+path, token, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return servicetest.Send(e.t, e.client, req)
}

// outbox returns the events in the outbox, in order.
func (e *env) outbox() []events.Envelope {
	e.t.Helper()
	return servicetest.OutboxEvents(e.t, e.db)
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n))
	return n
}

func (e *env) createPerson(name string) catalogapi.Person {
	e.t.Helper()
	r := e.call(http.MethodPost, "/api/actors", e.admin, catalogapi.PersonWrite{Name: name})
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	var p catalogapi.Person
	r.Decode(e.t, &p)
	return p
}

func (e *env) createMovie(w catalogapi.MovieWrite) catalogapi.Movie {
	e.t.Helper()
	r := e.call(http.MethodPost, "/api/movies", e.admin, w)
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	var m catalogapi.Movie
	r.Decode(e.t, &m)
	return m
}

// getMovie reads a movie through the catalog's own (administrators') read;
// token "" means the administrator's.
func (e *env) getMovie(id, token string) (catalogapi.Movie, servicetest.Response) {
	e.t.Helper()
	if token == "" {
		token = e.admin
	}
	r := e.call(http.MethodGet, "/api/admin/catalog/movies/"+id, token, nil)
	var m catalogapi.Movie
	if r.Status == http.StatusOK {
		r.Decode(e.t, &m)
	}
	return m, r
}

func genre(t testing.TB, slug string) catalogapi.Genre {
	t.Helper()
	for _, g := range catalogapi.Genres {
		if g.Slug == slug {
			return g
		}
	}
	t.Fatalf("no genre %q", slug)
	return catalogapi.Genre{}
}

func intp(n int) *int { return &n }
