-- What a "My list" card shows besides the title: the year and poster from
-- catalog.movie.* (rows stored before this migration get them at the movie's
-- next catalog event), and the rating summary from reviews.movie.rating_changed.
ALTER TABLE movies ADD COLUMN release_date TEXT;
ALTER TABLE movies ADD COLUMN poster_url TEXT;

-- movie_ratings: each movie's rating summary (the highest version wins); a
-- movie nobody rated has no row. Kept apart from movies, since a rating may
-- arrive before the movie's own event.
CREATE TABLE movie_ratings (
    movie_id TEXT COLLATE "C" PRIMARY KEY,
    average  DOUBLE PRECISION,
    count    INTEGER NOT NULL,
    version  BIGINT NOT NULL
);
