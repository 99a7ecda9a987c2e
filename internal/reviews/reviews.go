// Package reviews is the reviews service: user reviews and ratings of movies
// (1–10, one per user per movie) and the rating summary of every movie, kept
// in the same transaction as each review write. Every change emits its event
// (reviews.review.*, reviews.movie.rating_changed) through the transactional
// outbox. It learns which movies exist from the catalog's events and the
// authors' display names from identity's, into its own tables, and joins the
// names at read time, so a rename shows on every review at once.
//
// Wiring: reviews.Module (a kit.Module) in internal/app/modules.go; its parts
// are the routes and the consumers reviews-movies, reviews-authors.
package reviews

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/reviews/store"
)

// OpenAPI is the OpenAPI 3.0.3 document of the reviews HTTP API. Its shared
// components (Problem, FieldError, the Limit/Cursor/MovieID/UserID parameters
// and securitySchemes.bearerAuth) are identical to the catalog's and
// identity's, as the gateway's merge requires.
//
//go:embed openapi.json
var OpenAPI []byte

// Migrations is the reviews schema, one folder per engine, for
// sqldb.Migrate(ctx, db, "reviews", reviews.Migrations). The event tables
// (events.Migrations) must be applied to the same database.
var Migrations fs.FS = store.Migrations

// ErrNotFound is matched (errors.Is) by the errors of operations on a review
// or movie that does not exist (or is hidden).
var ErrNotFound = store.ErrNotFound

type options struct {
	importBatch int
	now         func() time.Time
}

// Option tunes the service.
type Option func(*options)

// WithImportBatch sets how many reviews ImportSynthetic writes per
// transaction. Default 2000.
func WithImportBatch(n int) Option { return func(o *options) { o.importBatch = n } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Service is the reviews service: its operations, HTTP handlers and event handlers.
type Service struct {
	db     *sqldb.DB
	store  store.Store
	outbox *events.Outbox
	log    *slog.Logger
	opts   options
}

// New returns the reviews service on db (migrated with Migrations and
// events.Migrations), writing its events to outbox (an outbox of the same
// db). A nil log means slog.Default(). It panics when db or outbox is nil.
func New(db *sqldb.DB, outbox *events.Outbox, log *slog.Logger, opts ...Option) *Service {
	if db == nil || outbox == nil {
		panic("reviews.New: a database and an outbox are required")
	}
	st, err := store.New(db)
	if err != nil {
		panic("reviews.New: " + err.Error()) // sqldb only opens engines the store implements
	}
	o := kit.Options(options{importBatch: 2000, now: time.Now}, opts)
	if o.importBatch <= 0 {
		o.importBatch = 2000
	}
	if o.now == nil {
		o.now = time.Now
	}
	log = kit.Logger(log)
	return &Service{db: db, store: st, outbox: outbox, log: log, opts: o}
}

// Module is the reviews service for the composition root (internal/app/modules.go).
var Module = kit.Define("reviews", OpenAPI, Migrations, func(_ context.Context, env kit.Env) (kit.Parts, error) {
	s := New(env.DB, env.Outbox, env.Log)
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions()}, nil
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

// notFound is the error of a missing review or movie: a 404 for the HTTP
// layer that still matches ErrNotFound.
func notFound(what string, cause error) error {
	if !errors.Is(cause, store.ErrNotFound) {
		return cause
	}
	return apperr.NotFound(what).WithCause(cause)
}

// ratingEvent is the reviews.movie.rating_changed event of a summary.
func ratingEvent(r store.Rating) (events.Envelope, error) {
	return events.New(reviewsapi.Source, reviewsapi.MovieRatingChanged, r.MovieID, r.Event())
}
