// Package browse is the query side (CQRS) of the platform: it consumes the
// catalog's movie and person events and the reviews service's rating
// summaries into its own read model, and serves the public reads: movie
// lists with filters and sorts, movie documents with their rating summary,
// the top-rated list (Bayesian weighted rating), actors and people with
// filmographies, genres with counts, and search.
//
// Wiring: browse.Module (a kit.Module) in internal/app/modules.go. Its parts
// are the routes, the consumers browse-catalog and browse-ratings, and Run,
// which keeps the weighted ratings in step with the mean rating.
// browse.Rebuild(ctx, db, bus, log) is `marquee rebuild browse`.
package browse

import (
	"context"
	_ "embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/marquee-dev/marquee/internal/browse/store"
	"github.com/marquee-dev/marquee/internal/platform/cache"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// OpenAPI is the OpenAPI 3.0.3 document of the browse service's HTTP API.
// Its shared components (Problem, FieldError, Genre, CastCredit, CrewCredit,
// FilmographyEntry, the Limit/Cursor/Order/IncludeDeleted/MovieID/PersonID
// parameters and securitySchemes.bearerAuth) are identical to the
// catalog's, as the gateway's merge requires; its own schemas are named
// Browse*.
//
//go:embed openapi.json
var OpenAPI []byte

// Migrations is the read model's schema, one folder per engine, for
// sqldb.Migrate(ctx, db, "browse", browse.Migrations), applied after
// events.Migrations (the inbox) to the same database.
var Migrations fs.FS = store.Migrations

// ErrNotFound is matched (errors.Is) by the errors of reads of a movie or
// person that is not in the read model (or is soft-deleted).
var ErrNotFound = store.ErrNotFound

// Config tunes the service. Zero values take the defaults noted.
type Config struct {
	// TopRatedMinVotes is m of the weighted rating: how many ratings weigh
	// as much as the mean of all ratings (default 25). Every process
	// serving the same read model must use the same value; a change is
	// applied to every movie by the first rating or movie event after it
	// (or RefreshTopRated).
	TopRatedMinVotes int
	// CacheTTL bounds how long GET /api/movies/{id} and the pages of
	// GET /api/movies/top-rated may answer from memory, and so how stale
	// another replica can be after an event it did not apply itself
	// (default 10s). Events applied in this process drop the entries they
	// touch at commit.
	CacheTTL time.Duration
	// CacheMaxBytes bounds the memory of that cache (default 64 MiB).
	CacheMaxBytes uint64
	// SearchCandidates is how many text matches search ranks at most; a
	// query matching more ranks its most popular ones (default 300).
	SearchCandidates int
}

const (
	defaultMinVotes   = 25
	defaultCacheTTL   = 10 * time.Second
	defaultCacheBytes = 64 << 20
	defaultCandidates = 300
)

func (c Config) withDefaults() Config {
	if c.TopRatedMinVotes <= 0 {
		c.TopRatedMinVotes = defaultMinVotes
	}
	if c.CacheTTL <= 0 {
		c.CacheTTL = defaultCacheTTL
	}
	if c.CacheMaxBytes == 0 {
		c.CacheMaxBytes = defaultCacheBytes
	}
	if c.SearchCandidates <= 0 {
		c.SearchCandidates = defaultCandidates
	}
	return c
}

// Service is the browse read model: event handlers, reads and HTTP handlers.
type Service struct {
	db    *sqldb.DB
	store store.Store
	cache *cache.Responses // GET /api/movies/{id}
	top   *cache.Responses // pages of GET /api/movies/top-rated
	log   *slog.Logger
	cfg   Config
	// reweigh wakes Run to recompute every weighted rating
	reweigh chan struct{}
}

// New returns the browse service on db (migrated with events.Migrations and
// Migrations). A nil log means slog.Default(). It panics when db is nil.
func New(db *sqldb.DB, log *slog.Logger, cfg Config) *Service {
	if db == nil {
		panic("browse.New: a database is required")
	}
	st, err := store.New(db)
	if err != nil {
		panic("browse.New: " + err.Error()) // sqldb only opens engines the store implements
	}
	log = kit.Logger(log)
	cfg = cfg.withDefaults()
	return &Service{db: db, store: st, cache: cache.NewResponses(cfg.CacheTTL, cfg.CacheMaxBytes),
		top: cache.NewResponses(cfg.CacheTTL, 8<<20), log: log, cfg: cfg, reweigh: make(chan struct{}, 1)}
}

// FuzzySearch reports whether search tolerates typos on this database
// (PostgreSQL with the pg_trgm extension); elsewhere it matches word prefixes only.
func (s *Service) FuzzySearch(ctx context.Context) bool { return s.store.FuzzySearch(ctx, s.db) }

// Config is the configuration in effect (defaults filled in).
func (s *Service) Config() Config { return s.cfg }

// Module is the browse service for the composition root (internal/app/modules.go).
var Module = kit.Define("browse", OpenAPI, Migrations, func(_ context.Context, env kit.Env) (kit.Parts, error) {
	s := New(env.DB, env.Log, Config{TopRatedMinVotes: env.Config.TopRatedMinVotes})
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions(), Workers: []func(context.Context) error{s.Run}}, nil
})
