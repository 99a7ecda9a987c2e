-- follow_counts: each user's follower and following counts as the social
-- service last announced them (social.follow.* events carry absolute counts
-- and a per-user counts_version; older versions are ignored).
CREATE TABLE follow_counts (
    user_id         TEXT PRIMARY KEY,
    followers_count INTEGER NOT NULL,
    following_count INTEGER NOT NULL,
    counts_version  BIGINT NOT NULL
);
