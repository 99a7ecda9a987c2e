package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// PlaybackSession is a viewer's stream lease.
type PlaybackSession struct {
	ID              string
	UserID          string
	MovieID         string
	VideoID         string
	MaxHeight       int
	PositionSeconds float64
	StartedAt       time.Time
	LastSeenAt      time.Time
	ExpiresAt       time.Time // when its stream token expires
	EndedAt         *time.Time
	EndReason       string
}

const sessionColumns = `id, user_id, movie_id, video_id, max_height, position_seconds, started_at, last_seen_at, expires_at, ended_at, end_reason`

func scanSession(row sqldb.Row) (PlaybackSession, error) {
	var p PlaybackSession
	err := row.Scan(&p.ID, &p.UserID, &p.MovieID, &p.VideoID, &p.MaxHeight, &p.PositionSeconds,
		sqldb.Time(&p.StartedAt), sqldb.Time(&p.LastSeenAt), sqldb.Time(&p.ExpiresAt), sqldb.NullTime(&p.EndedAt), &p.EndReason)
	return p, err
}

// LockLeases serialises the lease decisions of one user until tx ends, so
// two plays cannot both take the last slot. SQLite runs one writer at a
// time already; PostgreSQL takes a transaction-scoped advisory lock.
func (s *Store) LockLeases(ctx context.Context, tx *sqldb.Tx, userID string) error {
	if tx.Engine() != sqldb.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('marquee_media_lease_' || ?))`, userID)
	return err
}

// ActiveSessions are the user's sessions not ended and seen at or after since, oldest first.
func (s *Store) ActiveSessions(ctx context.Context, q sqldb.Querier, userID string, since time.Time) ([]PlaybackSession, error) {
	return sqldb.QueryAll(ctx, q, scanSession, `SELECT `+sessionColumns+` FROM playback_sessions
		WHERE user_id = ? AND ended_at IS NULL AND last_seen_at >= ? ORDER BY started_at, id`, userID, s.Engine().TimeArg(since))
}

// StaleSessions are up to limit sessions not ended but last seen before staleBefore.
func (s *Store) StaleSessions(ctx context.Context, q sqldb.Querier, staleBefore time.Time, limit int) ([]PlaybackSession, error) {
	return sqldb.QueryAll(ctx, q, scanSession, `SELECT `+sessionColumns+` FROM playback_sessions
		WHERE ended_at IS NULL AND last_seen_at < ? ORDER BY last_seen_at LIMIT ?`, s.Engine().TimeArg(staleBefore), limit)
}

// CreateSession inserts a new session.
func (s *Store) CreateSession(ctx context.Context, q sqldb.Querier, p PlaybackSession) error {
	e := s.Engine()
	_, err := q.ExecContext(ctx, `INSERT INTO playback_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '')`,
		p.ID, p.UserID, p.MovieID, p.VideoID, p.MaxHeight, p.PositionSeconds,
		e.TimeArg(p.StartedAt), e.TimeArg(p.LastSeenAt), e.TimeArg(p.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create playback session: %w", err)
	}
	return nil
}

// Session returns a session.
func (s *Store) Session(ctx context.Context, q sqldb.Querier, id string) (PlaybackSession, error) {
	p, err := scanSession(q.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM playback_sessions WHERE id = ?`, id))
	return p, notFound(err, "playback session "+id)
}

// RenewSession records a heartbeat of a session that has not ended; renewed
// is false when it had.
func (s *Store) RenewSession(ctx context.Context, q sqldb.Querier, id string, position float64, now time.Time) (renewed bool, err error) {
	res, err := q.ExecContext(ctx, `UPDATE playback_sessions SET position_seconds = ?, last_seen_at = ? WHERE id = ? AND ended_at IS NULL`,
		position, s.Engine().TimeArg(now), id)
	if err != nil {
		return false, fmt.Errorf("renew playback session %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// EndSession ends a session that has not ended; ended is false when it had.
func (s *Store) EndSession(ctx context.Context, q sqldb.Querier, id, reason string, now time.Time) (ended bool, err error) {
	res, err := q.ExecContext(ctx, `UPDATE playback_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`,
		s.Engine().TimeArg(now), reason, id)
	if err != nil {
		return false, fmt.Errorf("end playback session %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// WatchPosition is where a user stopped in a movie, with the movie's title
// and poster for continue watching.
type WatchPosition struct {
	MovieID         string
	Title           string
	PosterURL       *string
	PositionSeconds float64
	DurationSeconds float64
	UpdatedAt       time.Time
}

// SavePosition keeps the user's position in a movie.
func (s *Store) SavePosition(ctx context.Context, q sqldb.Querier, userID, movieID string, position, duration float64, now time.Time) error {
	t := s.Engine().TimeArg(now)
	_, err := q.ExecContext(ctx, `INSERT INTO watch_positions (user_id, movie_id, position_seconds, duration_seconds, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, movie_id) DO UPDATE SET position_seconds = ?, duration_seconds = ?, updated_at = ?`,
		userID, movieID, position, duration, t, position, duration, t)
	if err != nil {
		return fmt.Errorf("save watch position: %w", err)
	}
	return nil
}

// Position is the user's stored position in a movie, 0 when none.
func (s *Store) Position(ctx context.Context, q sqldb.Querier, userID, movieID string) (float64, error) {
	var pos float64
	err := q.QueryRowContext(ctx, `SELECT position_seconds FROM watch_positions WHERE user_id = ? AND movie_id = ?`, userID, movieID).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return pos, err
}

// ContinueWatching is up to limit of the user's positions between minPosition
// and maxShare of the duration, of movies not deleted, newest first, after
// the position (updated_at, movie id) when given.
func (s *Store) ContinueWatching(ctx context.Context, q sqldb.Querier, userID string, minPosition, maxShare float64, after *sqldb.Position, limit int) ([]WatchPosition, error) {
	where, args := "", []any{userID, minPosition, maxShare}
	if after != nil {
		t := s.Engine().TimeArg(after.At)
		where = ` AND (w.updated_at < ? OR (w.updated_at = ? AND w.movie_id < ?))`
		args = append(args, t, t, after.ID)
	}
	args = append(args, limit)
	return sqldb.QueryAll(ctx, q, func(row sqldb.Row) (WatchPosition, error) {
		var w WatchPosition
		err := row.Scan(&w.MovieID, &w.Title, &w.PosterURL, &w.PositionSeconds, &w.DurationSeconds, sqldb.Time(&w.UpdatedAt))
		return w, err
	}, `SELECT w.movie_id, m.title, m.poster_url, w.position_seconds, w.duration_seconds, w.updated_at
		FROM watch_positions w JOIN movies m ON m.id = w.movie_id
		WHERE w.user_id = ? AND m.deleted = 0 AND w.position_seconds >= ? AND w.position_seconds <= w.duration_seconds * ?`+where+`
		ORDER BY w.updated_at DESC, w.movie_id DESC LIMIT ?`, args...)
}

// StreamKeys are the stored stream-token keys, newest first.
func (s *Store) StreamKeys(ctx context.Context, q sqldb.Querier) ([][]byte, error) {
	return sqldb.QueryAll(ctx, q, func(row sqldb.Row) ([]byte, error) {
		var k []byte
		err := row.Scan(&k)
		return k, err
	}, `SELECT secret FROM stream_keys ORDER BY id DESC`)
}

// AddFirstStreamKey stores key as key 1 unless a key is there already
// (another process won the race: its key is the one to use).
func (s *Store) AddFirstStreamKey(ctx context.Context, q sqldb.Querier, key []byte, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO stream_keys (id, secret, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`,
		key, s.Engine().TimeArg(now))
	return err
}
