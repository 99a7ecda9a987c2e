package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

const videoColumns = `id, movie_id, upload_id, state, progress, duration_seconds, source_width, source_height, source_codec,
	storage_prefix, has_poster, has_thumbnails, complete, error, attempts, version, created_at, updated_at, ready_at`

// CreateVideo inserts v (Version 1).
func (s *Store) CreateVideo(ctx context.Context, q sqldb.Querier, v Video) error {
	e := s.Engine()
	_, err := q.ExecContext(ctx, `INSERT INTO videos (`+videoColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
		v.ID, v.MovieID, nullString(v.UploadID), v.State, v.Progress, v.DurationSeconds, v.SourceWidth, v.SourceHeight, v.SourceCodec,
		v.StoragePrefix, flag(v.HasPoster), flag(v.HasThumbnails), flag(v.Complete), v.Error, v.Attempts,
		e.TimeArg(v.CreatedAt), e.TimeArg(v.UpdatedAt), e.NullTimeArg(v.ReadyAt))
	if err != nil {
		return fmt.Errorf("create video %s: %w", v.ID, err)
	}
	return nil
}

// UpdateVideo writes v's mutable fields and returns its new version. It
// changes nothing and answers ErrNotFound when the stored version is not
// v.Version (someone else changed it meanwhile).
func (s *Store) UpdateVideo(ctx context.Context, q sqldb.Querier, v Video) (int64, error) {
	e := s.Engine()
	res, err := q.ExecContext(ctx, `UPDATE videos SET state = ?, progress = ?, duration_seconds = ?, source_width = ?,
		source_height = ?, source_codec = ?, has_poster = ?, has_thumbnails = ?, complete = ?, error = ?, attempts = ?,
		version = version + 1, updated_at = ?, ready_at = ?
		WHERE id = ? AND version = ?`,
		v.State, v.Progress, v.DurationSeconds, v.SourceWidth, v.SourceHeight, v.SourceCodec,
		flag(v.HasPoster), flag(v.HasThumbnails), flag(v.Complete), v.Error, v.Attempts,
		e.TimeArg(v.UpdatedAt), e.NullTimeArg(v.ReadyAt), v.ID, v.Version)
	if err != nil {
		return 0, fmt.Errorf("update video %s: %w", v.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, fmt.Errorf("update video %s at version %d: %w", v.ID, v.Version, ErrNotFound)
	}
	return v.Version + 1, nil
}

// Video returns a video with its renditions.
func (s *Store) Video(ctx context.Context, q sqldb.Querier, id string) (Video, error) {
	v, err := scanVideo(q.QueryRowContext(ctx, `SELECT `+videoColumns+` FROM videos WHERE id = ?`, id))
	if err != nil {
		return Video{}, notFound(err, "video "+id)
	}
	v.Renditions, err = s.Renditions(ctx, q, id)
	return v, err
}

func scanVideo(row sqldb.Row) (Video, error) {
	var v Video
	var uploadID sql.NullString
	var poster, thumbs, complete int
	err := row.Scan(&v.ID, &v.MovieID, &uploadID, &v.State, &v.Progress, &v.DurationSeconds, &v.SourceWidth, &v.SourceHeight,
		&v.SourceCodec, &v.StoragePrefix, &poster, &thumbs, &complete, &v.Error, &v.Attempts, &v.Version,
		sqldb.Time(&v.CreatedAt), sqldb.Time(&v.UpdatedAt), sqldb.NullTime(&v.ReadyAt))
	v.UploadID = uploadID.String
	v.HasPoster, v.HasThumbnails, v.Complete = poster == 1, thumbs == 1, complete == 1
	return v, err
}

// Renditions are a video's complete rungs, lowest first.
func (s *Store) Renditions(ctx context.Context, q sqldb.Querier, videoID string) ([]Rendition, error) {
	return sqldb.QueryAll(ctx, q, func(row sqldb.Row) (Rendition, error) {
		var r Rendition
		err := row.Scan(&r.Height, &r.Width, &r.Bandwidth, &r.AverageBandwidth, &r.Codecs)
		return r, err
	}, `SELECT height, width, bandwidth, average_bandwidth, codecs FROM renditions WHERE video_id = ? ORDER BY height`, videoID)
}

// PutRendition records a complete rung (again: a rerun writes the same row).
func (s *Store) PutRendition(ctx context.Context, q sqldb.Querier, videoID string, r Rendition) error {
	_, err := q.ExecContext(ctx, `INSERT INTO renditions (video_id, height, width, bandwidth, average_bandwidth, codecs) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (video_id, height) DO UPDATE SET width = excluded.width, bandwidth = excluded.bandwidth,
			average_bandwidth = excluded.average_bandwidth, codecs = excluded.codecs`,
		videoID, r.Height, r.Width, r.Bandwidth, r.AverageBandwidth, r.Codecs)
	if err != nil {
		return fmt.Errorf("rendition %dp of video %s: %w", r.Height, videoID, err)
	}
	return nil
}

// MovieVideos are the video a movie plays ("" when none is ready) and its
// newest video ("" when none was ever uploaded).
func (s *Store) MovieVideos(ctx context.Context, q sqldb.Querier, movieID string) (current, latest string, err error) {
	var cur sql.NullString
	err = q.QueryRowContext(ctx, `SELECT current_video_id, latest_video_id FROM movie_videos WHERE movie_id = ?`, movieID).Scan(&cur, &latest)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return cur.String, latest, err
}

// SetLatestVideo makes videoID the movie's newest video; the one it plays does not change.
func (s *Store) SetLatestVideo(ctx context.Context, q sqldb.Querier, movieID, videoID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO movie_videos (movie_id, current_video_id, latest_video_id, updated_at) VALUES (?, NULL, ?, ?)
		ON CONFLICT (movie_id) DO UPDATE SET latest_video_id = excluded.latest_video_id, updated_at = excluded.updated_at`,
		movieID, videoID, s.Engine().TimeArg(now))
	if err != nil {
		return fmt.Errorf("latest video of movie %s: %w", movieID, err)
	}
	return nil
}

// PublishVideo makes a ready video the one its movie (and the movies
// attached to it, see AttachVideo) plays, unless the movie
// already plays a newer one (a later upload that got ready first). It
// reports whether the movie now plays it.
func (s *Store) PublishVideo(ctx context.Context, q sqldb.Querier, movieID, videoID string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE movie_videos SET current_video_id = ?, updated_at = ?
		WHERE (movie_id = ? OR latest_video_id = ?) AND (current_video_id IS NULL OR current_video_id = ? OR
			(SELECT created_at FROM videos WHERE id = movie_videos.current_video_id) < (SELECT created_at FROM videos WHERE id = ?))`,
		videoID, s.Engine().TimeArg(now), movieID, videoID, videoID, videoID)
	if err != nil {
		return false, fmt.Errorf("publish video %s of movie %s: %w", videoID, movieID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ---- uploads

// CreateUpload records a new tus upload.
func (s *Store) CreateUpload(ctx context.Context, q sqldb.Querier, u Upload) error {
	e := s.Engine()
	_, err := q.ExecContext(ctx, `INSERT INTO uploads (id, movie_id, user_id, size, filename, state, video_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`, u.ID, u.MovieID, u.UserID, u.Size, u.Filename, u.State,
		e.TimeArg(u.CreatedAt), e.TimeArg(u.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create upload %s: %w", u.ID, err)
	}
	return nil
}

// Upload returns an upload.
func (s *Store) Upload(ctx context.Context, q sqldb.Querier, id string) (Upload, error) {
	var u Upload
	var videoID sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, movie_id, user_id, size, filename, state, video_id, created_at, updated_at
		FROM uploads WHERE id = ?`, id).Scan(&u.ID, &u.MovieID, &u.UserID, &u.Size, &u.Filename, &u.State, &videoID,
		sqldb.Time(&u.CreatedAt), sqldb.Time(&u.UpdatedAt))
	u.VideoID = videoID.String
	return u, notFound(err, "upload "+id)
}

// ClaimCompletion makes the caller the one completer of a fully received
// upload (receiving → completing); a claim whose holder stopped keeping it
// fresh before staleBefore (the process died) may be taken over. claimed
// is false when another caller holds it or the upload is done.
func (s *Store) ClaimCompletion(ctx context.Context, q sqldb.Querier, id string, now, staleBefore time.Time) (claimed bool, err error) {
	e := s.Engine()
	res, err := q.ExecContext(ctx, `UPDATE uploads SET state = ?, updated_at = ?
		WHERE id = ? AND (state = ? OR (state = ? AND updated_at < ?))`,
		UploadCompleting, e.TimeArg(now), id, UploadReceiving, UploadCompleting, e.TimeArg(staleBefore))
	return affected(res, err, "claim the completion of upload "+id)
}

// KeepClaim tells that the completer of an upload is still at work.
func (s *Store) KeepClaim(ctx context.Context, q sqldb.Querier, id string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE uploads SET updated_at = ? WHERE id = ? AND state = ?`,
		s.Engine().TimeArg(now), id, UploadCompleting)
	return err
}

// ReleaseClaim gives a completion that failed back (completing → receiving),
// so the next HEAD tries again.
func (s *Store) ReleaseClaim(ctx context.Context, q sqldb.Querier, id string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE uploads SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
		UploadReceiving, s.Engine().TimeArg(now), id, UploadCompleting)
	return err
}

// FinishUpload moves an upload from state from to state to (completing →
// completed with its video, receiving → abandoned); changed is false when
// it was no longer in from.
func (s *Store) FinishUpload(ctx context.Context, q sqldb.Querier, id, from, to, videoID string, now time.Time) (changed bool, err error) {
	res, err := q.ExecContext(ctx, `UPDATE uploads SET state = ?, video_id = ?, updated_at = ? WHERE id = ? AND state = ?`,
		to, nullString(videoID), s.Engine().TimeArg(now), id, from)
	return affected(res, err, "finish upload "+id)
}

// TouchUpload records that bytes of a receiving upload are coming (the
// expiry sweep leaves it alone for another while).
func (s *Store) TouchUpload(ctx context.Context, q sqldb.Querier, id string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE uploads SET updated_at = ? WHERE id = ? AND state = ?`,
		s.Engine().TimeArg(now), id, UploadReceiving)
	return err
}

// StaleUploads returns up to limit receiving uploads not touched since before, oldest first.
func (s *Store) StaleUploads(ctx context.Context, q sqldb.Querier, before time.Time, limit int) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM uploads WHERE state = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
		UploadReceiving, s.Engine().TimeArg(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteStaleUpload deletes a receiving upload still untouched since before.
func (s *Store) DeleteStaleUpload(ctx context.Context, q sqldb.Querier, id string, before time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM uploads WHERE id = ? AND state = ? AND updated_at < ?`,
		id, UploadReceiving, s.Engine().TimeArg(before))
	return affected(res, err, "delete upload "+id)
}

func affected(res sql.Result, err error, what string) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// SetProgress records the share of a video's job done; it does not change its version.
func (s *Store) SetProgress(ctx context.Context, q sqldb.Querier, videoID string, progress float64, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE videos SET progress = ?, updated_at = ? WHERE id = ? AND progress < ?`,
		progress, s.Engine().TimeArg(now), videoID, progress)
	return err
}

// AttachVideo has a movie without a video of its own play videoID (the
// demo's shared video), at once when the video is ready; it reports whether
// the movie was attached now.
func (s *Store) AttachVideo(ctx context.Context, q sqldb.Querier, movieID, videoID string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO movie_videos (movie_id, current_video_id, latest_video_id, updated_at)
		VALUES (?, (SELECT id FROM videos WHERE id = ? AND state = ?), ?, ?)
		ON CONFLICT (movie_id) DO NOTHING`, movieID, videoID, StateReady, videoID, s.Engine().TimeArg(now))
	if err != nil {
		return false, fmt.Errorf("attach video %s to movie %s: %w", videoID, movieID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
