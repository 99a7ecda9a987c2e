-- Catalog tables, PostgreSQL flavour. Sort keys use the "C" collation so
-- pages come in the same (byte) order as on SQLite. Dates (release_date,
-- birth_date) are YYYY-MM-DD text, '' when unknown, as on SQLite.

CREATE TABLE genres (
    id   TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE movies (
    id              TEXT COLLATE "C" PRIMARY KEY,
    title           TEXT NOT NULL,
    title_key       TEXT COLLATE "C" NOT NULL,
    original_title  TEXT NOT NULL DEFAULT '',
    overview        TEXT NOT NULL DEFAULT '',
    release_date    TEXT COLLATE "C" NOT NULL DEFAULT '',
    runtime_minutes INTEGER,
    maturity_rating TEXT NOT NULL DEFAULT '',
    languages       TEXT NOT NULL DEFAULT '[]',
    poster_url      TEXT NOT NULL DEFAULT '',
    import_key      TEXT UNIQUE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    deleted_at      TIMESTAMPTZ
);
CREATE INDEX movies_title ON movies (title_key, id);
CREATE INDEX movies_release ON movies (release_date, title_key, id);
CREATE INDEX movies_created ON movies (created_at, id);

CREATE TABLE people (
    id              TEXT COLLATE "C" PRIMARY KEY,
    name            TEXT NOT NULL,
    name_key        TEXT COLLATE "C" NOT NULL,
    birth_date      TEXT NOT NULL DEFAULT '',
    nationality     TEXT NOT NULL DEFAULT '',
    biography       TEXT NOT NULL DEFAULT '',
    photo_url       TEXT NOT NULL DEFAULT '',
    listed_as_actor BOOLEAN NOT NULL DEFAULT FALSE,
    import_key      TEXT UNIQUE,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    deleted_at      TIMESTAMPTZ
);
CREATE INDEX people_name ON people (name_key, id);
CREATE INDEX people_created ON people (created_at, id);

CREATE TABLE movie_genres (
    movie_id TEXT NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    genre_id TEXT NOT NULL REFERENCES genres (id),
    seq      INTEGER NOT NULL,
    PRIMARY KEY (movie_id, genre_id)
);
CREATE INDEX movie_genres_genre ON movie_genres (genre_id, movie_id);

CREATE TABLE credits (
    movie_id       TEXT NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('cast', 'crew')),
    seq            INTEGER NOT NULL,
    person_id      TEXT NOT NULL REFERENCES people (id),
    character_name TEXT NOT NULL DEFAULT '',
    job            TEXT NOT NULL DEFAULT '',
    billing_order  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (movie_id, kind, seq)
);
CREATE INDEX credits_person ON credits (person_id, kind);
