package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// changed reports whether a statement changed a row.
func changed(res sql.Result) (bool, error) {
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s *sqlStore) GetMovie(ctx context.Context, q sqldb.Querier, id string) (Movie, error) {
	var (
		m       Movie
		deleted int
	)
	err := q.QueryRowContext(ctx, `SELECT id, title, deleted, version FROM movies WHERE id = ?`, id).Scan(&m.ID, &m.Title, &deleted, &m.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Movie{}, fmt.Errorf("movie %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Movie{}, fmt.Errorf("movie %s: %w", id, err)
	}
	m.Deleted = deleted == 1
	return m, nil
}

func (s *sqlStore) AddToWatchlist(ctx context.Context, q sqldb.Querier, userID, movieID string, now time.Time) (time.Time, bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO watchlist (user_id, movie_id, added_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, movie_id) DO NOTHING`, userID, movieID, s.Engine().TimeArg(now))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("add to watchlist: %w", err)
	}
	added, err := changed(res)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("add to watchlist: %w", err)
	}
	if added {
		return now, true, nil
	}
	var at time.Time
	err = q.QueryRowContext(ctx, `SELECT added_at FROM watchlist WHERE user_id = ? AND movie_id = ?`, userID, movieID).Scan(sqldb.Time(&at))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read watchlist entry: %w", err)
	}
	return at, false, nil
}

func (s *sqlStore) RemoveFromWatchlist(ctx context.Context, q sqldb.Querier, userID, movieID string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM watchlist WHERE user_id = ? AND movie_id = ?`, userID, movieID)
	if err != nil {
		return false, fmt.Errorf("remove from watchlist: %w", err)
	}
	removed, err := changed(res)
	if err != nil {
		return false, fmt.Errorf("remove from watchlist: %w", err)
	}
	return removed, nil
}

func (s *sqlStore) Watchlist(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]socialapi.WatchlistItem, error) {
	where := ``
	args := []any{userID}
	if after != nil {
		where = ` AND (w.added_at, w.movie_id) < (?, ?)`
		args = append(args, s.Engine().TimeArg(after.At), after.ID)
	}
	return s.watchlist(ctx, q, where+` ORDER BY w.added_at DESC, w.movie_id DESC LIMIT ?`, append(args, limit)...)
}

func (s *sqlStore) WatchlistEntry(ctx context.Context, q sqldb.Querier, userID, movieID string) (socialapi.WatchlistItem, error) {
	items, err := s.watchlist(ctx, q, ` AND w.movie_id = ?`, userID, movieID)
	if err != nil {
		return socialapi.WatchlistItem{}, err
	}
	if len(items) == 0 {
		return socialapi.WatchlistItem{}, fmt.Errorf("watchlist entry %s: %w", movieID, ErrNotFound)
	}
	return items[0], nil
}

// watchlist reads the items of user args[0]'s list that the rest of the
// query (rest, with the other args) selects: each movie as a card shows it.
func (s *sqlStore) watchlist(ctx context.Context, q sqldb.Querier, rest string, args ...any) ([]socialapi.WatchlistItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT w.movie_id, m.title, m.release_date, m.poster_url, r.average, COALESCE(r.count, 0), w.added_at
		FROM watchlist w JOIN movies m ON m.id = w.movie_id LEFT JOIN movie_ratings r ON r.movie_id = w.movie_id
		WHERE w.user_id = ? AND m.deleted = 0`+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("watchlist: %w", err)
	}
	defer rows.Close()
	out := []socialapi.WatchlistItem{}
	for rows.Next() {
		var it socialapi.WatchlistItem
		m := &it.Movie
		if err := rows.Scan(&m.ID, &m.Title, &m.ReleaseDate, &m.PosterURL, &m.RatingSummary.Average, &m.RatingSummary.Count,
			sqldb.Time(&it.AddedAt)); err != nil {
			return nil, fmt.Errorf("watchlist: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("watchlist: %w", err)
	}
	return out, nil
}
