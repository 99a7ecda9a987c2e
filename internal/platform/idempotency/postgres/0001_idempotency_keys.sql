-- idempotency_keys: what a create answered for an Idempotency-Key, written in
-- the transaction of the create itself, so a retry finds either nothing
-- (nothing was created) or the first answer. Keys are per user.
CREATE TABLE idempotency_keys (
    user_id     TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
