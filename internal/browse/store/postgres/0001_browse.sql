-- The browse read model, PostgreSQL flavour (see the SQLite file for what
-- each table holds). Sort keys use the "C" collation so pages come in the
-- same byte order as on SQLite; timestamps are kept as the same fixed-width
-- UTC text, so cursors look the same on both engines.

CREATE TABLE browse_movies (
    id              TEXT COLLATE "C" PRIMARY KEY,
    version         BIGINT NOT NULL DEFAULT 0,
    live            INTEGER NOT NULL DEFAULT 0,
    title           TEXT NOT NULL DEFAULT '',
    title_key       TEXT COLLATE "C" NOT NULL DEFAULT '',
    release_key     TEXT COLLATE "C" NOT NULL DEFAULT '',
    release_asc_key TEXT COLLATE "C" NOT NULL DEFAULT '~',
    created_key     TEXT COLLATE "C" NOT NULL DEFAULT '',
    rating_version  BIGINT NOT NULL DEFAULT 0,
    rating_count    INTEGER NOT NULL DEFAULT 0,
    rating_sum      BIGINT NOT NULL DEFAULT 0,
    rating_hi       DOUBLE PRECISION NOT NULL DEFAULT -1,
    rating_lo       DOUBLE PRECISION NOT NULL DEFAULT 99,
    histogram       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX browse_movies_title ON browse_movies (title_key, id) WHERE live = 1;
CREATE INDEX browse_movies_year_desc ON browse_movies (release_key, title_key, id) WHERE live = 1;
CREATE INDEX browse_movies_year_asc ON browse_movies (release_asc_key, title_key, id) WHERE live = 1;
CREATE INDEX browse_movies_rating_desc ON browse_movies (rating_hi, id) WHERE live = 1;
CREATE INDEX browse_movies_rating_asc ON browse_movies (rating_lo, id) WHERE live = 1;
CREATE INDEX browse_movies_popularity ON browse_movies (rating_count, id) WHERE live = 1;
CREATE INDEX browse_movies_created ON browse_movies (created_key, id) WHERE live = 1;

CREATE TABLE browse_top (
    movie_id     TEXT COLLATE "C" PRIMARY KEY,
    rating_count INTEGER NOT NULL,
    rating_avg   DOUBLE PRECISION NOT NULL,
    wr           DOUBLE PRECISION NOT NULL
);
CREATE INDEX browse_top_wr ON browse_top (wr, movie_id);

CREATE TABLE browse_movie_docs (
    id      TEXT COLLATE "C" PRIMARY KEY,
    doc     TEXT NOT NULL,
    summary TEXT NOT NULL
);

CREATE TABLE browse_movie_genres (
    movie_id        TEXT COLLATE "C" NOT NULL,
    genre_id        TEXT COLLATE "C" NOT NULL,
    title_key       TEXT COLLATE "C" NOT NULL,
    release_key     TEXT COLLATE "C" NOT NULL,
    release_asc_key TEXT COLLATE "C" NOT NULL,
    created_key     TEXT COLLATE "C" NOT NULL,
    rating_count    INTEGER NOT NULL,
    rating_hi       DOUBLE PRECISION NOT NULL,
    rating_lo       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (movie_id, genre_id)
);
CREATE INDEX browse_movie_genres_title ON browse_movie_genres (genre_id, title_key, movie_id);
CREATE INDEX browse_movie_genres_year_desc ON browse_movie_genres (genre_id, release_key, title_key, movie_id);
CREATE INDEX browse_movie_genres_year_asc ON browse_movie_genres (genre_id, release_asc_key, title_key, movie_id);
CREATE INDEX browse_movie_genres_rating_desc ON browse_movie_genres (genre_id, rating_hi, movie_id);
CREATE INDEX browse_movie_genres_rating_asc ON browse_movie_genres (genre_id, rating_lo, movie_id);
CREATE INDEX browse_movie_genres_popularity ON browse_movie_genres (genre_id, rating_count, movie_id);
CREATE INDEX browse_movie_genres_created ON browse_movie_genres (genre_id, created_key, movie_id);

CREATE TABLE browse_genres (
    id          TEXT COLLATE "C" PRIMARY KEY,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    movie_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX browse_genres_slug ON browse_genres (slug);

CREATE TABLE browse_credits (
    movie_id       TEXT COLLATE "C" NOT NULL,
    kind           TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    person_id      TEXT COLLATE "C" NOT NULL,
    character_name TEXT NOT NULL DEFAULT '',
    job            TEXT NOT NULL DEFAULT '',
    billing_order  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (movie_id, kind, seq)
);
CREATE INDEX browse_credits_person ON browse_credits (person_id, kind, movie_id);

CREATE TABLE browse_people (
    id          TEXT COLLATE "C" PRIMARY KEY,
    version     BIGINT NOT NULL,
    live        INTEGER NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL,
    created_key TEXT COLLATE "C" NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX browse_people_name ON browse_people (name_key, id) WHERE live = 1;
CREATE INDEX browse_people_created ON browse_people (created_key, id) WHERE live = 1;

CREATE TABLE browse_stats (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    rating_sum   BIGINT NOT NULL,
    rating_count BIGINT NOT NULL,
    c_used       DOUBLE PRECISION NOT NULL,
    m_used       INTEGER NOT NULL
);
INSERT INTO browse_stats (id, rating_sum, rating_count, c_used, m_used) VALUES (1, 0, 0, 0, 0);

-- Search: full-text (tsvector, 'simple' configuration: no stemming, the
-- text is already folded) for word-prefix matches, and, where the pg_trgm
-- extension can be had, a trigram index for typo tolerance.
CREATE TABLE browse_search (
    kind       TEXT COLLATE "C" NOT NULL,
    ref_id     TEXT COLLATE "C" NOT NULL,
    text       TEXT NOT NULL,
    tsv        tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
    popularity INTEGER NOT NULL DEFAULT 0,
    item       TEXT NOT NULL,
    PRIMARY KEY (kind, ref_id)
);
CREATE INDEX browse_search_tsv ON browse_search USING gin (tsv);
-- the popular slice: a broad query finds its most popular matches here
-- without visiting every match (see the store's SearchCandidates)
CREATE INDEX browse_search_tsv_popular ON browse_search USING gin (tsv) WHERE popularity >= 8;

-- pg_trgm lives in one schema per database (public here when this role may
-- create it; a DBA may have installed it elsewhere). Without it search
-- still works, only without typo tolerance: the store looks for the index.
DO $$
DECLARE
    ext_schema text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%): search without typo tolerance', SQLERRM;
    END;
    SELECT n.nspname INTO ext_schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX browse_search_trgm ON browse_search USING gin (text %I.gin_trgm_ops)', ext_schema);
    END IF;
END
$$;
