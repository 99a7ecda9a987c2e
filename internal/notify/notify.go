// Package notify is the notify service: in-app notifications and e-mail
// about new movies, payments, subscriptions and followers, and each user's
// notification settings. It keeps its own copy of what it needs (users'
// e-mail addresses, names and settings) from other services' events and
// never calls them back. It emits no events.
//
// Wiring: notify.Module (a kit.Module) in internal/app/modules.go.
package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/marquee-dev/marquee/internal/notify/store"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// OpenAPI is the OpenAPI 3.0.3 document of the notify HTTP API. Its shared
// components are identical to the other services', as the gateway's merge
// requires.
//
//go:embed openapi.json
var OpenAPI []byte

// Migrations is the notify schema, one folder per engine
// (kit.Migrate(ctx, db, notify.Module) applies it with the event tables).
var Migrations fs.FS = store.Migrations

// Config is what the composition root tells the service. Zero values take
// the defaults noted.
type Config struct {
	// SMTPURL is smtp://user:pass@host:port (STARTTLS when the server offers
	// it); empty writes each mail as an .eml file under MailDir instead.
	SMTPURL string
	// SMTPTLS is the TLS configuration for STARTTLS (nil: the system's
	// roots, the URL's host as server name), e.g. for a private CA.
	SMTPTLS *tls.Config
	// MailDir is where the embedded default writes .eml files (and where
	// GET /api/admin/mail lists them).
	MailDir string
	// MailFrom is the From of every mail (default "Marquee <marquee@localhost>").
	MailFrom string
	// PublicURL is the site's address, for links in mails (default http://localhost:8080).
	PublicURL string
	// UnsubscribeSecret signs unsubscribe links; empty: generated once and
	// kept in the notify database, so every notify process shares it.
	UnsubscribeSecret string
	// SMTPRate is how many mails a second one process sends at most (default 200; <0 no limit).
	SMTPRate float64

	// FanoutBatch is how many users one fan-out transaction covers (default 500).
	FanoutBatch int
	// FanoutPause is the rest between two fan-out batches, leaving the CPU to
	// the rest of the process (default 10ms; <0 none).
	FanoutPause time.Duration
	// MailBatch is how many mails the sender claims at a time (default 50).
	MailBatch int
	// MailLease is how long a claimed mail is held before another sender may
	// take it (a crashed sender's mails; default 2m).
	MailLease time.Duration
	// MaxAttempts is how often a mail is tried before it is given up (default 8).
	MaxAttempts int
	// RetryBase is the delay after the first failed attempt; it doubles up
	// to RetryMax (defaults 5s and 30m).
	RetryBase, RetryMax time.Duration
	// Poll is how often the workers look for work written by other
	// processes (default 500ms; this process's writes wake them at once).
	Poll time.Duration
}

func (c *Config) defaults() error {
	if c.MailFrom == "" {
		c.MailFrom = "Marquee <marquee@localhost>"
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return fmt.Errorf("notify: mail from %q: %w", c.MailFrom, err)
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://localhost:8080"
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("notify: public URL %q: want http(s)://host", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.SMTPURL == "" && c.MailDir == "" {
		return errors.New("notify: either an SMTP URL or a mail directory is required")
	}
	if c.SMTPRate == 0 {
		c.SMTPRate = 200
	}
	if c.FanoutBatch <= 0 {
		c.FanoutBatch = 500
	}
	if c.FanoutPause == 0 {
		c.FanoutPause = 10 * time.Millisecond
	}
	if c.MailBatch <= 0 {
		c.MailBatch = 50
	}
	if c.MailLease <= 0 {
		c.MailLease = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 5 * time.Second
	}
	if c.RetryMax < c.RetryBase {
		c.RetryMax = max(30*time.Minute, c.RetryBase)
	}
	if c.Poll <= 0 {
		c.Poll = 500 * time.Millisecond
	}
	return nil
}

type options struct {
	now        func() time.Time
	fanoutHook func(ctx context.Context, batch int)
}

// Option tunes the service.
type Option func(*options)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithFanoutHook runs fn inside every fan-out batch's transaction, after its
// rows are written and before the commit (tests simulate a crash there).
func WithFanoutHook(fn func(ctx context.Context, batch int)) Option {
	return func(o *options) { o.fanoutHook = fn }
}

// Service is the notify service.
type Service struct {
	db     *sqldb.DB
	store  store.Store
	log    *slog.Logger
	cfg    Config
	opts   options
	mailer Mailer
	files  *FileMailer // the embedded default, nil with SMTP
	tokens unsubscribeTokens
	limit  *rate.Limiter

	// wake the workers when this process records work
	fanoutWake chan struct{}
	mailWake   chan struct{}
	batches    sync.Mutex // counts fan-out batches for the hook
	batchNo    int
}

// Module is the notify service for the composition root
// (internal/app/modules.go): mail over SMTP when MARQUEE_SMTP_URL is set,
// else .eml files under <data dir>/mail; its parts are the routes, the
// consumers notify-users, notify-movies, notify-follows, notify-billing,
// and the background work (fan-outs, reminders, the mail queue).
var Module = kit.Define("notify", OpenAPI, Migrations, func(ctx context.Context, env kit.Env) (kit.Parts, error) {
	c := env.Config
	rate := c.SMTPRate
	if rate == 0 {
		rate = -1 // MARQUEE_SMTP_RATE=0: no limit
	}
	publicURL := c.PublicURL
	if publicURL == "" { // links in mails must be absolute: this machine, on the port HTTP listens on
		_, port, _ := net.SplitHostPort(c.HTTPAddr)
		if port == "" {
			port = "8080"
		}
		publicURL = "http://localhost:" + port
	}
	s, err := New(ctx, env.DB, Config{SMTPURL: c.SMTPURL, MailDir: filepath.Join(c.DataDir, "mail"), MailFrom: c.MailFrom,
		PublicURL: publicURL, UnsubscribeSecret: c.UnsubscribeSecret, SMTPRate: rate}, env.Log)
	if err != nil {
		return kit.Parts{}, err
	}
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions(), Workers: []func(context.Context) error{s.Run}}, nil
})

// unsubscribeSecretName is the secrets row of the generated signing key.
const unsubscribeSecretName = "unsubscribe"

// New returns the notify service on db (migrated with Migrations and
// events.Migrations). A nil log means slog.Default().
func New(ctx context.Context, db *sqldb.DB, cfg Config, log *slog.Logger, opts ...Option) (*Service, error) {
	if db == nil {
		return nil, errors.New("notify.New: a database is required")
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	st, err := store.New(db)
	if err != nil {
		return nil, err
	}
	o := kit.Options(options{now: time.Now}, opts)
	log = kit.Logger(log)
	s := &Service{db: db, store: st, log: log, cfg: cfg, opts: o,
		fanoutWake: make(chan struct{}, 1), mailWake: make(chan struct{}, 1)}
	if cfg.SMTPURL != "" {
		if s.mailer, err = NewSMTPMailer(cfg.SMTPURL, cfg.SMTPTLS); err != nil {
			return nil, err
		}
	} else {
		s.files = NewFileMailer(cfg.MailDir)
		s.mailer = s.files
	}
	secret := cfg.UnsubscribeSecret
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if secret, err = st.Secret(ctx, db, unsubscribeSecretName, hex.EncodeToString(b)); err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
	}
	s.tokens = unsubscribeTokens{key: []byte(secret)}
	s.limit = rate.NewLimiter(rate.Inf, 1)
	if cfg.SMTPRate > 0 {
		s.limit = rate.NewLimiter(rate.Limit(cfg.SMTPRate), max(1, int(cfg.SMTPRate/10)))
	}
	return s, nil
}

// now is the current time as the store keeps it.
func (s *Service) now() time.Time { return sqldb.Timestamp(s.opts.now()) }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Run runs the background work until ctx ends: the fan-outs and reminders,
// and the mail sender, each on its own so a slow mail server never holds
// up notifications.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { s.loop(ctx, s.fanoutWake, s.fanoutRound) })
	wg.Go(func() { s.loop(ctx, s.mailWake, s.mailRound) })
	wg.Wait()
	return nil
}

// loop runs round until ctx ends; after a round with nothing to do it waits
// for a wake-up or the poll interval.
func (s *Service) loop(ctx context.Context, wake chan struct{}, round func(ctx context.Context) (busy bool, err error)) {
	failures := 0
	for ctx.Err() == nil {
		busy, err := round(ctx)
		wait := s.cfg.Poll
		switch {
		case err != nil && ctx.Err() == nil:
			failures++
			wait = min(s.cfg.Poll*time.Duration(1<<min(failures, 6)), time.Minute)
			s.log.Warn("notify background work failed", "error", err.Error(), "retry_in", wait.String())
		case busy:
			failures = 0
			continue
		default:
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}
