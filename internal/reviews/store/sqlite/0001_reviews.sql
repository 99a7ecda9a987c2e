-- Reviews tables, SQLite flavour. Timestamps are UTC text with fixed
-- microsecond precision (2006-01-02T15:04:05.000000Z), so they sort as time.
-- Flags (deleted) are INTEGER 0/1 on both engines, so the shared SQL can say
-- `deleted = 0`.

-- movies: what the reviews service knows of the catalog, from
-- catalog.movie.* events (the highest version wins). Version 0 marks a
-- placeholder written by the bulk import before the catalog's event arrived.
-- Rows are never removed: a deleted movie is a tombstone (deleted = 1).
CREATE TABLE movies (
    id      TEXT PRIMARY KEY,
    title   TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL
);

-- authors: users as identity announces them (identity.user.*), joined at read
-- time so a new display name shows on every review at once. Version 0 marks a
-- placeholder for a user who reviewed before identity's event arrived.
CREATE TABLE authors (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL
);

-- reviews: one per author and movie. Deleting a review removes its row.
CREATE TABLE reviews (
    id         TEXT PRIMARY KEY,
    movie_id   TEXT NOT NULL REFERENCES movies (id),
    author_id  TEXT NOT NULL REFERENCES authors (id),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 10),
    body       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (movie_id, author_id)
);
-- newest-first keyset pages per movie and per author
CREATE INDEX reviews_movie ON reviews (movie_id, created_at, id);
CREATE INDEX reviews_author ON reviews (author_id, created_at, id);

-- movie_ratings: the rating summary per movie, changed in the transaction of
-- every review write with relative updates (r7 = r7 + 1), so concurrent
-- writers never lose one. version: +1 on every change.
CREATE TABLE movie_ratings (
    movie_id     TEXT PRIMARY KEY,
    r1           INTEGER NOT NULL DEFAULT 0,
    r2           INTEGER NOT NULL DEFAULT 0,
    r3           INTEGER NOT NULL DEFAULT 0,
    r4           INTEGER NOT NULL DEFAULT 0,
    r5           INTEGER NOT NULL DEFAULT 0,
    r6           INTEGER NOT NULL DEFAULT 0,
    r7           INTEGER NOT NULL DEFAULT 0,
    r8           INTEGER NOT NULL DEFAULT 0,
    r9           INTEGER NOT NULL DEFAULT 0,
    r10          INTEGER NOT NULL DEFAULT 0,
    rating_sum   INTEGER NOT NULL DEFAULT 0,
    rating_count INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 0
);
