// Package store keeps the reviews service's data in SQL: reviews, the rating
// summary per movie, and the movies and authors it learns from the catalog's
// and identity's events. Store is the interface; New returns the
// implementation for the database's engine (SQLite or PostgreSQL). Both share
// the SQL they agree on (written with `?` placeholders, rebound by sqldb);
// what differs is explicit in sqlite.go and postgres.go: timestamp columns
// (fixed-width UTC text versus TIMESTAMPTZ) and row locks (SQLite's immediate
// transactions hold the write lock already; PostgreSQL takes FOR UPDATE / FOR
// SHARE).
//
// The store owns its transactions (InTx, group-committed on SQLite): a
// write, the rating summary and the outbox events run in one. Reads take the
// sqldb.Querier to run on (the database or the transaction); methods that
// lock rows take the *sqldb.Tx, so no lock is taken outside a transaction.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// Migrations holds the reviews schema, one folder per engine:
//
//	sqldb.Migrate(ctx, db, "reviews", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// ErrNotFound is returned when a review, movie or author does not exist.
var ErrNotFound = sqldb.ErrNotFound

// ErrDuplicate is returned by InsertReview when the author already reviewed
// the movie (or the id is taken).
var ErrDuplicate = errors.New("review already exists")

// Movie is what the service knows of a catalog movie.
type Movie struct {
	ID      string
	Title   string
	Deleted bool
	Version int64 // the catalog's version; 0 for a placeholder
}

// Author is what the service knows of a user.
type Author struct {
	ID          string
	DisplayName string
	Deleted     bool
	Version     int64 // identity's version; 0 for a placeholder
}

// Review is a stored review with its movie's and author's current state.
type Review struct {
	ID        string
	MovieID   string
	AuthorID  string
	Rating    int
	Body      string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time

	// joined at read time (ignored by the inserts)
	MovieTitle    string
	MovieDeleted  bool
	AuthorName    string
	AuthorDeleted bool
}

// Visible reports whether the review is shown: its movie and author are not deleted.
func (r Review) Visible() bool { return !r.MovieDeleted && !r.AuthorDeleted }

// API is the review as the HTTP API shows it.
func (r Review) API() reviewsapi.Review {
	return reviewsapi.Review{
		ID: r.ID, MovieID: r.MovieID, MovieTitle: r.MovieTitle,
		Author: reviewsapi.Author{ID: r.AuthorID, DisplayName: r.AuthorName},
		Rating: r.Rating, Body: r.Body, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// Event is the review as its events carry it; deletedAt is set for reviews.review.deleted.
func (r Review) Event(deletedAt *time.Time) reviewsapi.ReviewEvent {
	return reviewsapi.ReviewEvent{
		ID: r.ID, MovieID: r.MovieID, MovieTitle: r.MovieTitle, AuthorID: r.AuthorID, AuthorDisplayName: r.AuthorName,
		Rating: r.Rating, Body: r.Body, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DeletedAt: deletedAt,
	}
}

// Position is a keyset position in a newest-first list: the last review shown.
type Position = sqldb.Position

// RatingDelta is a change of a movie's rating summary: per-star count
// changes (Counts[0] for 1 star … Counts[9] for 10) and the change of the sum.
type RatingDelta struct {
	Counts [reviewsapi.MaxRating]int
	Sum    int64
}

// Add records n ratings of value rating (n < 0 removes them).
func (d *RatingDelta) Add(rating, n int) {
	d.Counts[rating-1] += n
	d.Sum += int64(rating * n)
}

// Zero reports whether the delta changes nothing.
func (d RatingDelta) Zero() bool { return d == RatingDelta{} }

// Rating is a movie's rating summary as stored.
type Rating struct {
	MovieID string
	Counts  [reviewsapi.MaxRating]int
	Sum     int64
	Version int64 // 0 when nobody ever rated the movie
}

// Event is the summary as reviews.movie.rating_changed carries it.
func (r Rating) Event() reviewsapi.RatingChangedEvent {
	s := reviewsapi.NewRatingSummary(r.Counts, r.Sum)
	return reviewsapi.RatingChangedEvent{MovieID: r.MovieID, Average: s.Average, Count: s.Count, Sum: r.Sum, Histogram: s.Histogram, Version: r.Version}
}

// Store is the reviews service's persistence.
type Store interface {
	sqldb.Transactor

	// ApplyMovie stores m unless a version as high or higher is stored already;
	// applied reports whether it was stored.
	ApplyMovie(ctx context.Context, q sqldb.Querier, m Movie) (applied bool, err error)
	// ApplyAuthor is ApplyMovie for authors.
	ApplyAuthor(ctx context.Context, q sqldb.Querier, a Author) (applied bool, err error)
	GetMovie(ctx context.Context, q sqldb.Querier, id string) (Movie, error)
	GetAuthor(ctx context.Context, q sqldb.Querier, id string) (Author, error)
	// MovieAndAuthor reads the movie and the author of a review write in one
	// statement, the author with a shared row lock (PostgreSQL), so a
	// concurrent deletion of the account waits for the caller's transaction;
	// authorKnown is false when there is no such author. A missing movie is
	// ErrNotFound.
	MovieAndAuthor(ctx context.Context, tx *sqldb.Tx, movieID, authorID string) (m Movie, a Author, authorKnown bool, err error)
	// EnsureMovies and EnsureAuthors insert placeholders (version 0) for the
	// ids not stored yet; stored rows are left alone.
	EnsureMovies(ctx context.Context, q sqldb.Querier, ms []Movie) error
	EnsureAuthors(ctx context.Context, q sqldb.Querier, as []Author) error
	// Movies and Authors read the rows of ids that exist.
	Movies(ctx context.Context, q sqldb.Querier, ids []string) (map[string]Movie, error)
	Authors(ctx context.Context, q sqldb.Querier, ids []string) (map[string]Author, error)

	// InsertReview inserts r (ErrDuplicate when the author already reviewed the movie).
	InsertReview(ctx context.Context, q sqldb.Querier, r Review) error
	// InsertReviews inserts many, skipping those that would be duplicates;
	// it returns the ids inserted.
	InsertReviews(ctx context.Context, q sqldb.Querier, rs []Review) (map[string]bool, error)
	// GetReview reads a review, visible or not.
	GetReview(ctx context.Context, q sqldb.Querier, id string) (Review, error)
	// LockReview is GetReview that also locks the review row until the
	// transaction ends (PostgreSQL).
	LockReview(ctx context.Context, tx *sqldb.Tx, id string) (Review, error)
	// ReviewIDOf returns the id of the author's review of the movie.
	ReviewIDOf(ctx context.Context, q sqldb.Querier, movieID, authorID string) (string, error)
	// UpdateReview sets rating, body, updated_at and version of a review.
	UpdateReview(ctx context.Context, q sqldb.Querier, r Review) error
	DeleteReview(ctx context.Context, q sqldb.Querier, id string) error
	// ReviewsByAuthor lists every review of an author (locked on PostgreSQL), oldest first.
	ReviewsByAuthor(ctx context.Context, tx *sqldb.Tx, authorID string) ([]Review, error)
	// ListByMovie and ListByAuthor return up to limit visible reviews,
	// newest first, after the position (nil: from the newest).
	ListByMovie(ctx context.Context, q sqldb.Querier, movieID string, after *Position, limit int) ([]Review, error)
	ListByAuthor(ctx context.Context, q sqldb.Querier, authorID string, after *Position, limit int) ([]Review, error)

	// AdjustRating applies d to the movie's summary with relative updates
	// (safe under concurrent writers), bumps its version and returns the
	// summary after the change.
	AdjustRating(ctx context.Context, q sqldb.Querier, movieID string, d RatingDelta) (Rating, error)
	// AdjustRatings is AdjustRating for many movies in few statements (the
	// bulk paths); it returns the summaries after the change, by movie id.
	AdjustRatings(ctx context.Context, q sqldb.Querier, deltas map[string]RatingDelta) ([]Rating, error)
	// GetRating returns the movie's summary (Version 0, all zero, when never rated).
	GetRating(ctx context.Context, q sqldb.Querier, movieID string) (Rating, error)
}

// New returns the store implementation for db's engine.
func New(db *sqldb.DB) (Store, error) {
	switch db.Engine() {
	case sqldb.SQLite:
		return newSQLite(db), nil
	case sqldb.Postgres:
		return newPostgres(db), nil
	default:
		return nil, fmt.Errorf("reviews store: unsupported engine %q", db.Engine())
	}
}
