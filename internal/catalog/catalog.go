// Package catalog is the catalog service: movies, people (actors, directors),
// credits and genres, with admin writes, soft delete and an event for every
// change (written to the transactional outbox in the write's transaction).
//
// Wiring: catalog.Module (a kit.Module) in internal/app/modules.go; its part
// is the HTTP API.
package catalog

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/store"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/cache"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// OpenAPI is the OpenAPI 3.0.3 document of the catalog's HTTP API.
//
//go:embed openapi.json
var OpenAPI []byte

// Migrations is the catalog's schema (tables and the fixed genre list), one
// folder per engine, for sqldb.Migrate(ctx, db, "catalog", catalog.Migrations).
// The event tables (events.Migrations) must be applied to the same database.
var Migrations fs.FS = store.Migrations

// ErrNotFound is matched (errors.Is) by the errors of operations on a movie
// or person that does not exist or is soft-deleted.
var ErrNotFound = store.ErrNotFound

// options tune the service.
type options struct {
	cacheTTL    time.Duration
	importBatch int
	now         func() time.Time
}

// Option tunes the service.
type Option func(*options)

// WithCacheTTL bounds how long GET /api/admin/catalog/movies/{id} may answer from memory,
// and so how stale another replica can be after a write. Default 30s.
func WithCacheTTL(d time.Duration) Option { return func(o *options) { o.cacheTTL = d } }

// WithImportBatch sets how many demo rows ImportDemo writes per transaction. Default 200.
func WithImportBatch(n int) Option { return func(o *options) { o.importBatch = n } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// cacheMaxBytes bounds the catalog's response cache.
const cacheMaxBytes = 64 << 20

// Service is the catalog: its operations and HTTP handlers.
type Service struct {
	db     *sqldb.DB
	store  store.Store
	outbox *events.Outbox
	cache  *cache.Responses
	log    *slog.Logger
	opts   options
}

// New returns the catalog service on db (migrated with Migrations and
// events.Migrations), writing its events to outbox (an outbox of the same
// db). A nil log means slog.Default(). It panics when db or outbox is nil.
func New(db *sqldb.DB, outbox *events.Outbox, log *slog.Logger, opts ...Option) *Service {
	if db == nil || outbox == nil {
		panic("catalog.New: a database and an outbox are required")
	}
	st, err := store.New(db)
	if err != nil {
		panic("catalog.New: " + err.Error()) // sqldb only opens engines the store implements
	}
	o := kit.Options(options{cacheTTL: 30 * time.Second, importBatch: 200, now: time.Now}, opts)
	if o.cacheTTL <= 0 {
		o.cacheTTL = 30 * time.Second
	}
	if o.importBatch <= 0 {
		o.importBatch = 200
	}
	if o.now == nil {
		o.now = time.Now
	}
	log = kit.Logger(log)
	return &Service{db: db, store: st, outbox: outbox, cache: cache.NewResponses(o.cacheTTL, cacheMaxBytes), log: log, opts: o}
}

// Module is the catalog for the composition root (internal/app/modules.go).
var Module = kit.Define("catalog", OpenAPI, Migrations, func(_ context.Context, env kit.Env) (kit.Parts, error) {
	s := New(env.DB, env.Outbox, env.Log)
	return kit.Parts{Service: s, Routes: s.Routes}, nil
})

// now is the current time as the store keeps it.
func (s *Service) now() time.Time { return sqldb.Timestamp(s.opts.now()) }

func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	return id.String(), nil
}

// notFound is the error of a missing movie or person, still matching ErrNotFound.
func notFound(what string, cause error) error {
	if !errors.Is(cause, store.ErrNotFound) {
		return cause
	}
	return apperr.NotFound(what).WithCause(cause)
}

// emit adds one event about a document to the outbox, in tx.
func (s *Service) emit(ctx context.Context, tx *sqldb.Tx, typ, subject string, doc any) error {
	return s.emitAs(ctx, tx, false, typ, subject, doc)
}

// emitAs is emit with the envelope's bulk mark (events.Envelope.Bulk): the
// demo import's events are marked, so they announce nothing to anybody.
func (s *Service) emitAs(ctx context.Context, tx *sqldb.Tx, bulk bool, typ, subject string, doc any) error {
	env, err := events.New(catalogapi.Source, typ, subject, doc)
	if err != nil {
		return err
	}
	env.Bulk = bulk
	return s.outbox.Add(ctx, tx, env)
}

// encodeDoc encodes a document the way httpx.WriteJSON does (with a final newline).
func encodeDoc(v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(body, '\n'), nil
}
