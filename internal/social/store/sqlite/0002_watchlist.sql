-- watchlist: the movies each user keeps to watch later ("My list"). A row is
-- the movie being on the list; removing it deletes the row. Movies the
-- catalog deleted stay here but are left out of reads (see movies.deleted).
CREATE TABLE watchlist (
    user_id  TEXT NOT NULL,
    movie_id TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);
-- newest-first keyset pages of a user's list
CREATE INDEX watchlist_newest ON watchlist (user_id, added_at, movie_id);
