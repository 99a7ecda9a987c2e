-- Ties in every sort break by title, A to Z, whichever way the sort goes
-- (then by id). A descending sort reads its key descending and the title
-- ascending, so its index is declared that way. (Numbered 0003 at first,
-- beside 0003_plans, so it was skipped where plans ran first: written to
-- run again on a schema that has it.)
DROP INDEX IF EXISTS browse_movies_year_desc;
DROP INDEX IF EXISTS browse_movies_year_asc;
DROP INDEX IF EXISTS browse_movies_rating_desc;
DROP INDEX IF EXISTS browse_movies_rating_asc;
DROP INDEX IF EXISTS browse_movies_popularity;
DROP INDEX IF EXISTS browse_movies_created;
CREATE INDEX IF NOT EXISTS browse_movies_year_desc ON browse_movies (release_key DESC, title_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_movies_year_asc ON browse_movies (release_asc_key, title_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_movies_rating_desc ON browse_movies (rating_hi DESC, title_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_movies_rating_asc ON browse_movies (rating_lo, title_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_movies_popularity_desc ON browse_movies (rating_count DESC, title_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_movies_popularity_asc ON browse_movies (rating_count, title_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_movies_created_desc ON browse_movies (created_key DESC, title_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_movies_created_asc ON browse_movies (created_key, title_key, id) WHERE live = 1;

DROP INDEX IF EXISTS browse_movie_genres_year_desc;
DROP INDEX IF EXISTS browse_movie_genres_year_asc;
DROP INDEX IF EXISTS browse_movie_genres_rating_desc;
DROP INDEX IF EXISTS browse_movie_genres_rating_asc;
DROP INDEX IF EXISTS browse_movie_genres_popularity;
DROP INDEX IF EXISTS browse_movie_genres_created;
CREATE INDEX IF NOT EXISTS browse_movie_genres_year_desc ON browse_movie_genres (genre_id, release_key DESC, title_key, movie_id);
CREATE INDEX IF NOT EXISTS browse_movie_genres_year_asc ON browse_movie_genres (genre_id, release_asc_key, title_key, movie_id);
CREATE INDEX IF NOT EXISTS browse_movie_genres_rating_desc ON browse_movie_genres (genre_id, rating_hi DESC, title_key, movie_id);
CREATE INDEX IF NOT EXISTS browse_movie_genres_rating_asc ON browse_movie_genres (genre_id, rating_lo, title_key, movie_id);
CREATE INDEX IF NOT EXISTS browse_movie_genres_popularity_desc ON browse_movie_genres (genre_id, rating_count DESC, title_key, movie_id);
CREATE INDEX IF NOT EXISTS browse_movie_genres_popularity_asc ON browse_movie_genres (genre_id, rating_count, title_key, movie_id);
CREATE INDEX IF NOT EXISTS browse_movie_genres_created_desc ON browse_movie_genres (genre_id, created_key DESC, title_key, movie_id);
CREATE INDEX IF NOT EXISTS browse_movie_genres_created_asc ON browse_movie_genres (genre_id, created_key, title_key, movie_id);

DROP INDEX IF EXISTS browse_people_created;
CREATE INDEX IF NOT EXISTS browse_people_created_desc ON browse_people (created_key DESC, name_key, id) WHERE live = 1;
CREATE INDEX IF NOT EXISTS browse_people_created_asc ON browse_people (created_key, name_key, id) WHERE live = 1;
