-- uploads gain the state completing: the one request that claimed the
-- completion of a fully received upload (probe, source into Storage, video
-- row) holds it, keeping updated_at fresh while it works; another request
-- seeing it answers the full offset instead of completing it again. SQLite
-- cannot alter a CHECK constraint, so the table is rebuilt.
CREATE TABLE uploads_new (
    id          TEXT PRIMARY KEY,
    movie_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    filename    TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL CHECK (state IN ('receiving', 'completing', 'completed', 'abandoned')),
    video_id    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO uploads_new (id, movie_id, user_id, size, filename, state, video_id, created_at, updated_at)
    SELECT id, movie_id, user_id, size, filename, state, video_id, created_at, updated_at FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_new RENAME TO uploads;
CREATE INDEX uploads_movie ON uploads (movie_id);
-- the expiry sweep looks for receiving uploads not touched for a while
CREATE INDEX uploads_state_touched ON uploads (state, updated_at);
