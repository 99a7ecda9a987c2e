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
	"slices"
	"sync"
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
	// writeGate, queueMu and queue group this process's write transactions on
	// SQLite (group commit, see inWriteTx).
	writeGate chan struct{}
	queueMu   sync.Mutex
	queue     []*queuedWrite
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
	o := options{importBatch: 2000, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.importBatch <= 0 {
		o.importBatch = 2000
	}
	if o.now == nil {
		o.now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, store: st, outbox: outbox, log: log, opts: o, writeGate: make(chan struct{}, 1)}
}

// Module is the reviews service for the composition root (internal/app/modules.go).
var Module = kit.Define("reviews", OpenAPI, Migrations, func(_ context.Context, env kit.Env) (kit.Parts, error) {
	s := New(env.DB, env.Outbox, env.Log)
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions()}, nil
})

// inWriteTx runs fn in a write transaction and returns its error.
//
// On PostgreSQL every call is its own transaction (row locks order
// concurrent writers where they meet).
//
// SQLite has one writer at a time, and a transaction that finds the write
// lock taken waits in SQLite's busy handler, which sleeps in growing steps (1,
// 2, 5, 10 ms, ...) rather than waking when the lock is free. So this
// process's writers queue here instead, and commit in groups (group commit):
// whoever takes the write gate runs every write queued so far in one
// transaction, each in its own SAVEPOINT — a write that fails is rolled back
// alone and gets its own error — and commits once for all of them. Under
// concurrent load this spreads the commit (and the pages every write
// touches, such as the outbox's) over the group: about a third more reviews
// per second with 8 clients. A write learns its outcome after the commit.
//
// fn runs with ctx's values but not its cancellation (on SQLite an
// interrupted statement would roll the whole group back): a caller that gives
// up before its write joined a group withdraws it; after that, the write may
// still commit.
func (s *Service) inWriteTx(ctx context.Context, fn func(ctx context.Context, tx *sqldb.Tx) error) error {
	if s.db.Engine() != sqldb.SQLite {
		return s.db.InTx(ctx, func(tx *sqldb.Tx) error { return fn(ctx, tx) })
	}
	w := &queuedWrite{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan error, 1)}
	s.queueMu.Lock()
	s.queue = append(s.queue, w)
	s.queueMu.Unlock()
	select {
	case err := <-w.done: // another writer's group took it
		return err
	case s.writeGate <- struct{}{}:
		s.queueMu.Lock()
		group := s.queue
		s.queue = nil
		s.queueMu.Unlock()
		s.commitGroup(group)
		<-s.writeGate
		return <-w.done // in this group, or (already) in an earlier one
	case <-ctx.Done():
		s.queueMu.Lock()
		i := slices.Index(s.queue, w)
		if i >= 0 { // no group has taken it yet: withdraw it
			s.queue = slices.Delete(s.queue, i, i+1)
		}
		s.queueMu.Unlock()
		if i >= 0 {
			return ctx.Err()
		}
		return <-w.done // a group has it: its outcome is the answer
	}
}

// queuedWrite is a write waiting for its group (SQLite).
type queuedWrite struct {
	ctx  context.Context // the caller's, without cancellation
	fn   func(ctx context.Context, tx *sqldb.Tx) error
	done chan error // receives the outcome once the group committed or failed
}

// commitGroup runs a group of writes in one transaction, each in a savepoint,
// and tells each its outcome.
func (s *Service) commitGroup(group []*queuedWrite) {
	if len(group) == 0 {
		return
	}
	ctx := group[0].ctx
	errs := make([]error, len(group))
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		for i, w := range group {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT write`); err != nil {
				return fmt.Errorf("group commit: %w", err)
			}
			if errs[i] = runWrite(w.ctx, tx, w.fn); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO write`); err != nil {
					return fmt.Errorf("group commit: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE write`); err != nil {
				return fmt.Errorf("group commit: %w", err)
			}
		}
		return nil
	})
	for i, w := range group {
		if err != nil {
			w.done <- err // nothing of the group committed
		} else {
			w.done <- errs[i]
		}
	}
}

// runWrite calls fn, turning a panic into an error so that one write cannot
// leave the rest of its group waiting for ever.
func runWrite(ctx context.Context, tx *sqldb.Tx, fn func(ctx context.Context, tx *sqldb.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(ctx, tx)
}

// now is the current time as the store keeps it.
func (s *Service) now() time.Time { return store.Timestamp(s.opts.now()) }

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
