// Package billing is the billing service: plans and which movies each plan
// offers, orders paid through a payment provider (the built-in sandbox or
// Stripe), the order saga (paid → subscription activated → completed, or
// refunded when activation is impossible; declined or expired → cancelled),
// subscriptions with renewals, and entitlements (who may watch what).
//
// Every change and its events (billing.plan.*, billing.movie.plans_changed,
// billing.order.*, billing.payment.*, billing.subscription.*) commit in one
// transaction through the outbox. The saga's steps, renewals and the
// sandbox's expiries and webhook deliveries are durable jobs in billing's own
// database, scheduled in the transaction of the change that needs them.
//
// Wiring: billing.Module (a kit.Module) in internal/app/modules.go; its
// parts are the routes (the sandbox's pages included), the consumer
// billing-movies and the job runner (Run) as a worker.
package billing

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// OpenAPI is the OpenAPI 3.0.3 document of the billing HTTP API (the
// sandbox's checkout pages included). Its shared components are identical to
// the other services'.
//
//go:embed openapi.json
var OpenAPI []byte

// Migrations is the billing schema, one folder per engine.
var Migrations fs.FS = store.Migrations

// Module is the billing service for the composition root (internal/app/modules.go).
var Module = kit.Define("billing", OpenAPI, Migrations, func(ctx context.Context, env kit.Env) (kit.Parts, error) {
	c := env.Config
	s, err := New(ctx, env.DB, env.Outbox, env.Log, Config{
		PublicURL:            c.PublicURL,
		SandboxWebhookSecret: c.SandboxWebhookSecret,
		SandboxWebhookURL:    c.SandboxWebhookURL,
		SandboxDuplicateRate: DefaultSandboxDuplicateRate,
		SandboxReorderRate:   DefaultSandboxReorderRate,
		Stripe:               StripeConfig{SecretKey: c.StripeSecretKey, WebhookSecret: c.StripeWebhookSecret, APIBase: c.StripeAPIBase},
	})
	if err != nil {
		return kit.Parts{}, err
	}
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions(), Workers: []func(context.Context) error{s.Run}}, nil
})

// Config is what the composition root tells billing.
type Config struct {
	// PublicURL is where browsers reach the platform (e.g. http://localhost:8080):
	// the base of checkout URLs and of Stripe's return URLs. Empty: checkout
	// URLs are paths (/sandbox/checkout/...).
	PublicURL string
	// SandboxWebhookSecret signs the sandbox's webhooks
	// (MARQUEE_SANDBOX_WEBHOOK_SECRET). Empty: one is generated on first start
	// and kept in billing's database.
	SandboxWebhookSecret string
	// SandboxWebhookURL, if set, is where the sandbox POSTs its webhooks
	// (MARQUEE_SANDBOX_WEBHOOK_URL); empty delivers them to this service's
	// own HTTP handler in process (through the same route and checks).
	SandboxWebhookURL string
	// SandboxDuplicateRate and SandboxReorderRate are the share (0–1) of
	// webhooks the sandbox delivers twice, and delays by up to
	// SandboxMaxDelay so they may overtake later ones.
	SandboxDuplicateRate float64
	SandboxReorderRate   float64
	SandboxMaxDelay      time.Duration
	// Stripe, when SecretKey is set, takes new orders instead of the sandbox.
	Stripe StripeConfig
}

// DefaultSandboxChaos are the sandbox's default imperfections: like a real
// provider, it sometimes delivers a webhook twice or late.
const (
	DefaultSandboxDuplicateRate = 0.1
	DefaultSandboxReorderRate   = 0.1
	DefaultSandboxMaxDelay      = 2 * time.Second
)

type options struct {
	now   func() time.Time
	fault func(point string) error
	seed  uint64
}

// Option tunes the service (tests).
type Option func(*options)

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithFault calls fault at every step boundary of the saga, the webhook
// handler and the job runner ("job.claimed:saga.refund", ...). An error
// returned there stops the step as a crash of the process would: nothing
// after it happens, the transaction in progress rolls back, and a claimed
// job waits for its lease to end. Tests use ErrCrash.
func WithFault(fault func(point string) error) Option { return func(o *options) { o.fault = fault } }

// WithSeed makes the sandbox's duplicates and delays reproducible.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// ErrCrash is the error a fault returns to simulate a crash.
var ErrCrash = errors.New("injected crash")

// Service is the billing service.
type Service struct {
	db     *sqldb.DB
	store  store.Store
	outbox *events.Outbox
	log    *slog.Logger
	cfg    Config
	opts   options

	providers map[string]Provider
	checkout  Provider // takes new orders
	sandbox   *Sandbox

	handler http.Handler // this service's routes, the sandbox's in-process webhook target
	wakeCh  chan struct{}

	rndMu sync.Mutex
	rnd   *mrand.Rand
}

// New returns the billing service on db (migrated with Migrate), writing its
// events to outbox. It creates the default plans on first start and keeps
// the sandbox's webhook secret.
func New(ctx context.Context, db *sqldb.DB, outbox *events.Outbox, log *slog.Logger, cfg Config, opts ...Option) (*Service, error) {
	if db == nil || outbox == nil {
		return nil, errors.New("billing.New: a database and an outbox are required")
	}
	st, err := store.New(db)
	if err != nil {
		return nil, err
	}
	o := kit.Options(options{now: time.Now}, opts)
	if o.now == nil {
		o.now = time.Now
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	log = kit.Logger(log)
	if cfg.SandboxMaxDelay <= 0 {
		cfg.SandboxMaxDelay = DefaultSandboxMaxDelay
	}
	s := &Service{db: db, store: st, outbox: outbox, log: log, cfg: cfg, opts: o,
		wakeCh: make(chan struct{}, 1), rnd: mrand.New(mrand.NewPCG(o.seed, o.seed^0x9e3779b97f4a7c15))}
	if s.cfg.SandboxWebhookSecret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		// generated once, then the stored one wins
		if s.cfg.SandboxWebhookSecret, err = st.EnsureSetting(ctx, db, "sandbox_webhook_secret", "whsec_"+hex.EncodeToString(b)); err != nil {
			return nil, fmt.Errorf("billing: %w", err)
		}
	}
	s.sandbox = &Sandbox{s: s}
	s.providers = map[string]Provider{SandboxProvider: s.sandbox}
	s.checkout = s.sandbox
	if cfg.Stripe.SecretKey != "" {
		sp := newStripe(cfg.Stripe, cfg.PublicURL)
		s.providers[StripeProvider] = sp
		s.checkout = sp
	}
	if err := s.ensureDefaultPlans(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// SandboxWebhookSecret is the secret the sandbox signs its webhooks with.
func (s *Service) SandboxWebhookSecret() string { return s.cfg.SandboxWebhookSecret }

// Sandbox is the built-in provider (tests drive its checkout directly).
func (s *Service) Sandbox() *Sandbox { return s.sandbox }

// inWriteTx runs fn in a write transaction (on SQLite, sqldb queues this
// process's writers for the one write slot).
func (s *Service) inWriteTx(ctx context.Context, fn func(tx *sqldb.Tx) error) error {
	return s.db.InTx(ctx, fn)
}

// now is the current time as the store keeps it.
func (s *Service) now() time.Time { return sqldb.Timestamp(s.opts.now()) }

// fault is a step boundary where tests may inject a crash.
func (s *Service) fault(point string) error {
	if s.opts.fault == nil {
		return nil
	}
	return s.opts.fault(point)
}

func (s *Service) chance(p float64) (bool, time.Duration) {
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	hit := s.rnd.Float64() < p
	return hit, time.Duration(s.rnd.Int64N(int64(s.cfg.SandboxMaxDelay) + 1))
}

// addEvents writes events to the outbox in tx.
func (s *Service) addEvents(ctx context.Context, tx *sqldb.Tx, evs ...eventSpec) error {
	envs := make([]events.Envelope, 0, len(evs))
	for _, e := range evs {
		env, err := events.New(source, e.typ, e.subject, e.data)
		if err != nil {
			return err
		}
		envs = append(envs, env)
	}
	return s.outbox.Add(ctx, tx, envs...)
}

type eventSpec struct {
	typ, subject string
	data         any
}

const source = "billing"
