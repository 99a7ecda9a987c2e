-- Event tables every service keeps in its own database (or schema) (DESIGN.md §3).

-- outbox: events written in the same transaction as the state change; the
-- relay publishes them in id order and marks published_at after the ack.
CREATE TABLE outbox (
    id           BIGSERIAL PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    subject      TEXT NOT NULL,
    envelope     TEXT NOT NULL,
    headers      TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);
-- the relay's claim query and the backlog metric only look at unpublished rows
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
-- the relay's purge of old published rows
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;

-- inbox: one row per event a consumer has applied, written in the handler's
-- transaction, so a redelivered event is recognised and skipped.
CREATE TABLE inbox (
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- dead_letters: events a consumer gave up on, with the reason, for admins.
CREATE TABLE dead_letters (
    id        BIGSERIAL PRIMARY KEY,
    consumer  TEXT NOT NULL,
    event_id  TEXT NOT NULL,
    subject   TEXT NOT NULL,
    envelope  TEXT NOT NULL,
    reason    TEXT NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 0,
    failed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (consumer, event_id)
);
CREATE INDEX dead_letters_failed_at ON dead_letters (failed_at);
