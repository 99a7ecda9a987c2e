-- The top-rated list breaks ties of the weighted rating by title, A to Z,
-- then by id, like every other sort: its rows carry the title key.
ALTER TABLE browse_top ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
UPDATE browse_top SET title_key = COALESCE((SELECT m.title_key FROM browse_movies m WHERE m.id = browse_top.movie_id), '');
DROP INDEX browse_top_wr;
CREATE INDEX browse_top_wr ON browse_top (wr DESC, title_key, movie_id);
