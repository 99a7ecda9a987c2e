// Package store keeps the social service's data in SQL: follows and each
// user's follow counts, and the read models it builds from other services'
// events (users, movies and the reviews shown in feeds). Store is the
// interface; New returns the implementation for the database's engine (SQLite
// or PostgreSQL). Both share the SQL they agree on (written with `?`
// placeholders, rebound by sqldb); what differs is explicit in sqlite.go and
// postgres.go: timestamp columns and row locks.
//
// Every method takes the sqldb.Querier to run on, so the service can put a
// change, the counts and the outbox events in one transaction.
package store

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// Migrations holds the social schema, one folder per engine:
//
//	sqldb.Migrate(ctx, db, "social", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// ErrNotFound is returned when a user or a follow does not exist.
var ErrNotFound = sqldb.ErrNotFound

// User is what the service knows of a user.
type User struct {
	ID          string
	DisplayName string
	Deleted     bool
	Version     int64 // identity's version; 0 for a placeholder
}

// Movie is what the service knows of a catalog movie.
type Movie struct {
	ID          string
	Title       string
	ReleaseDate *string // YYYY-MM-DD, nil when unknown
	PosterURL   *string // the catalog's, nil when it has none
	Deleted     bool
	Version     int64
}

// MovieRating is a movie's rating summary as reviews.movie.rating_changed
// described it.
type MovieRating struct {
	MovieID string
	Average *float64 // nil when Count is 0
	Count   int
	Version int64
}

// Edge is a (follower, followee) pair that follows or once followed.
type Edge struct {
	FollowerID string
	FolloweeID string
	Active     bool
	Version    int64
	FollowedAt time.Time
	UpdatedAt  time.Time
}

// Counts are a user's follow counts.
type Counts struct {
	UserID    string
	Followers int
	Following int
	Version   int64 // +1 on every change; 0 when never changed
}

// API is the counts as events carry them.
func (c Counts) API() socialapi.UserCounts {
	return socialapi.UserCounts{UserID: c.UserID, FollowersCount: c.Followers, FollowingCount: c.Following, CountsVersion: c.Version}
}

// CountsDelta is a change of a user's counts.
type CountsDelta struct {
	Followers int
	Following int
}

// FeedReview is a review as the feed keeps it.
type FeedReview struct {
	ID         string
	MovieID    string
	MovieTitle string // current title when the movie is known, else the event's
	AuthorID   string
	AuthorName string // current name when the user is known, else the event's
	Rating     int
	Body       string
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Deleted    bool
}

// API is the review as the feed shows it.
func (r FeedReview) API() socialapi.FeedItem {
	return socialapi.FeedItem{ID: r.ID, MovieID: r.MovieID, MovieTitle: r.MovieTitle,
		Author: reviewsapi.Author{ID: r.AuthorID, DisplayName: r.AuthorName},
		Rating: r.Rating, Body: r.Body, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Position is a keyset position in a newest-first list: the time and id of
// the last item shown.
type Position = sqldb.Position

// Store is the social service's persistence.
// It owns its transactions (InTx): a follow, the counts and the outbox
// events run in one. Reads take the sqldb.Querier to run on; methods that
// lock rows take the *sqldb.Tx, so no lock is taken outside a transaction.
type Store interface {
	sqldb.Transactor

	// ApplyUser stores u unless a version as high or higher is stored;
	// applied reports whether it was stored.
	ApplyUser(ctx context.Context, q sqldb.Querier, u User) (applied bool, err error)
	GetUser(ctx context.Context, q sqldb.Querier, id string) (User, error)
	// ShareUser is GetUser that also takes a shared row lock (PostgreSQL), so
	// the account's deletion waits for the caller's transaction.
	ShareUser(ctx context.Context, tx *sqldb.Tx, id string) (User, error)
	// EnsureUser inserts a placeholder (version 0, no name) unless the user is stored.
	EnsureUser(ctx context.Context, q sqldb.Querier, id string) error
	ApplyMovie(ctx context.Context, q sqldb.Querier, m Movie) (applied bool, err error)
	// ApplyRating stores r unless a version as high or higher is stored.
	ApplyRating(ctx context.Context, q sqldb.Querier, r MovieRating) (applied bool, err error)
	// ApplyReview stores r unless a version as high or higher is stored; a
	// deleted review is kept as a tombstone without its body.
	ApplyReview(ctx context.Context, q sqldb.Querier, r FeedReview) (applied bool, err error)

	// Follow makes the pair active: changed is false (and the stored edge is
	// returned) when it was active already.
	Follow(ctx context.Context, q sqldb.Querier, followerID, followeeID string, now time.Time) (e Edge, changed bool, err error)
	// Unfollow makes an active pair inactive; changed is false when it was not active.
	Unfollow(ctx context.Context, q sqldb.Querier, followerID, followeeID string, now time.Time) (e Edge, changed bool, err error)
	GetEdge(ctx context.Context, q sqldb.Querier, followerID, followeeID string) (Edge, error)
	// ActiveEdgesOf lists the active pairs a user is part of, either side,
	// locked on PostgreSQL.
	ActiveEdgesOf(ctx context.Context, tx *sqldb.Tx, userID string) ([]Edge, error)
	// AdjustCounts applies deltas with relative updates, user by user in id
	// order (a fixed lock order), and returns the counts after the change.
	AdjustCounts(ctx context.Context, q sqldb.Querier, deltas map[string]CountsDelta) (map[string]Counts, error)
	// GetCounts returns a user's counts (zero, version 0, when never changed).
	GetCounts(ctx context.Context, q sqldb.Querier, userID string) (Counts, error)

	// Followers and Following return up to limit active follows of a user,
	// newest first, after the position, with the other user's current name;
	// deleted users are left out.
	Followers(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]socialapi.Follow, error)
	Following(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]socialapi.Follow, error)
	// Feed returns up to limit reviews by the users userID follows, newest
	// first (by when they were written), after the position. Deleted reviews,
	// reviews of deleted movies and reviews by deleted users are left out.
	Feed(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]FeedReview, error)

	// GetMovie reads a movie as the catalog's events described it.
	GetMovie(ctx context.Context, q sqldb.Querier, id string) (Movie, error)
	// AddToWatchlist puts a movie on a user's list; added is false (and the
	// stored time returned) when it was there already.
	AddToWatchlist(ctx context.Context, q sqldb.Querier, userID, movieID string, now time.Time) (at time.Time, added bool, err error)
	// RemoveFromWatchlist takes a movie off a user's list; removed is false when it was not on it.
	RemoveFromWatchlist(ctx context.Context, q sqldb.Querier, userID, movieID string) (removed bool, err error)
	// Watchlist returns up to limit movies of a user's list, newest first,
	// after the position; movies the catalog deleted are left out.
	Watchlist(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]socialapi.WatchlistItem, error)
	// WatchlistEntry reads one movie of a user's list (ErrNotFound when it is
	// not on it, or the catalog deleted it).
	WatchlistEntry(ctx context.Context, q sqldb.Querier, userID, movieID string) (socialapi.WatchlistItem, error)
}

// New returns the store implementation for db's engine.
func New(db *sqldb.DB) (Store, error) {
	switch db.Engine() {
	case sqldb.SQLite:
		return newSQLite(db), nil
	case sqldb.Postgres:
		return newPostgres(db), nil
	default:
		return nil, fmt.Errorf("social store: unsupported engine %q", db.Engine())
	}
}
