// Package social is the social service: users following users, each user's
// follow counts, and the feed of reviews by the people one follows. Every
// follow change emits social.follow.created or social.follow.deleted (with
// both users' absolute counts) through the transactional outbox, in the
// change's transaction. It keeps its own copies of what it shows from other
// services: users (identity.user.*), reviews (reviews.review.*) and movie
// titles (catalog.movie.*), joined at read time so renames show at once.
//
// Wiring: social.Module (a kit.Module) in internal/app/modules.go; its parts
// are the routes and the consumers social-users, social-reviews,
// social-movies, social-ratings.
package social

import (
	"context"
	_ "embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/store"
)

// OpenAPI is the OpenAPI 3.0.3 document of the social HTTP API. Its shared
// components (Problem, FieldError, the Limit/Cursor/UserID parameters and
// securitySchemes.bearerAuth) are identical to the catalog's and identity's,
// as the gateway's merge requires.
//
//go:embed openapi.json
var OpenAPI []byte

// Migrations is the social schema, one folder per engine, for
// sqldb.Migrate(ctx, db, "social", social.Migrations). The event tables
// (events.Migrations) must be applied to the same database.
var Migrations fs.FS = store.Migrations

// ErrNotFound is matched (errors.Is) by the errors of operations on a user
// that does not exist (or is deleted).
var ErrNotFound = store.ErrNotFound

type options struct {
	now func() time.Time
}

// Option tunes the service.
type Option func(*options)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Service is the social service: its operations, HTTP handlers and event handlers.
type Service struct {
	db     *sqldb.DB
	store  store.Store
	outbox *events.Outbox
	log    *slog.Logger
	opts   options
}

// New returns the social service on db (migrated with Migrations and
// events.Migrations), writing its events to outbox (an outbox of the same
// db). A nil log means slog.Default(). It panics when db or outbox is nil.
func New(db *sqldb.DB, outbox *events.Outbox, log *slog.Logger, opts ...Option) *Service {
	if db == nil || outbox == nil {
		panic("social.New: a database and an outbox are required")
	}
	st, err := store.New(db)
	if err != nil {
		panic("social.New: " + err.Error())
	}
	o := kit.Options(options{now: time.Now}, opts)
	if o.now == nil {
		o.now = time.Now
	}
	log = kit.Logger(log)
	return &Service{db: db, store: st, outbox: outbox, log: log, opts: o}
}

// Module is the social service for the composition root (internal/app/modules.go).
var Module = kit.Define("social", OpenAPI, Migrations, func(_ context.Context, env kit.Env) (kit.Parts, error) {
	s := New(env.DB, env.Outbox, env.Log)
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions()}, nil
})

// now is the current time as the store keeps it.
func (s *Service) now() time.Time { return sqldb.Timestamp(s.opts.now()) }
