-- The top-rated list breaks ties of the weighted rating by title, A to Z,
-- then by id, like every other sort: its rows carry the title key.
ALTER TABLE browse_top ADD COLUMN title_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE browse_top t SET title_key = m.title_key FROM browse_movies m WHERE m.id = t.movie_id;
DROP INDEX browse_top_wr;
CREATE INDEX browse_top_wr ON browse_top (wr DESC, title_key, movie_id);
