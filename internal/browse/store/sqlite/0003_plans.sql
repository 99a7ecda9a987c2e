-- What billing's plans offer (billing.movie.plans_changed) and which plan
-- each user's subscription gives (billing.subscription.*), for plans[] on
-- movie documents and GET /api/movies?available=true. Highest version wins.
CREATE TABLE browse_movie_plans (
    movie_id TEXT PRIMARY KEY,
    plan_ids TEXT NOT NULL, -- JSON array, sorted
    version  INTEGER NOT NULL
);
CREATE TABLE browse_plan_movies (
    plan_id  TEXT NOT NULL,
    movie_id TEXT NOT NULL,
    PRIMARY KEY (plan_id, movie_id)
);
CREATE INDEX browse_plan_movies_movie ON browse_plan_movies (movie_id);
CREATE TABLE browse_user_plans (
    user_id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL,
    active  INTEGER NOT NULL,
    version INTEGER NOT NULL
);
