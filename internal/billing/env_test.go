package billing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// The checkout page is HTML: its body is checked as a plain string.
func init() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder) }

// checker validates answers against billing.OpenAPI; loaded once.
var checker = sync.OnceValues(func() (*openapicheck.Checker, error) { return openapicheck.New(billing.OpenAPI) })

// clock is a time source tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is the billing service on a fresh database behind a real HTTP server
// whose every answer is checked against the OpenAPI document.
type env struct {
	t      testing.TB
	ctx    context.Context
	dbURL  string
	db     *sqldb.DB
	svc    *billing.Service
	clock  *clock
	cfg    billing.Config
	srv    *httptest.Server
	client *http.Client
	minter *authtest.Minter
	admin  string
	real   bool // the service reads time.Now (benchmarks with the job runner running)
}

type envOption func(*billing.Config, *[]billing.Option)

func withChaos(dup, reorder float64, seed uint64) envOption {
	return func(c *billing.Config, o *[]billing.Option) {
		c.SandboxDuplicateRate, c.SandboxReorderRate = dup, reorder
		*o = append(*o, billing.WithSeed(seed))
	}
}

func withFault(f func(point string) error) envOption {
	return func(_ *billing.Config, o *[]billing.Option) { *o = append(*o, billing.WithFault(f)) }
}

func newEnv(t testing.TB, engine sqldb.Engine, opts ...envOption) *env {
	t.Helper()
	return newEnvClock(t, engine, false, opts...)
}

func newEnvClock(t testing.TB, engine sqldb.Engine, real bool, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), dbURL: sqldbtest.URL(t, engine), real: real,
		clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, minter: authtest.New(t)}
	e.start(opts...)
	e.admin = e.minter.Token(t, uuid.Must(uuid.NewV7()).String(), auth.RoleAdmin)
	return e
}

// start opens the database and the service: on a fresh database the first
// time, on the same one afterwards (a restart).
func (e *env) start(opts ...envOption) {
	t := e.t
	t.Helper()
	db, err := sqldb.Open(e.ctx, "billing", e.dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, kit.Migrate(e.ctx, db, billing.Module))
	var bopts []billing.Option
	for _, o := range opts {
		o(&e.cfg, &bopts)
	}
	if !e.real {
		bopts = append(bopts, billing.WithClock(e.clock.Now))
	}
	svc, err := billing.New(e.ctx, db, events.NewOutbox(db), servicetest.Logger(t), e.cfg, bopts...)
	require.NoError(t, err)
	rt := httpx.NewRouter(e.minter.Verifier())
	svc.Routes(rt)
	if e.srv != nil {
		e.srv.Close()
	}
	e.srv = httptest.NewServer(rt)
	t.Cleanup(e.srv.Close)
	c, err := checker()
	require.NoError(t, err)
	client := *c.Client(t)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	e.db, e.svc, e.client = db, svc, &client
}

// restart is a new process on the same database, without faults.
func (e *env) restart(opts ...envOption) {
	e.t.Helper()
	e.cfg = billing.Config{SandboxWebhookSecret: e.cfg.SandboxWebhookSecret}
	e.start(opts...)
}

func (e *env) call(method, path, token string, body any) servicetest.Response {
	e.t.Helper()
	return servicetest.Send(e.t, e.client, servicetest.NewRequest(e.t, e.ctx, method, e.srv.URL+path, token, body))
}

func (e *env) user() (id, token string) {
	id = uuid.Must(uuid.NewV7()).String()
	return id, e.minter.Token(e.t, id, auth.RoleUser)
}

func (e *env) plans() []billingapi.Plan {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/plans", "", nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var l billingapi.PlanList
	r.Decode(e.t, &l)
	return l.Items
}

func (e *env) planBySlug(slug string) billingapi.Plan {
	e.t.Helper()
	for _, p := range e.plans() {
		if p.Slug == slug {
			return p
		}
	}
	e.t.Fatalf("no plan %s", slug)
	return billingapi.Plan{}
}

func (e *env) order(token, planID, key string) billingapi.Checkout {
	e.t.Helper()
	req := servicetest.NewRequest(e.t, e.ctx, http.MethodPost, e.srv.URL+"/api/orders", token, billingapi.OrderInput{PlanID: planID})
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	r := servicetest.Send(e.t, e.client, req)
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	var c billingapi.Checkout
	r.Decode(e.t, &c)
	return c
}

func sessionOf(c billingapi.Checkout) string {
	_, id, _ := strings.Cut(c.CheckoutURL, "/sandbox/checkout/")
	return id
}

// getOrder reads an order as its owner.
func (e *env) getOrder(token, id string) billingapi.Order {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/orders/"+id, token, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var o billingapi.Order
	r.Decode(e.t, &o)
	return o
}

// drain runs every due job (deliveries, saga steps) until none is due.
func (e *env) drain() {
	e.t.Helper()
	require.NoError(e.t, e.svc.Drain(e.ctx))
}

// post sends a form post (the sandbox page's buttons).
func (e *env) post(path string) servicetest.Response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.srv.URL+path, nil)
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return servicetest.Send(e.t, e.client, req)
}

// count runs a COUNT query.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.db.QueryRowContext(e.ctx, query, args...).Scan(&n))
	return n
}

// outboxTypes lists the types of the events in the outbox, in order.
func (e *env) outboxTypes() []string {
	e.t.Helper()
	return servicetest.EventTypes(servicetest.OutboxEvents(e.t, e.db))
}

// addMovie applies a catalog.movie.created event as the consumer does.
func (e *env) addMovie() string {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	now := time.Now().UTC()
	ev := servicetest.NewEnvelope(e.t, catalogapi.Source, catalogapi.MovieCreated, id, catalogapi.MovieEvent(catalogapi.Movie{ID: id, Title: "Film", Version: 1, CreatedAt: now, UpdatedAt: now}))
	require.NoError(e.t, servicetest.Apply(e.t, e.ctx, e.db, servicetest.HandlersByConsumer(e.svc.Subscriptions()), billing.ConsumerMovies, ev))
	return id
}

func newJSONRequest(t testing.TB, e *env, method, path, token string, body any) *http.Request {
	t.Helper()
	return servicetest.NewRequest(t, e.ctx, method, e.srv.URL+path, token, body)
}

// lastCheckout is the checkout of an order (its session's URL), read from the sandbox's books.
func (e *env) lastCheckout(orderID string) billingapi.Checkout {
	e.t.Helper()
	var session string
	require.NoError(e.t, e.db.QueryRowContext(e.ctx, `SELECT id FROM sandbox_sessions WHERE order_id = ?`, orderID).Scan(&session))
	return billingapi.Checkout{CheckoutURL: "/sandbox/checkout/" + session}
}
