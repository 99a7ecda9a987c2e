-- The browse read model, SQLite flavour. Every row is derived from events
-- (catalog.movie.*, catalog.person.*, reviews.movie.rating_changed) and can
-- be rebuilt from the streams. Sort keys are text compared byte-wise;
-- timestamps are fixed-width UTC text, so they sort as time.

-- Small rows live in WITHOUT ROWID tables (one b-tree, clustered by the key).

-- browse_movies: one row per movie id seen in any event. A row with
-- version 0 only holds a rating summary that arrived before the movie
-- (kept so it is not lost); live = 1 means known and not soft-deleted:
-- only live rows are listed. The row holds sort keys and aggregates only,
-- so it stays narrow: the documents are in browse_movie_docs.
CREATE TABLE browse_movies (
    id              TEXT PRIMARY KEY,
    version         INTEGER NOT NULL DEFAULT 0,
    live            INTEGER NOT NULL DEFAULT 0,
    title           TEXT NOT NULL DEFAULT '',
    title_key       TEXT NOT NULL DEFAULT '',   -- lower-cased title
    release_key     TEXT NOT NULL DEFAULT '',   -- YYYY-MM-DD, '' when unknown (year, newest first)
    release_asc_key TEXT NOT NULL DEFAULT '~',  -- YYYY-MM-DD, '~' when unknown (year, oldest first)
    created_key     TEXT NOT NULL DEFAULT '',
    rating_version  INTEGER NOT NULL DEFAULT 0,
    rating_count    INTEGER NOT NULL DEFAULT 0,
    rating_sum      INTEGER NOT NULL DEFAULT 0,
    rating_hi       REAL NOT NULL DEFAULT -1,   -- average, -1 when unrated (rating, best first)
    rating_lo       REAL NOT NULL DEFAULT 99,   -- average, 99 when unrated (rating, worst first)
    histogram       TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX browse_movies_title ON browse_movies (title_key, id) WHERE live = 1;
CREATE INDEX browse_movies_year_desc ON browse_movies (release_key, title_key, id) WHERE live = 1;
CREATE INDEX browse_movies_year_asc ON browse_movies (release_asc_key, title_key, id) WHERE live = 1;
CREATE INDEX browse_movies_rating_desc ON browse_movies (rating_hi, id) WHERE live = 1;
CREATE INDEX browse_movies_rating_asc ON browse_movies (rating_lo, id) WHERE live = 1;
CREATE INDEX browse_movies_popularity ON browse_movies (rating_count, id) WHERE live = 1;
CREATE INDEX browse_movies_created ON browse_movies (created_key, id) WHERE live = 1;

-- browse_top: the live movies with at least one rating, and their weighted
-- rating wr = (v·R + m·C)/(v + m) (top rated). Narrow, so recomputing every
-- wr when C drifts rewrites little.
CREATE TABLE browse_top (
    movie_id     TEXT PRIMARY KEY,
    rating_count INTEGER NOT NULL,
    rating_avg   REAL NOT NULL,
    wr           REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX browse_top_wr ON browse_top (wr, movie_id);

-- browse_movie_docs: the public document of GET /api/movies/{id} (rating
-- summary included) and the list item of every known movie.
CREATE TABLE browse_movie_docs (
    id      TEXT PRIMARY KEY,
    doc     TEXT NOT NULL,
    summary TEXT NOT NULL
);

-- browse_movie_genres: genre membership of live movies, with copies of the
-- sort keys so a genre's page is one ordered index range.
CREATE TABLE browse_movie_genres (
    movie_id        TEXT NOT NULL,
    genre_id        TEXT NOT NULL,
    title_key       TEXT NOT NULL,
    release_key     TEXT NOT NULL,
    release_asc_key TEXT NOT NULL,
    created_key     TEXT NOT NULL,
    rating_count    INTEGER NOT NULL,
    rating_hi       REAL NOT NULL,
    rating_lo       REAL NOT NULL,
    PRIMARY KEY (movie_id, genre_id)
) WITHOUT ROWID;
CREATE INDEX browse_movie_genres_title ON browse_movie_genres (genre_id, title_key, movie_id);
CREATE INDEX browse_movie_genres_year_desc ON browse_movie_genres (genre_id, release_key, title_key, movie_id);
CREATE INDEX browse_movie_genres_year_asc ON browse_movie_genres (genre_id, release_asc_key, title_key, movie_id);
CREATE INDEX browse_movie_genres_rating_desc ON browse_movie_genres (genre_id, rating_hi, movie_id);
CREATE INDEX browse_movie_genres_rating_asc ON browse_movie_genres (genre_id, rating_lo, movie_id);
CREATE INDEX browse_movie_genres_popularity ON browse_movie_genres (genre_id, rating_count, movie_id);
CREATE INDEX browse_movie_genres_created ON browse_movie_genres (genre_id, created_key, movie_id);

-- browse_genres: every genre seen in a movie document; movie_count counts live movies.
CREATE TABLE browse_genres (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    movie_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX browse_genres_slug ON browse_genres (slug);

-- browse_credits: cast and crew of live movies (filmographies, actors, the person filter).
CREATE TABLE browse_credits (
    movie_id       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    person_id      TEXT NOT NULL,
    character_name TEXT NOT NULL DEFAULT '',
    job            TEXT NOT NULL DEFAULT '',
    billing_order  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (movie_id, kind, seq)
) WITHOUT ROWID;
CREATE INDEX browse_credits_person ON browse_credits (person_id, kind, movie_id);

-- browse_people: doc is the list item (the person without filmography).
CREATE TABLE browse_people (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    live        INTEGER NOT NULL,
    name_key    TEXT NOT NULL,
    created_key TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX browse_people_name ON browse_people (name_key, id) WHERE live = 1;
CREATE INDEX browse_people_created ON browse_people (created_key, id) WHERE live = 1;

-- browse_stats: the one row of aggregates behind the weighted rating.
-- rating_sum/rating_count add up every rating of live movies (C is their
-- mean); c_used and m_used are what the stored wr values were computed with.
CREATE TABLE browse_stats (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    rating_sum   INTEGER NOT NULL,
    rating_count INTEGER NOT NULL,
    c_used       REAL NOT NULL,
    m_used       INTEGER NOT NULL
);
INSERT INTO browse_stats (id, rating_sum, rating_count, c_used, m_used) VALUES (1, 0, 0, 0, 0);

-- browse_search: one entry per live movie and person; text is the folded,
-- tokenised title (and original title) or name; item the encoded result.
-- browse_search_fts indexes text and kind for prefix queries. Its rowid is
-- key plus the entry's popularity rank in the high bits,
-- (63 - bit length of popularity) << 40 | key, so the most popular matches
-- come first in rowid order and a query stops after the ones it ranks.
CREATE TABLE browse_search (
    key        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    text       TEXT NOT NULL,
    popularity INTEGER NOT NULL DEFAULT 0,
    item       TEXT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE VIRTUAL TABLE browse_search_fts USING fts5 (
    text,
    kind,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
