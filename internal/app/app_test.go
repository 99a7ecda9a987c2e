package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/obs"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// platform is a running marquee process for a test: real HTTP on loopback,
// real SQLite (or PostgreSQL), real NATS.
type platform struct {
	app    *app.App
	url    string
	client *http.Client
	stop   func() // stops it before the test ends (a restart); idempotent
	logs   *lockedBuffer
}

// lockedBuffer collects a platform's JSON log lines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs a platform; before, if given, registers extra wiring (consumers) before it serves.
func start(t *testing.T, env map[string]string, before ...func(*app.App)) *platform {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if env["MARQUEE_DATA_DIR"] == "" {
		env["MARQUEE_DATA_DIR"] = t.TempDir()
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, app.Services)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	a, err := app.New(ctx, cfg, obs.NewLoggerFormat(logs, cfg.LogLevel, "json", false), app.Serving)
	require.NoError(t, err)
	for _, f := range before {
		f(a)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
			a.Close()
		})
	}
	t.Cleanup(stop)
	checker, err := openapicheck.New(a.Spec())
	require.NoError(t, err)
	return &platform{app: a, url: "http://" + ln.Addr().String(), client: checker.Client(t), stop: stop, logs: logs}
}

const testPassword = "a long enough test passphrase"

// user registers a fresh account and returns its access token.
func (p *platform) user(t testing.TB) string {
	t.Helper()
	email := "user-" + uuid.NewString()[:8] + "@example.com"
	require.Equal(t, 201, p.call(t, "POST", "/api/auth/register", "", map[string]any{
		"email": email, "password": testPassword, "display_name": "Test " + email[5:13]}, nil))
	return p.login(t, email)
}

// admin bootstraps an administrator as `marquee admin create` does and returns its access token.
func (p *platform) admin(t testing.TB) string {
	t.Helper()
	email := "admin-" + uuid.NewString()[:8] + "@example.com"
	id, ok := app.Lookup[*identity.Service](p.app)
	require.True(t, ok)
	_, err := id.CreateAdmin(context.Background(), email, testPassword, "Admin")
	require.NoError(t, err)
	return p.login(t, email)
}

func (p *platform) login(t testing.TB, email string) string {
	t.Helper()
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	require.Equal(t, 200, p.call(t, "POST", "/api/auth/login", "", map[string]any{"email": email, "password": testPassword}, &tokens))
	require.NotEmpty(t, tokens.AccessToken)
	return tokens.AccessToken
}

// call sends a JSON request and decodes a JSON answer into out (when non-nil).
func (p *platform) call(t testing.TB, method, path, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil && len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, out), string(raw))
	}
	return resp.StatusCode
}

type movie struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	ReleaseDate string `json:"release_date"`
	Genres      []struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
	} `json:"genres"`
	Cast []struct {
		PersonID  string `json:"person_id"`
		Name      string `json:"name"`
		Character string `json:"character"`
	} `json:"cast"`
	DeletedAt *string `json:"deleted_at"`
}

type problem struct {
	Status int `json:"status"`
	Errors []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

// eventually retries a call until it answers want: reads of the browse read
// model follow writes by the time their events take to arrive.
func (p *platform) eventually(t testing.TB, want int, method, path, token string, body, out any) {
	t.Helper()
	got := 0
	deadline := time.Now().Add(30 * time.Second) // generous: CI runs other packages beside this one
	for got = p.call(t, method, path, token, body, out); got != want && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		got = p.call(t, method, path, token, body, out)
	}
	require.Equal(t, want, got, "%s %s", method, path)
}

func TestCatalogEndToEndThroughTheGateway(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin, user := p.admin(t), p.user(t)

	var genres struct {
		Items []struct{ ID, Slug string } `json:"items"`
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/genres", "", nil, &genres))
	drama := ""
	for _, g := range genres.Items {
		if g.Slug == "drama" {
			drama = g.ID
		}
	}
	require.NotEmpty(t, drama, "the drama genre is listed before any movie exists")

	var actor struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/actors", admin, map[string]any{"name": "Ingrid Bergman", "birth_date": "1915-08-29"}, &actor))

	write := map[string]any{"title": "Casablanca", "release_date": "1942-11-26", "runtime_minutes": 102,
		"genre_ids": []string{drama}, "languages": []string{"en"},
		"cast": []map[string]any{{"person_id": actor.ID, "character": "Ilsa Lund", "order": 0}}}
	require.Equal(t, 401, p.call(t, "POST", "/api/movies", "", write, nil))
	require.Equal(t, 403, p.call(t, "POST", "/api/movies", user, write, nil))
	var m movie
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, write, &m))
	require.Equal(t, "Casablanca", m.Title)
	require.Equal(t, "Ilsa Lund", m.Cast[0].Character)
	require.Equal(t, "Ingrid Bergman", m.Cast[0].Name)

	var got movie
	p.eventually(t, 200, "GET", "/api/movies/"+m.ID, "", nil, &got)
	require.Equal(t, m.ID, got.ID)
	require.Equal(t, "Ilsa Lund", got.Cast[0].Character, "the read model has the cast")
	require.Equal(t, 200, p.call(t, "GET", "/api/admin/catalog/movies/"+m.ID, admin, nil, nil), "the catalog's own read, for admins")

	var bad problem
	// an unknown genre passes the document: only the catalog can name it
	require.Equal(t, 422, p.call(t, "POST", "/api/movies", admin, map[string]any{"title": "Heat", "genre_ids": []string{uuid.NewString()}}, &bad))
	require.Len(t, bad.Errors, 1, "%+v", bad)
	require.Equal(t, "genre_ids[0]", bad.Errors[0].Field)
	require.Equal(t, 400, p.call(t, "GET", "/api/movies?limit=0", "", nil, &bad))
	require.Equal(t, "limit", bad.Errors[0].Field)

	write["title"] = "Casablanca (restored)"
	require.Equal(t, 200, p.call(t, "PUT", "/api/movies/"+m.ID, admin, write, &got))
	require.Equal(t, "Casablanca (restored)", got.Title)
	require.Eventually(t, func() bool {
		p.call(t, "GET", "/api/movies/"+m.ID, "", nil, &got)
		return got.Title == "Casablanca (restored)"
	}, 10*time.Second, 10*time.Millisecond)

	require.Equal(t, 204, p.call(t, "DELETE", "/api/movies/"+m.ID, admin, nil, nil))
	p.eventually(t, 404, "GET", "/api/movies/"+m.ID, "", nil, nil)
	require.Equal(t, 404, p.call(t, "GET", "/api/movies/"+m.ID+"?include_deleted=true", user, nil, nil))
	require.Equal(t, 200, p.call(t, "GET", "/api/movies/"+m.ID+"?include_deleted=true", admin, nil, &got))
	require.NotNil(t, got.DeletedAt)
	require.Equal(t, 200, p.call(t, "POST", "/api/movies/"+m.ID+"/restore", admin, nil, &got))
	require.Nil(t, got.DeletedAt)
	p.eventually(t, 200, "GET", "/api/movies/"+m.ID, "", nil, nil)

	var page struct {
		Items      []movie `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/movies?q=casablanca&genre=drama", "", nil, &page))
	require.Len(t, page.Items, 1)

	resp, err := http.Get(p.url + "/api/nowhere")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 404, resp.StatusCode)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
}

func TestWritesPublishTheirEventsToTheBus(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	var actor struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/actors", p.admin(t), map[string]any{"name": "Humphrey Bogart"}, &actor))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js := p.app.Bus().JetStream()
	cons, err := js.OrderedConsumer(ctx, "CATALOG", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"catalog.person.created"}})
	require.NoError(t, err)
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	require.NoError(t, err)
	var env struct {
		ID, Type, Source, Subject string
		Data                      struct{ ID, Name string }
	}
	require.NoError(t, json.Unmarshal(msg.Data(), &env))
	require.Equal(t, "catalog.person.created", env.Type)
	require.Equal(t, "catalog", env.Source)
	require.Equal(t, actor.ID, env.Subject)
	require.Equal(t, "Humphrey Bogart", env.Data.Name)
	require.Equal(t, env.ID, msg.Headers().Get("Nats-Msg-Id"), "published with the envelope id for deduplication")
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	resp, err := http.Get(p.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	resp, err = http.Get(p.url + "/readyz")
	require.NoError(t, err)
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ready))
	resp.Body.Close()
	require.Equal(t, "ready", ready.Status)
	for _, svc := range []string{"identity", "catalog", "reviews", "social", "browse", "billing"} {
		require.Equal(t, "ok", ready.Checks["database:"+svc])
	}
	require.Equal(t, "ok", ready.Checks["nats"])

	require.Equal(t, 200, p.call(t, "GET", "/api/genres", "", nil, nil))
	resp, err = http.Get(p.url + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `marquee_http_requests_total{code="200",method="GET",route="GET /api/genres"} 1`)
	require.Contains(t, string(body), `marquee_http_request_duration_seconds_bucket{method="GET",route="GET /api/genres"`)
	require.Contains(t, string(body), `marquee_outbox_backlog{service="catalog"}`)
}

// The scaled-out shape: catalog data on PostgreSQL, events on an external NATS server.
func TestPostgresAndExternalNATS(t *testing.T) {
	t.Parallel()
	natsURL := os.Getenv("MARQUEE_TEST_NATS_URL")
	if natsURL == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MARQUEE_TEST_NATS_URL is not set; CI must run the external NATS tests")
		}
		t.Skip("MARQUEE_TEST_NATS_URL not set")
	}
	prefix := "test-" + uuid.NewString()[:8] + "-"
	p := start(t, map[string]string{
		"MARQUEE_CATALOG_DATABASE_URL": postgresURL(t),
		"MARQUEE_NATS_URL":             natsURL,
		// the server outlives test runs: this run's durable consumers start fresh
		"MARQUEE_CONSUMER_PREFIX": prefix,
	})
	t.Cleanup(func() { eventstest.DeleteConsumers(natsURL, prefix) })
	var actor struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/actors", p.admin(t), map[string]any{"name": "Peter Lorre"}, &actor))
	p.eventually(t, 200, "GET", "/api/people/"+actor.ID, "", nil, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := p.app.Bus().JetStream().OrderedConsumer(ctx, "CATALOG", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"catalog.person.created"}, DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy})
	require.NoError(t, err)
	// Other runs share the external server: look for this test's event among the recent ones.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		msg, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if err != nil {
			continue
		}
		if strings.Contains(string(msg.Data()), actor.ID) {
			return
		}
	}
	t.Fatalf("catalog.person.created for %s never reached the external NATS server", actor.ID)
}

func TestConsumersRunAndTheirLagIsExported(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 10)
	p := start(t, nil, func(a *app.App) {
		require.NoError(t, a.Consume("catalog", events.Subscription{Config: events.ConsumerConfig{
			Name: "test-person-names", Stream: "CATALOG", FilterSubjects: []string{"catalog.person.created"},
		}, Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
			var person struct{ Name string }
			if err := env.Decode(&person); err != nil {
				return events.Permanent(err)
			}
			seen <- person.Name
			return nil
		}}))
	})
	require.Equal(t, 201, p.call(t, "POST", "/api/actors", p.admin(t), map[string]any{"name": "Claude Rains"}, nil))
	select {
	case name := <-seen:
		require.Equal(t, "Claude Rains", name)
	case <-time.After(10 * time.Second):
		t.Fatal("the consumer never saw the event")
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(body), `marquee_consumer_lag{consumer="test-person-names"} 0`)
	}, 10*time.Second, 50*time.Millisecond)
}

func TestADeletedUsersTokenStopsWorkingEverywhere(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin := p.admin(t)
	tok, id := p.userWithID(t)
	require.Equal(t, 200, p.call(t, "GET", "/api/movies", tok, nil, nil))
	require.Equal(t, 204, p.call(t, "DELETE", "/api/users/"+id, admin, nil, nil))
	require.Equal(t, 401, p.call(t, "GET", "/api/me", tok, nil, nil), "identity refuses it")
	require.Equal(t, 401, p.call(t, "GET", "/api/movies", tok, nil, nil), "browse refuses it too, where a token is optional")
	require.Equal(t, 200, p.call(t, "GET", "/api/movies", "", nil, nil))
	require.Equal(t, 200, p.call(t, "GET", "/api/genres", tok, nil, nil), "a public operation does not read it")
}

// Subscribing through the gateway, as the README's "Try it" does: an order,
// the sandbox checkout page's Pay form (under /sandbox/, even with the web
// app's cookies), the webhook delivered in process, the saga completing the
// order, then the subscription, the entitlements and browse's available list.
func TestSubscribeThroughTheSandbox(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin := p.admin(t)
	me := p.user(t)
	var m struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{"title": "Paid Feature"}, &m))
	var plans struct {
		Items []struct{ ID, Slug string }
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/plans", "", nil, &plans))
	var standard string
	for _, pl := range plans.Items {
		if pl.Slug == "standard" {
			standard = pl.ID
		}
	}
	require.NotEmpty(t, standard)
	var checkout struct {
		Order struct {
			ID     string
			Status string
		}
		CheckoutURL string `json:"checkout_url"`
	}
	require.Equal(t, 201, p.call(t, "POST", "/api/orders", me, map[string]any{"plan_id": standard}, &checkout))
	require.True(t, strings.HasPrefix(checkout.CheckoutURL, "/sandbox/checkout/"), checkout.CheckoutURL)

	page, err := http.Get(p.url + checkout.CheckoutURL)
	require.NoError(t, err)
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	require.Equal(t, 200, page.StatusCode)
	require.Contains(t, string(body), `action="`+checkout.CheckoutURL+`/pay"`)

	req, err := http.NewRequest("POST", p.url+checkout.CheckoutURL+"/pay", nil)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// the web app's cookie rides along (a valid one, with no CSRF header, as
	// a plain form sends it): the public route does not read it
	req.AddCookie(&http.Cookie{Name: httpx.AccessCookie, Value: me})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/account/orders/"+checkout.Order.ID, resp.Header.Get("Location"))

	p.eventually(t, 200, "GET", "/api/subscription", me, nil, nil)
	var order struct{ Status string }
	require.Equal(t, 200, p.call(t, "GET", "/api/orders/"+checkout.Order.ID, me, nil, &order))
	require.Equal(t, "completed", order.Status)
	var ent struct {
		PlanID    *string `json:"plan_id"`
		MaxHeight *int    `json:"max_height"`
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/me/entitlements", me, nil, &ent))
	require.Equal(t, standard, *ent.PlanID)
	require.Equal(t, 1080, *ent.MaxHeight)
	// the new movie joined every plan (billing), and browse lists it for this subscriber
	require.Eventually(t, func() bool {
		var list struct{ Items []struct{ ID string } }
		if p.call(t, "GET", "/api/movies?available=true", me, nil, &list) != 200 {
			return false
		}
		for _, it := range list.Items {
			if it.ID == m.ID {
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond)
	var doc struct{ Plans []string }
	require.Equal(t, 200, p.call(t, "GET", "/api/movies/"+m.ID, "", nil, &doc))
	require.Contains(t, doc.Plans, standard)
}
