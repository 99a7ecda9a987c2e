// Package app is the composition root: configuration in, services, event bus,
// relays and one HTTP server out. `marquee serve` runs every service here;
// `--services` picks some, and the gateway reaches the rest over HTTP.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/marquee-dev/marquee/internal/gateway"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/idempotency"
	"github.com/marquee-dev/marquee/internal/platform/idletrim"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/obs"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/web"
)

// Gateway is the name of the edge in MARQUEE_SERVICES / --services. It is
// not a module: it has no database and is built from the others' routes.
const Gateway = "gateway"

// Services are the services this binary knows, in start order.
var Services = append(moduleNames(), Gateway)

func moduleNames() []string {
	names := make([]string, len(Modules))
	for i, m := range Modules {
		names[i] = m.Name()
	}
	return names
}

// Version is set at build time.
var Version = "dev"

// App is a running (or ready to run) marquee process.
type App struct {
	cfg     config.Config
	log     *slog.Logger
	metrics *obs.Metrics
	bus     *events.Bus

	revocations *auth.Revocations
	issuer      kit.Issuer // the module that issues access tokens, if the binary has one
	units       []*unit
	gateway     *gateway.Gateway
	handler     http.Handler
}

// unit is one service's share of the process: its own database, outbox and relay.
type unit struct {
	name      string
	db        *sqldb.DB
	outbox    *events.Outbox
	relay     *events.Relay
	consumers []*events.Consumer
	router    *httpx.Router
	spec      []byte // the service's OpenAPI document, which its router validates requests against
	parts     kit.Parts
}

// Mode says whether the process serves (bus, relays, HTTP) or only works on
// the databases, as the CLI commands do: their events wait in the outbox
// until a serving process's relay publishes them, so a command can run while
// `marquee serve` runs on the same data dir (whose embedded NATS it cannot share).
type Mode int

const (
	Serving Mode = iota
	Offline
)

// New opens every configured service (databases migrated; when serving, the
// bus connected and streams ensured) without serving yet. Close releases it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, mode Mode) (_ *App, err error) {
	a := &App{cfg: cfg, log: log, metrics: obs.NewMetrics(), revocations: auth.NewRevocations(kit.AccessTTL)}
	defer func() {
		if err != nil {
			a.Close() // what was opened before the failure
		}
	}()
	if mode == Serving {
		busOpts := events.Options(cfg, log.With("component", "nats"))
		if cfg.NATSURL != "" {
			a.bus, err = events.Connect(ctx, cfg.NATSURL, busOpts...)
		} else {
			a.bus, err = events.StartEmbedded(ctx, filepath.Join(cfg.DataDir, "nats"), busOpts...)
		}
		if err != nil {
			return nil, fmt.Errorf("event bus: %w", err)
		}
	}
	// Tokens are checked with the issuer's keys: its own when it runs here,
	// else fetched from where it runs.
	keys := auth.KeySource(auth.NewStaticKeys()) // nobody issues tokens: only public routes answer
	for _, m := range Modules {
		if iss, ok := m.(kit.Issuer); ok {
			a.issuer = iss
			if u := cfg.ServiceURL(m.Name()); u != "" && !cfg.Runs(m.Name()) {
				keys = iss.RemoteKeys(u)
			}
		}
		if !cfg.Runs(m.Name()) {
			continue
		}
		u, err := a.openUnit(ctx, m)
		if err != nil {
			return nil, err
		}
		u.parts, err = m.Build(ctx, kit.Env{DB: u.db, Outbox: u.outbox, Log: log.With("service", m.Name()),
			Config: cfg, Revocations: a.revocations, Bus: a.bus, API: &http.Client{Transport: gatewayTransport{a}}})
		if err != nil {
			return nil, err
		}
		if u.parts.Keys != nil {
			keys = u.parts.Keys
		}
	}
	verifier := auth.NewVerifier(keys, cfg.AuthIssuer, cfg.AuthAudience,
		auth.WithRevocations(a.revocations), auth.WithTokenCache(auth.NewTokenCache(0)), auth.WithClockSkew(cfg.AuthClockSkew))
	for _, u := range a.units {
		u.router = httpx.NewRouter(verifier)
		if u.parts.Routes != nil {
			u.parts.Routes(u.router)
		}
		if err := u.router.ValidateRequests(u.spec); err != nil {
			return nil, fmt.Errorf("%s: %w", u.name, err)
		}
		if a.bus == nil {
			continue
		}
		for _, sub := range u.parts.Subscriptions {
			if err := a.Consume(u.name, sub); err != nil {
				return nil, err
			}
		}
	}

	var backends []gateway.Backend
	for _, m := range Modules {
		b := gateway.Backend{Service: m.Name(), Spec: m.OpenAPI()}
		if u := a.unit(m.Name()); u != nil {
			b.Local = u.router
		} else if b.Remote = cfg.ServiceURL(m.Name()); b.Remote == "" {
			if cfg.Runs(Gateway) {
				return nil, fmt.Errorf("the gateway needs the %s service: run it here or set MARQUEE_%s_URL", m.Name(), strings.ToUpper(m.Name()))
			}
			continue
		}
		backends = append(backends, b)
	}
	a.gateway, err = gateway.New(apiInfo(), backends)
	if err != nil {
		return nil, err
	}
	a.registerDependencyMetrics()
	a.handler = a.routes()
	return a, nil
}

func apiInfo() map[string]any {
	return map[string]any{"title": "Marquee API", "version": Version,
		"description": "Movies, people, reviews, subscriptions and streaming. Errors are RFC 9457 problem documents."}
}

// Document is the public OpenAPI document of every service, as the gateway
// serves it at /api/openapi.json (`marquee openapi` prints it).
func Document() ([]byte, error) {
	var docs []gateway.Document
	for _, m := range Modules {
		docs = append(docs, gateway.Document{Service: m.Name(), Spec: m.OpenAPI()})
	}
	return gateway.Merge(apiInfo(), docs)
}

// Lookup is the built service of type T (such as *catalog.Service) when it
// runs in this process, for commands and tests.
func Lookup[T any](a *App) (T, bool) {
	for _, u := range a.units {
		if s, ok := u.parts.Service.(T); ok {
			return s, true
		}
	}
	var zero T
	return zero, false
}

func (a *App) openUnit(ctx context.Context, m kit.Module) (*unit, error) {
	name := m.Name()
	db, err := sqldb.Open(ctx, name, a.cfg.DatabaseURLFor(name))
	if err != nil {
		return nil, err
	}
	u := &unit{name: name, db: db, spec: m.OpenAPI()}
	a.units = append(a.units, u)
	if err := kit.Migrate(ctx, db, m); err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, "idempotency", idempotency.Migrations); err != nil {
		return nil, err
	}
	u.outbox = events.NewOutbox(db)
	if a.bus != nil {
		stream, subject := events.StreamFor(name)
		if err := a.bus.EnsureStream(ctx, stream, subject); err != nil {
			return nil, fmt.Errorf("stream %s: %w", stream, err)
		}
		published := a.metrics.EventsPublished.WithLabelValues(name)
		u.relay = events.NewRelay(db, u.outbox, a.bus, a.log.With("service", name, "component", "relay"),
			events.RelayOnPublished(func(n int) { published.Add(float64(n)) }))
	}
	a.metrics.Gauge("marquee_outbox_backlog", "Events written but not yet published.", prometheus.Labels{"service": name}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := u.outbox.Backlog(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	return u, nil
}

// Consume registers a durable consumer whose handler writes to the service's
// own database; it runs with the relays from Run on. Its lag is exported as
// marquee_consumer_lag{consumer=...}.
func (a *App) Consume(service string, sub events.Subscription) error {
	cfg := &sub.Config
	u := a.unit(service)
	if u == nil {
		return fmt.Errorf("consumer %s: service %s does not run here", cfg.Name, service)
	}
	if a.bus == nil {
		return fmt.Errorf("consumer %s: no event bus in offline mode", cfg.Name)
	}
	// the producer may run elsewhere or not yet: the stream must exist to consume from it
	if err := a.bus.EnsureStream(context.Background(), cfg.Stream, strings.ToLower(cfg.Stream)+".>"); err != nil {
		return fmt.Errorf("consumer %s: %w", cfg.Name, err)
	}
	c := events.NewConsumer(u.db, a.bus, sub, a.log.With("service", service))
	u.consumers = append(u.consumers, c)
	a.metrics.Gauge("marquee_consumer_lag", "Events in the stream not yet handled by the consumer.", prometheus.Labels{"consumer": cfg.Name}, func() float64 {
		if !a.bus.Conn().IsConnected() {
			return -1 // at once: during an outage every consumer would wait out the timeout, one after the other
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := c.Lag(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	return nil
}

func (a *App) unit(name string) *unit {
	for _, u := range a.units {
		if u.name == name {
			return u
		}
	}
	return nil
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", httpx.Routed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})))
	// with an ops address, the metrics and the readiness detail are served there only
	mux.Handle("GET /readyz", httpx.Routed(a.readyHandler(a.cfg.OpsAddr == "")))
	metrics := promhttp.HandlerFor(a.metrics.Registry, promhttp.HandlerOpts{})
	if a.cfg.OpsAddr != "" {
		metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusNotFound, Detail: "No such resource."})
		})
	}
	mux.Handle("GET /metrics", httpx.Routed(metrics))
	mux.Handle("/api/", a.gateway)         // the API, /api/openapi.json, /api/docs
	mux.Handle("/.well-known/", a.gateway) // jwks.json
	// the sandbox's hosted checkout pages and the stream URLs carry their own
	// authority (the session id, the signed token): their routes are
	// auth.Public, which never reads the web app's cookie, so neither a stale
	// cookie nor a plain form post without a CSRF header is refused
	mux.Handle("/sandbox/", a.gateway)
	mux.Handle("/stream/", a.gateway)
	mux.Handle("/", httpx.Routed(web.Handler()))
	return httpx.Chain(mux,
		httpx.UploadProgress(readTimeout(a.cfg)),
		httpx.ClientAddress(a.cfg.TrustedProxies),
		httpx.Observe(a.log, a.metrics),
		httpx.Harden,
		httpx.Recover,
		httpx.Timeout(a.cfg.RequestTimeout),
		httpx.LimitBody(httpx.MaxBodyBytes),
	)
}

// readTimeout is the configured read timeout (MARQUEE_HTTP_READ_TIMEOUT),
// or the server's default when a caller built the config by hand.
func readTimeout(cfg config.Config) time.Duration {
	if cfg.HTTPReadTimeout > 0 {
		return cfg.HTTPReadTimeout
	}
	return httpx.DefaultReadTimeout
}

// Spec is the merged OpenAPI document the gateway serves.
func (a *App) Spec() []byte { return a.gateway.Spec() }

// Run starts the relays and serves HTTP on ln until ctx ends, then stops
// cleanly: HTTP drained, relays and consumers stopped. Close afterwards.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	workers, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	var wg sync.WaitGroup
	wg.Go(func() {
		idletrim.Run(workers, a.log, func() {
			for _, u := range a.units {
				u.db.CloseIdle()
			}
			if err := sqldb.TrimSQLiteMemory(); err != nil {
				a.log.Warn("could not return SQLite's freed memory", "error", err.Error())
			}
		})
	})
	for _, u := range a.units {
		if u.relay != nil {
			wg.Go(func() {
				if err := u.relay.Run(workers); err != nil && !errors.Is(err, context.Canceled) {
					a.log.Error("relay stopped", "service", u.name, "error", err.Error())
				}
			})
		}
		for _, run := range u.parts.Workers {
			wg.Go(func() {
				if err := run(workers); err != nil && !errors.Is(err, context.Canceled) {
					a.log.Error("background work stopped", "service", u.name, "error", err.Error())
				}
			})
		}
		for _, c := range u.consumers {
			wg.Go(func() {
				if err := c.Run(workers); err != nil && !errors.Is(err, context.Canceled) {
					a.log.Error("consumer stopped", "service", u.name, "consumer", c.Name(), "error", err.Error())
				}
			})
		}
	}
	if a.bus != nil { // every process applies revocations, and only serves once it knows the recent ones
		feeds := []events.Feed{identityRevocations(a.revocations, kit.AccessTTL+a.cfg.AuthClockSkew+time.Minute)}
		for _, u := range a.units {
			feeds = append(feeds, u.parts.Feeds...)
		}
		follower := events.NewFollower(a.bus, a.log, feeds...)
		wg.Go(func() { follower.Run(workers) })
		if err := waitForFeeds(ctx, follower, a.log); err != nil {
			stopWorkers()
			wg.Wait()
			return nil
		}
	}
	srv := httpx.NewServer(ln.Addr().String(), a.handler, a.cfg.HTTPReadTimeout)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	serveErr := make(chan error, 1)
	if a.cfg.OpsAddr != "" {
		stopOps, err := a.serveOps()
		if err != nil {
			stopWorkers()
			wg.Wait()
			return err
		}
		defer stopOps()
	}
	go func() { serveErr <- srv.Serve(ln) }()
	a.log.Info("marquee serving", "addr", ln.Addr().String(), "services", a.cfg.Services, "version", Version)

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	a.log.Info("marquee stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); serr != nil {
		a.log.Warn("http shutdown", "error", serr.Error())
		_ = srv.Close()
	}
	stopWorkers()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close closes the bus and the databases.
func (a *App) Close() {
	if a.bus != nil {
		a.bus.Close()
	}
	for _, u := range a.units {
		_ = u.db.Close()
	}
}

// Migrate only opens (and so migrates) the configured services.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := New(ctx, cfg, log, Offline)
	if err != nil {
		return err
	}
	a.Close()
	return nil
}

// Bus is the process's event bus (nil when offline).
func (a *App) Bus() *events.Bus { return a.bus }

// Routes lists every route this process registered, with its access rule.
func (a *App) Routes() []httpx.RouteInfo {
	var out []httpx.RouteInfo
	for _, u := range a.units {
		if u.router != nil {
			out = append(out, u.router.Routes()...)
		}
	}
	return out
}

// gatewayTransport hands a service's calls of the platform API to this
// process's gateway (built after the services, hence read at call time).
type gatewayTransport struct{ a *App }

func (t gatewayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.a.gateway == nil {
		return nil, errors.New("the gateway is not built yet")
	}
	rec := httptest.NewRecorder() // answers are small JSON documents
	t.a.gateway.ServeHTTP(rec, r)
	return rec.Result(), nil
}
