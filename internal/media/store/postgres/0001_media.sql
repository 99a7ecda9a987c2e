-- Media tables, PostgreSQL flavour. Timestamps are TIMESTAMPTZ; ids use the
-- "C" collation so pages sort as on SQLite. Flags are SMALLINT 0/1, numbers
-- that may be fractional DOUBLE PRECISION.

-- movies: the catalog's movies as its events announce them (the highest
-- version wins): uploads are accepted only for a movie that exists, and
-- continue-watching shows titles and posters without asking the catalog.
CREATE TABLE movies (
    id         TEXT COLLATE "C" PRIMARY KEY,
    title      TEXT NOT NULL,
    poster_url TEXT,
    deleted    SMALLINT NOT NULL DEFAULT 0,
    version    BIGINT NOT NULL
);

-- videos: one per finished upload (or demo attachment). state: uploaded →
-- processing → ready (playable: at least one rendition) | failed (error says
-- why). progress is the share of the whole job done (0–1), kept while the
-- rest of the ladder runs after the video became ready. Files live in
-- Storage under storage_prefix (the demo videos share one prefix).
CREATE TABLE videos (
    id               TEXT COLLATE "C" PRIMARY KEY,
    movie_id         TEXT NOT NULL,
    upload_id        TEXT,
    state            TEXT NOT NULL CHECK (state IN ('uploaded', 'processing', 'ready', 'failed')),
    progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
    duration_seconds DOUBLE PRECISION,
    source_width     INTEGER,
    source_height    INTEGER,
    source_codec     TEXT,
    storage_prefix   TEXT NOT NULL,
    has_poster       SMALLINT NOT NULL DEFAULT 0,
    has_thumbnails   SMALLINT NOT NULL DEFAULT 0,
    complete         SMALLINT NOT NULL DEFAULT 0, -- every rung of the ladder is there
    error            TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0, -- transcode runs started
    version          BIGINT NOT NULL,           -- +1 on every change (events carry it)
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    ready_at         TIMESTAMPTZ
);
CREATE INDEX videos_movie ON videos (movie_id, created_at);

-- movie_videos: which video a movie plays (current: the newest ready one,
-- replaced only when a newer upload is ready) and its newest upload.
CREATE TABLE movie_videos (
    movie_id         TEXT COLLATE "C" PRIMARY KEY,
    current_video_id TEXT REFERENCES videos (id),
    latest_video_id  TEXT NOT NULL REFERENCES videos (id),
    updated_at       TIMESTAMPTZ NOT NULL
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
    id          TEXT COLLATE "C" PRIMARY KEY,
    movie_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    size        BIGINT NOT NULL,
    filename    TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL CHECK (state IN ('receiving', 'completed', 'abandoned')),
    video_id    TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX uploads_movie ON uploads (movie_id);

-- playback_sessions: a viewer's stream lease. Active while ended_at is NULL
-- and last_seen_at is recent; heartbeats move last_seen_at and the position.
CREATE TABLE playback_sessions (
    id               TEXT COLLATE "C" PRIMARY KEY,
    user_id          TEXT NOT NULL,
    movie_id         TEXT NOT NULL,
    video_id         TEXT NOT NULL,
    max_height       INTEGER NOT NULL,
    position_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    started_at       TIMESTAMPTZ NOT NULL,
    last_seen_at     TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    ended_at         TIMESTAMPTZ,
    end_reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX playback_sessions_user_active ON playback_sessions (user_id, last_seen_at) WHERE ended_at IS NULL;

-- watch_positions: where each user stopped in each movie (continue watching).
CREATE TABLE watch_positions (
    user_id          TEXT NOT NULL,
    movie_id         TEXT NOT NULL,
    position_seconds DOUBLE PRECISION NOT NULL,
    duration_seconds DOUBLE PRECISION NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);
CREATE INDEX watch_positions_recent ON watch_positions (user_id, updated_at);
