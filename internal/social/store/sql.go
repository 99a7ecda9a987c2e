package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// sqlStore is the SQL both engines share. The engine-specific parts are the
// fields set by newSQLite and newPostgres.
type sqlStore struct {
	sqldb.Bound
	// forShare and forUpdate are appended to SELECTs that must lock what they read.
	forShare  string
	forUpdate string
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- read models (from events)

func (s *sqlStore) ApplyUser(ctx context.Context, q sqldb.Querier, u User) (bool, error) {
	return sqldb.UpsertNewer(ctx, q, "users", "version", []string{"id", "display_name", "deleted", "version"},
		u.ID, u.DisplayName, flag(u.Deleted), u.Version)
}

func (s *sqlStore) GetUser(ctx context.Context, q sqldb.Querier, id string) (User, error) {
	return getUser(ctx, q, id, "")
}

func (s *sqlStore) ShareUser(ctx context.Context, tx *sqldb.Tx, id string) (User, error) {
	return getUser(ctx, tx, id, s.forShare)
}

func getUser(ctx context.Context, q sqldb.Querier, id, lock string) (User, error) {
	u := User{ID: id}
	var deleted int
	err := q.QueryRowContext(ctx, `SELECT display_name, deleted, version FROM users WHERE id = ?`+lock, id).Scan(&u.DisplayName, &deleted, &u.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read user %s: %w", id, err)
	}
	u.Deleted = deleted != 0
	return u, nil
}

func (s *sqlStore) EnsureUser(ctx context.Context, q sqldb.Querier, id string) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO users (id, display_name, deleted, version) VALUES (?, '', 0, 0)
		ON CONFLICT (id) DO NOTHING`, id); err != nil {
		return fmt.Errorf("insert user placeholder %s: %w", id, err)
	}
	return nil
}

func (s *sqlStore) ApplyMovie(ctx context.Context, q sqldb.Querier, m Movie) (bool, error) {
	return sqldb.UpsertNewer(ctx, q, "movies", "version", []string{"id", "title", "release_date", "poster_url", "deleted", "version"},
		m.ID, m.Title, m.ReleaseDate, m.PosterURL, flag(m.Deleted), m.Version)
}

func (s *sqlStore) ApplyRating(ctx context.Context, q sqldb.Querier, r MovieRating) (bool, error) {
	return sqldb.UpsertNewer(ctx, q, "movie_ratings", "version", []string{"movie_id", "average", "count", "version"},
		r.MovieID, r.Average, r.Count, r.Version)
}

func (s *sqlStore) ApplyReview(ctx context.Context, q sqldb.Querier, r FeedReview) (bool, error) {
	if r.Deleted {
		r.Body = "" // a tombstone keeps no content
	}
	// a review's movie, author and creation time never change: writing them again is harmless
	return sqldb.UpsertNewer(ctx, q, "feed_reviews", "version", []string{"id", "movie_id", "movie_title", "author_id", "author_name",
		"rating", "body", "version", "created_at", "updated_at", "deleted"},
		r.ID, r.MovieID, r.MovieTitle, r.AuthorID, r.AuthorName, r.Rating, r.Body,
		r.Version, s.Engine().TimeArg(r.CreatedAt), s.Engine().TimeArg(r.UpdatedAt), flag(r.Deleted))
}

// ---- follows

func (s *sqlStore) Follow(ctx context.Context, q sqldb.Querier, followerID, followeeID string, now time.Time) (Edge, bool, error) {
	e := Edge{FollowerID: followerID, FolloweeID: followeeID, Active: true, UpdatedAt: now}
	err := q.QueryRowContext(ctx, `INSERT INTO follows (follower_id, followee_id, active, version, followed_at, updated_at)
		VALUES (?, ?, 1, 1, ?, ?)
		ON CONFLICT (follower_id, followee_id) DO UPDATE SET active = 1, version = follows.version + 1,
			followed_at = excluded.followed_at, updated_at = excluded.updated_at
		WHERE follows.active = 0
		RETURNING version, followed_at`, followerID, followeeID, s.Engine().TimeArg(now), s.Engine().TimeArg(now)).Scan(&e.Version, sqldb.Time(&e.FollowedAt))
	if errors.Is(err, sql.ErrNoRows) { // already following
		e, err = s.GetEdge(ctx, q, followerID, followeeID)
		return e, false, err
	}
	if err != nil {
		return e, false, fmt.Errorf("follow %s → %s: %w", followerID, followeeID, err)
	}
	return e, true, nil
}

func (s *sqlStore) Unfollow(ctx context.Context, q sqldb.Querier, followerID, followeeID string, now time.Time) (Edge, bool, error) {
	e := Edge{FollowerID: followerID, FolloweeID: followeeID, UpdatedAt: now}
	err := q.QueryRowContext(ctx, `UPDATE follows SET active = 0, version = version + 1, updated_at = ?
		WHERE follower_id = ? AND followee_id = ? AND active = 1
		RETURNING version, followed_at`, s.Engine().TimeArg(now), followerID, followeeID).Scan(&e.Version, sqldb.Time(&e.FollowedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("unfollow %s → %s: %w", followerID, followeeID, err)
	}
	return e, true, nil
}

const selectEdges = `SELECT follower_id, followee_id, active, version, followed_at, updated_at FROM follows`

func scanEdge(row sqldb.Row) (Edge, error) {
	var e Edge
	var active int
	err := row.Scan(&e.FollowerID, &e.FolloweeID, &active, &e.Version, sqldb.Time(&e.FollowedAt), sqldb.Time(&e.UpdatedAt))
	e.Active = active != 0
	return e, err
}

func (s *sqlStore) GetEdge(ctx context.Context, q sqldb.Querier, followerID, followeeID string) (Edge, error) {
	e, err := scanEdge(q.QueryRowContext(ctx, selectEdges+` WHERE follower_id = ? AND followee_id = ?`, followerID, followeeID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("follow %s → %s: %w", followerID, followeeID, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("read follow %s → %s: %w", followerID, followeeID, err)
	}
	return e, nil
}

func (s *sqlStore) ActiveEdgesOf(ctx context.Context, q *sqldb.Tx, userID string) ([]Edge, error) {
	out, err := sqldb.QueryAll(ctx, q, scanEdge, selectEdges+` WHERE (follower_id = ? OR followee_id = ?) AND active = 1
		ORDER BY follower_id, followee_id`+s.forUpdate, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("list follows of %s: %w", userID, err)
	}
	return out, nil
}

func (s *sqlStore) AdjustCounts(ctx context.Context, q sqldb.Querier, deltas map[string]CountsDelta) (map[string]Counts, error) {
	ids := make([]string, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make(map[string]Counts, len(ids))
	for _, id := range ids {
		d := deltas[id]
		c := Counts{UserID: id}
		err := q.QueryRowContext(ctx, `INSERT INTO follow_counts (user_id, followers_count, following_count, counts_version)
			VALUES (?, ?, ?, 1)
			ON CONFLICT (user_id) DO UPDATE SET followers_count = follow_counts.followers_count + excluded.followers_count,
				following_count = follow_counts.following_count + excluded.following_count,
				counts_version = follow_counts.counts_version + 1
			RETURNING followers_count, following_count, counts_version`, id, d.Followers, d.Following).Scan(&c.Followers, &c.Following, &c.Version)
		if err != nil {
			return nil, fmt.Errorf("adjust follow counts of %s: %w", id, err)
		}
		out[id] = c
	}
	return out, nil
}

func (s *sqlStore) GetCounts(ctx context.Context, q sqldb.Querier, userID string) (Counts, error) {
	c := Counts{UserID: userID}
	err := q.QueryRowContext(ctx, `SELECT followers_count, following_count, counts_version FROM follow_counts WHERE user_id = ?`, userID).
		Scan(&c.Followers, &c.Following, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read follow counts of %s: %w", userID, err)
	}
	return c, nil
}

// ---- lists

func (s *sqlStore) Followers(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]socialapi.Follow, error) {
	return s.follows(ctx, q, "followee_id", "follower_id", userID, after, limit)
}

func (s *sqlStore) Following(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]socialapi.Follow, error) {
	return s.follows(ctx, q, "follower_id", "followee_id", userID, after, limit)
}

// follows lists the active pairs whose side column is userID, showing the other side.
func (s *sqlStore) follows(ctx context.Context, q sqldb.Querier, side, other, userID string, after *Position, limit int) ([]socialapi.Follow, error) {
	query := `SELECT f.` + other + `, u.display_name, f.followed_at FROM follows f JOIN users u ON u.id = f.` + other + `
		WHERE f.` + side + ` = ? AND f.active = 1 AND u.deleted = 0`
	args := []any{userID}
	if after != nil {
		query += ` AND (f.followed_at, f.` + other + `) < (?, ?)`
		args = append(args, s.Engine().TimeArg(after.At), after.ID)
	}
	query += ` ORDER BY f.followed_at DESC, f.` + other + ` DESC LIMIT ?`
	args = append(args, limit)
	out, err := sqldb.QueryAll(ctx, q, func(row sqldb.Row) (f socialapi.Follow, err error) {
		err = row.Scan(&f.ID, &f.DisplayName, sqldb.Time(&f.FollowedAt))
		return f, err
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list follows: %w", err)
	}
	return out, nil
}

func (s *sqlStore) Feed(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]FeedReview, error) {
	query := `SELECT r.id, r.movie_id, COALESCE(m.title, r.movie_title), r.author_id,
			CASE WHEN u.version > 0 THEN u.display_name ELSE r.author_name END,
			r.rating, r.body, r.version, r.created_at, r.updated_at
		FROM follows f
		JOIN feed_reviews r ON r.author_id = f.followee_id AND r.deleted = 0
		JOIN users u ON u.id = r.author_id
		LEFT JOIN movies m ON m.id = r.movie_id
		WHERE f.follower_id = ? AND f.active = 1 AND u.deleted = 0 AND (m.deleted IS NULL OR m.deleted = 0)`
	args := []any{userID}
	if after != nil {
		query += ` AND (r.created_at, r.id) < (?, ?)`
		args = append(args, s.Engine().TimeArg(after.At), after.ID)
	}
	query += ` ORDER BY r.created_at DESC, r.id DESC LIMIT ?`
	args = append(args, limit)
	out, err := sqldb.QueryAll(ctx, q, func(row sqldb.Row) (r FeedReview, err error) {
		err = row.Scan(&r.ID, &r.MovieID, &r.MovieTitle, &r.AuthorID, &r.AuthorName, &r.Rating, &r.Body, &r.Version,
			sqldb.Time(&r.CreatedAt), sqldb.Time(&r.UpdatedAt))
		return r, err
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read feed of %s: %w", userID, err)
	}
	return out, nil
}
