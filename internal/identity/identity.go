// Package identity is the identity service: accounts and their credentials
// (argon2id), access tokens (EdDSA JWTs signed with rotating keys published
// as a JWKS), refresh tokens (opaque, stored hashed, rotated in families),
// roles, and the rate limits that protect login and registration.
//
// Wiring: identity.Module (a kit.Module and kit.Issuer) in
// internal/app/modules.go. Its parts are the routes, the consumer
// identity-follow-counts, Run (key rotation, key reload, purge) and the
// signing keys every process in which it runs checks tokens with.
package identity

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/identity/password"
	"github.com/marquee-dev/marquee/internal/identity/store"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/ratelimit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations creates the identity tables (one folder per engine):
//
//	sqldb.Migrate(ctx, db, "identity", identity.Migrations)
var Migrations fs.FS = store.Migrations

// Module is the identity service for the composition root. It issues the
// access tokens, so it is a kit.Issuer.
var Module kit.Issuer = module{kit.Define("identity", OpenAPI, Migrations, build)}

type module struct{ kit.Module }

// RemoteKeys fetches the keys from the JWKS endpoint of identity at baseURL.
func (module) RemoteKeys(baseURL string) auth.KeySource {
	return auth.NewJWKSKeys(baseURL + identityapi.JWKSPath)
}

func build(_ context.Context, env kit.Env) (kit.Parts, error) {
	cfg := Config{Issuer: env.Config.AuthIssuer, Audience: env.Config.AuthAudience, AccessTTL: kit.AccessTTL}
	if env.Config.RedisURL != "" {
		opt, err := redis.ParseURL(env.Config.RedisURL)
		if err != nil {
			return kit.Parts{}, fmt.Errorf("MARQUEE_REDIS_URL: %w", err)
		}
		cfg.Limiter = ratelimit.NewRedis(redis.NewClient(opt), "marquee:ratelimit:")
	}
	s, err := New(env.DB, env.Outbox, cfg, env.Revocations, env.Log)
	if err != nil {
		return kit.Parts{}, err
	}
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions(),
		Workers: []func(context.Context) error{s.Run}, Keys: s.Keys()}, nil
}

// Config is the identity service's configuration; zero fields take the defaults.
type Config struct {
	Issuer   string // iss of access tokens (required)
	Audience string // aud of access tokens (required)

	AccessTTL  time.Duration // access-token lifetime (default 15 min)
	RefreshTTL time.Duration // refresh-token lifetime, renewed by every rotation (default 30 days)
	KeyMaxAge  time.Duration // a signing key older than this is rotated (default 30 days)
	// MaintainEvery is Run's period: reload the signing keys (other identity
	// processes may have rotated), rotate when due, purge expired refresh
	// tokens (default 1 min).
	MaintainEvery time.Duration

	// Password is the argon2id cost of new hashes (default password.Default).
	// Tests use password.ForTests; never lower it in production.
	Password password.Params
	// HashConcurrency bounds argon2 computations in flight (default 2 × CPUs).
	HashConcurrency int

	// Limiter counts login and registration attempts (default: in-process
	// ratelimit.Memory; a site with several identity processes passes ratelimit.Redis).
	Limiter ratelimit.Limiter
	// Limits are the attempt limits; nil means DefaultLimits, &Limits{} none.
	Limits *Limits

	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Limits of login and registration attempts. Every attempt counts, failed
// or not, and the limit is checked before any password is hashed, so the
// limits also bound the CPU an attacker can make argon2 burn.
type Limits struct {
	LoginPerAccount    ratelimit.Limit // per normalised e-mail address: slows guessing one account's password
	LoginPerAddress    ratelimit.Limit // per client address: slows credential stuffing across accounts
	RegisterPerAccount ratelimit.Limit // per e-mail address: slows probing which addresses are registered
	RegisterPerAddress ratelimit.Limit // per client address: slows mass account creation
}

// DefaultLimits: a person who mistypes gets plenty of tries; a script gets
// one attempt every 90 s per account. Per address the limits are looser,
// because many people can share one address (NAT, offices, mobile carriers).
var DefaultLimits = Limits{
	LoginPerAccount:    ratelimit.Limit{Burst: 10, Period: 15 * time.Minute},
	LoginPerAddress:    ratelimit.Limit{Burst: 60, Period: 10 * time.Minute},
	RegisterPerAccount: ratelimit.Limit{Burst: 5, Period: time.Hour},
	RegisterPerAddress: ratelimit.Limit{Burst: 20, Period: time.Hour},
}

func (c *Config) defaults() error {
	if c.Issuer == "" || c.Audience == "" {
		return errors.New("identity: Config.Issuer and Config.Audience are required")
	}
	if c.AccessTTL <= 0 {
		c.AccessTTL = 15 * time.Minute
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 30 * 24 * time.Hour
	}
	if c.KeyMaxAge <= 0 {
		c.KeyMaxAge = 30 * 24 * time.Hour
	}
	if c.MaintainEvery <= 0 {
		c.MaintainEvery = time.Minute
	}
	if c.Password == (password.Params{}) {
		c.Password = password.Default
	}
	if c.Limiter == nil {
		c.Limiter = ratelimit.NewMemory()
	}
	if c.Limits == nil {
		l := DefaultLimits
		c.Limits = &l
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Service is the identity service.
type Service struct {
	db          *sqldb.DB
	outbox      *events.Outbox
	cfg         Config
	revocations *auth.Revocations
	log         *slog.Logger
	hasher      *password.Hasher
	keys        *keyRing
}

// New opens the identity service on its (migrated) database. It loads the
// signing keys, creating the first one on a fresh database; it does not
// rotate (Run does), so short-lived processes such as `marquee admin create`
// leave the keys of a serving process alone. revocations, when not nil, is
// told about deleted and demoted users so this process's verifier stops
// accepting their access tokens at once.
func New(db *sqldb.DB, outbox *events.Outbox, cfg Config, revocations *auth.Revocations, log *slog.Logger) (*Service, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if outbox == nil {
		outbox = events.NewOutbox(db)
	}
	hasher, err := password.NewHasher(cfg.Password, cfg.HashConcurrency)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	s := &Service{db: db, outbox: outbox, cfg: cfg, revocations: revocations, log: log, hasher: hasher}
	s.keys = &keyRing{db: db, accessTTL: cfg.AccessTTL, maxAge: cfg.KeyMaxAge, reloadEvery: cfg.MaintainEvery, now: s.now}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.keys.load(ctx); err != nil {
		return nil, fmt.Errorf("identity: load signing keys: %w", err)
	}
	return s, nil
}

// now is the service clock: UTC, microseconds (what both engines store).
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Keys is the in-process key source for this process's auth.Verifier: the
// identity service's own keys, no HTTP involved. Processes without the
// identity service use auth.NewJWKSKeys(identityURL + "/.well-known/jwks.json").
func (s *Service) Keys() auth.KeySource { return s.keys }

// JWKS is the published key set (what GET /.well-known/jwks.json answers).
func (s *Service) JWKS() auth.JWKSet { return s.keys.JWKS() }

// RotateSigningKey makes a new key sign from now on; the previous keys keep
// verifying until their tokens have expired. It returns the new key id.
func (s *Service) RotateSigningKey(ctx context.Context) (string, error) {
	kid, err := s.keys.rotate(ctx)
	if err == nil {
		s.log.Info("signing key rotated", "kid", kid)
	}
	return kid, err
}

// Run does the periodic work until ctx ends: right away and then every
// Config.MaintainEvery it reloads the signing keys, rotates the signing key
// once it is older than Config.KeyMaxAge, and purges expired refresh tokens.
// Failures are logged and retried at the next tick.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.MaintainEvery)
	defer t.Stop()
	for {
		s.maintain(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Service) maintain(ctx context.Context) {
	rotated, err := s.keys.maintain(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Error("signing key maintenance failed", "error", err.Error())
	case rotated:
		kid, _, _ := s.keys.signer()
		s.log.Info("signing key rotated (max age reached)", "kid", kid, "max_age", s.cfg.KeyMaxAge.String())
	}
	n, err := store.New(s.db).PurgeRefreshTokens(ctx, s.now())
	if err != nil && ctx.Err() == nil {
		s.log.Error("purging expired refresh tokens failed", "error", err.Error())
	} else if n > 0 {
		s.log.Debug("expired refresh tokens purged", "count", n)
	}
}
