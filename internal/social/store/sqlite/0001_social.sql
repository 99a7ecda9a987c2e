-- Social tables, SQLite flavour. Timestamps are UTC text with fixed
-- microsecond precision (2006-01-02T15:04:05.000000Z), so they sort as time.
-- Flags (active, deleted) are INTEGER 0/1 on both engines, so the shared SQL
-- can say `active = 1`.

-- users: as identity announces them (identity.user.*; the highest version
-- wins), joined at read time for display names. Version 0 marks a
-- placeholder for a user who followed someone before identity's event arrived.
CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL
);

-- follows: one row per pair that ever followed; unfollowing clears active
-- and keeps the row, so the pair's version never goes back.
CREATE TABLE follows (
    follower_id TEXT NOT NULL REFERENCES users (id),
    followee_id TEXT NOT NULL REFERENCES users (id),
    active      INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    followed_at TEXT NOT NULL,  -- when the current (or last) follow began
    updated_at  TEXT NOT NULL,  -- when the pair last changed (the unfollow time when inactive)
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
-- newest-first keyset pages of followers and following
CREATE INDEX follows_followers ON follows (followee_id, followed_at, follower_id) WHERE active = 1;
CREATE INDEX follows_following ON follows (follower_id, followed_at, followee_id) WHERE active = 1;

-- follow_counts: each user's counts, changed with relative updates in the
-- transaction of every follow change. counts_version: +1 on every change.
CREATE TABLE follow_counts (
    user_id         TEXT PRIMARY KEY,
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0,
    counts_version  INTEGER NOT NULL DEFAULT 0
);

-- movies: titles and deletions from catalog.movie.* (the highest version wins).
CREATE TABLE movies (
    id      TEXT PRIMARY KEY,
    title   TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL
);

-- feed_reviews: the latest version of every review (reviews.review.*). A
-- deleted review stays as a tombstone (deleted = 1, body cleared) so that a
-- late older event cannot bring it back.
CREATE TABLE feed_reviews (
    id          TEXT PRIMARY KEY,
    movie_id    TEXT NOT NULL,
    movie_title TEXT NOT NULL, -- as the event had it; the movies table's title wins when known
    author_id   TEXT NOT NULL,
    author_name TEXT NOT NULL, -- as the event had it; the users table's name wins when known
    rating      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feed_reviews_author ON feed_reviews (author_id, created_at, id) WHERE deleted = 0;
