package catalog_test

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

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
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

var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := spec()
	if err != nil {
		return nil, err
	}
	return legacy.NewRouter(doc)
})

// env is a catalog service on a fresh database behind a real HTTP server.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *sqldb.DB
	svc    *catalog.Service
	srv    *httptest.Server
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
	require.NoError(t, sqldb.Migrate(ctx, db, "events", events.Migrations))
	require.NoError(t, sqldb.Migrate(ctx, db, "catalog", catalog.Migrations))
	svc := catalog.New(db, events.NewOutbox(db), slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	minter := authtest.New(t)
	rt := httpx.NewRouter(minter.Verifier())
	svc.Routes(rt)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, db: db, svc: svc, srv: srv, router: rt, minter: minter, admin: minter.Admin(t), user: minter.User(t)}
}

// response is an answer already checked against the OpenAPI document.
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
	var p httpx.Problem
	r.decode(t, &p)
	return p
}

// fields lists the field names of a validation problem.
func (r response) fields(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, fe := range r.problem(t).Errors {
		out = append(out, fe.Field)
	}
	return out
}

// call sends a request (body is JSON-encoded unless it is a string) and
// validates the answer against the OpenAPI document.
func (e *env) call(method, path, token string, body any, headers ...string) response {
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
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	checkAgainstSpec(e.t, req, resp, raw)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// checkAgainstSpec fails the test when the answer does not match the OpenAPI document.
func checkAgainstSpec(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	router, err := specRouter()
	require.NoError(t, err)
	route, params, err := router.FindRoute(req)
	require.NoError(t, err, "%s %s is not in the OpenAPI document", req.Method, req.URL.Path)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), in),
		"%s %s answered %d %s", req.Method, req.URL, resp.StatusCode, body)
}

// outbox returns the events in the outbox, in order.
func (e *env) outbox() []events.Envelope {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT envelope FROM outbox ORDER BY id`)
	require.NoError(e.t, err)
	defer rows.Close()
	var out []events.Envelope
	for rows.Next() {
		var raw string
		require.NoError(e.t, rows.Scan(&raw))
		var env events.Envelope
		require.NoError(e.t, json.Unmarshal([]byte(raw), &env))
		out = append(out, env)
	}
	require.NoError(e.t, rows.Err())
	return out
}

func eventTypes(envs []events.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.Type
	}
	return out
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
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.body)
	var p catalogapi.Person
	r.decode(e.t, &p)
	return p
}

func (e *env) createMovie(w catalogapi.MovieWrite) catalogapi.Movie {
	e.t.Helper()
	r := e.call(http.MethodPost, "/api/movies", e.admin, w)
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.body)
	var m catalogapi.Movie
	r.decode(e.t, &m)
	return m
}

// getMovie reads a movie through the catalog's own (administrators') read;
// token "" means the administrator's.
func (e *env) getMovie(id, token string) (catalogapi.Movie, response) {
	e.t.Helper()
	if token == "" {
		token = e.admin
	}
	r := e.call(http.MethodGet, "/api/admin/catalog/movies/"+id, token, nil)
	var m catalogapi.Movie
	if r.status == http.StatusOK {
		r.decode(e.t, &m)
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
