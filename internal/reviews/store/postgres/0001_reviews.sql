-- Reviews tables, PostgreSQL flavour. Ids use the "C" collation so keyset
-- pages come in the same (byte) order as on SQLite. Flags (deleted) are
-- SMALLINT 0/1 on both engines, so the shared SQL can say `deleted = 0`.

-- movies: what the reviews service knows of the catalog, from
-- catalog.movie.* events (the highest version wins). Version 0 marks a
-- placeholder written by the bulk import before the catalog's event arrived.
CREATE TABLE movies (
    id      TEXT COLLATE "C" PRIMARY KEY,
    title   TEXT NOT NULL,
    deleted SMALLINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL
);

-- authors: users as identity announces them (identity.user.*), joined at read time.
CREATE TABLE authors (
    id           TEXT COLLATE "C" PRIMARY KEY,
    display_name TEXT NOT NULL,
    deleted      SMALLINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL
);

-- reviews: one per author and movie. Deleting a review removes its row.
CREATE TABLE reviews (
    id         TEXT COLLATE "C" PRIMARY KEY,
    movie_id   TEXT COLLATE "C" NOT NULL REFERENCES movies (id),
    author_id  TEXT COLLATE "C" NOT NULL REFERENCES authors (id),
    rating     SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 10),
    body       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (movie_id, author_id)
);
CREATE INDEX reviews_movie ON reviews (movie_id, created_at, id);
CREATE INDEX reviews_author ON reviews (author_id, created_at, id);

-- movie_ratings: the rating summary per movie, changed with relative updates
-- in the transaction of every review write (the row lock of the upsert
-- serialises concurrent writers of one movie). version: +1 on every change.
CREATE TABLE movie_ratings (
    movie_id     TEXT COLLATE "C" PRIMARY KEY,
    r1           BIGINT NOT NULL DEFAULT 0,
    r2           BIGINT NOT NULL DEFAULT 0,
    r3           BIGINT NOT NULL DEFAULT 0,
    r4           BIGINT NOT NULL DEFAULT 0,
    r5           BIGINT NOT NULL DEFAULT 0,
    r6           BIGINT NOT NULL DEFAULT 0,
    r7           BIGINT NOT NULL DEFAULT 0,
    r8           BIGINT NOT NULL DEFAULT 0,
    r9           BIGINT NOT NULL DEFAULT 0,
    r10          BIGINT NOT NULL DEFAULT 0,
    rating_sum   BIGINT NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL DEFAULT 0
);
