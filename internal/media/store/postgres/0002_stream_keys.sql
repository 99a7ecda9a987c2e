-- stream_keys: the HMAC keys of stream tokens when MARQUEE_STREAM_KEYS is
-- unset, so every media process on this database signs and verifies alike.
-- The newest signs; the others verify until their tokens have expired.
CREATE TABLE stream_keys (
    id         INTEGER PRIMARY KEY,
    secret     BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
