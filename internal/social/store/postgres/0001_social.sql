-- Social tables, PostgreSQL flavour. Ids use the "C" collation so keyset
-- pages come in the same (byte) order as on SQLite. Flags (active, deleted)
-- are SMALLINT 0/1 on both engines, so the shared SQL can say `active = 1`.

-- users: as identity announces them (identity.user.*; the highest version
-- wins). Version 0 marks a placeholder for a user who followed someone
-- before identity's event arrived.
CREATE TABLE users (
    id           TEXT COLLATE "C" PRIMARY KEY,
    display_name TEXT NOT NULL,
    deleted      SMALLINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL
);

-- follows: one row per pair that ever followed; unfollowing clears active
-- and keeps the row, so the pair's version never goes back.
CREATE TABLE follows (
    follower_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    followee_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    active      SMALLINT NOT NULL,
    version     BIGINT NOT NULL,
    followed_at TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followers ON follows (followee_id, followed_at, follower_id) WHERE active = 1;
CREATE INDEX follows_following ON follows (follower_id, followed_at, followee_id) WHERE active = 1;

-- follow_counts: each user's counts, changed with relative updates (rows
-- locked in user id order) in the transaction of every follow change.
CREATE TABLE follow_counts (
    user_id         TEXT COLLATE "C" PRIMARY KEY,
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    counts_version  BIGINT NOT NULL DEFAULT 0
);

-- movies: titles and deletions from catalog.movie.* (the highest version wins).
CREATE TABLE movies (
    id      TEXT COLLATE "C" PRIMARY KEY,
    title   TEXT NOT NULL,
    deleted SMALLINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL
);

-- feed_reviews: the latest version of every review (reviews.review.*);
-- deleted ones stay as tombstones (deleted = 1, body cleared).
CREATE TABLE feed_reviews (
    id          TEXT COLLATE "C" PRIMARY KEY,
    movie_id    TEXT COLLATE "C" NOT NULL,
    movie_title TEXT NOT NULL,
    author_id   TEXT COLLATE "C" NOT NULL,
    author_name TEXT NOT NULL,
    rating      SMALLINT NOT NULL,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    deleted     SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX feed_reviews_author ON feed_reviews (author_id, created_at, id) WHERE deleted = 0;
