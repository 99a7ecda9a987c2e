-- Media tables, SQLite flavour. Timestamps are UTC text with fixed
-- microsecond precision (sqldb.TimeLayout), so they sort as time. Flags are
-- INTEGER 0/1 on both engines.

-- movies: the catalog's movies as its events announce them (the highest
-- version wins): uploads are accepted only for a movie that exists, and
-- continue-watching shows titles and posters without asking the catalog.
CREATE TABLE movies (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    poster_url TEXT,
    deleted    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL
);

-- videos: one per finished upload (or demo attachment). state: uploaded →
-- processing → ready (playable: at least one rendition) | failed (error says
-- why). progress is the share of the whole job done (0–1), kept while the
-- rest of the ladder runs after the video became ready. Files live in
-- Storage under storage_prefix (the demo videos share one prefix).
CREATE TABLE videos (
    id               TEXT PRIMARY KEY,
    movie_id         TEXT NOT NULL,
    upload_id        TEXT,
    state            TEXT NOT NULL CHECK (state IN ('uploaded', 'processing', 'ready', 'failed')),
    progress         REAL NOT NULL DEFAULT 0,
    duration_seconds REAL,
    source_width     INTEGER,
    source_height    INTEGER,
    source_codec     TEXT,
    storage_prefix   TEXT NOT NULL,
    has_poster       INTEGER NOT NULL DEFAULT 0,
    has_thumbnails   INTEGER NOT NULL DEFAULT 0,
    complete         INTEGER NOT NULL DEFAULT 0, -- every rung of the ladder is there
    error            TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0, -- transcode runs started
    version          INTEGER NOT NULL,           -- +1 on every change (events carry it)
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    ready_at         TEXT
);
CREATE INDEX videos_movie ON videos (movie_id, created_at);

-- movie_videos: which video a movie plays (current: the newest ready one,
-- replaced only when a newer upload is ready) and its newest upload.
CREATE TABLE movie_videos (
    movie_id         TEXT PRIMARY KEY,
    current_video_id TEXT REFERENCES videos (id),
    latest_video_id  TEXT NOT NULL REFERENCES videos (id),
    updated_at       TEXT NOT NULL
);

-- renditions: the rungs of a video's ladder that are complete, each with
-- what the master playlist says of it.
CREATE TABLE renditions (
    video_id  TEXT NOT NULL REFERENCES videos (id),
    height    INTEGER NOT NULL,
    width     INTEGER NOT NULL,
    bandwidth INTEGER NOT NULL,
    average_bandwidth INTEGER NOT NULL,
    codecs    TEXT NOT NULL,
    PRIMARY KEY (video_id, height)
);

-- uploads: tus uploads in progress or done; tusd keeps the bytes and the
-- offset, this row binds the upload to its movie and its uploader.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    movie_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    filename    TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL CHECK (state IN ('receiving', 'completed', 'abandoned')),
    video_id    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX uploads_movie ON uploads (movie_id);

-- playback_sessions: a viewer's stream lease. Active while ended_at is NULL
-- and last_seen_at is recent; heartbeats move last_seen_at and the position.
CREATE TABLE playback_sessions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    movie_id         TEXT NOT NULL,
    video_id         TEXT NOT NULL,
    max_height       INTEGER NOT NULL,
    position_seconds REAL NOT NULL DEFAULT 0,
    started_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    ended_at         TEXT,
    end_reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX playback_sessions_user_active ON playback_sessions (user_id, last_seen_at) WHERE ended_at IS NULL;

-- watch_positions: where each user stopped in each movie (continue watching).
CREATE TABLE watch_positions (
    user_id          TEXT NOT NULL,
    movie_id         TEXT NOT NULL,
    position_seconds REAL NOT NULL,
    duration_seconds REAL NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);
CREATE INDEX watch_positions_recent ON watch_positions (user_id, updated_at);
