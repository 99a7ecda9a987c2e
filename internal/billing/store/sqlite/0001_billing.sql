-- Billing tables, SQLite flavour. Timestamps are UTC text with fixed
-- microsecond precision (2006-01-02T15:04:05.000000Z), so they sort as time.
-- Flags are INTEGER 0/1 on both engines.

-- plans: what a subscription gives. Archived plans take no new orders.
CREATE TABLE plans (
    id                  TEXT PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    price_amount        INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    billing_interval    TEXT NOT NULL,
    max_height          INTEGER NOT NULL,
    max_streams         INTEGER NOT NULL,
    includes_new_titles INTEGER NOT NULL,
    archived_at         TEXT,
    version             INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- movies: as the catalog announces them (catalog.movie.*; the highest version
-- wins). offers_version: +1 on every change of the movie's plans.
CREATE TABLE movies (
    id             TEXT PRIMARY KEY,
    deleted        INTEGER NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL,
    offers_version INTEGER NOT NULL DEFAULT 0
);

-- movie_plans: which plans offer which movies.
CREATE TABLE movie_plans (
    movie_id TEXT NOT NULL REFERENCES movies (id),
    plan_id  TEXT NOT NULL REFERENCES plans (id),
    PRIMARY KEY (movie_id, plan_id)
);
CREATE INDEX movie_plans_plan ON movie_plans (plan_id, movie_id);

-- orders: the saga's state. status only moves forward (the store's updates
-- say which status they move from).
CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    plan_id         TEXT NOT NULL REFERENCES plans (id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'completed', 'cancelled', 'refunded')),
    amount          INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    provider        TEXT NOT NULL,
    session_id      TEXT,
    checkout_url    TEXT,
    payment_ref     TEXT,       -- the provider's payment id, once paid
    refund_ref      TEXT,       -- the provider's refund id, once refunded
    failure_reason  TEXT,
    idempotency_key TEXT,
    version         INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX orders_idempotency ON orders (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX orders_user ON orders (user_id, created_at, id);

-- payments: money the providers moved, as billing booked it. At most one
-- charge and one refund per order.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('charge', 'refund', 'renewal')),
    order_id        TEXT,
    subscription_id TEXT,
    provider        TEXT NOT NULL,
    provider_ref    TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (provider, kind, provider_ref)
);
CREATE UNIQUE INDEX payments_order ON payments (order_id, kind) WHERE order_id IS NOT NULL;

-- subscriptions: one row per user, reused when they subscribe again.
CREATE TABLE subscriptions (
    id                   TEXT PRIMARY KEY,
    user_id              TEXT NOT NULL UNIQUE,
    plan_id              TEXT NOT NULL REFERENCES plans (id),
    status               TEXT NOT NULL CHECK (status IN ('active', 'past_due', 'canceled', 'expired')),
    current_period_start TEXT NOT NULL,
    current_period_end   TEXT NOT NULL,
    cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
    grace_until          TEXT,
    version              INTEGER NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- webhook_events: every provider event applied, recorded in the transaction
-- of its effect, so a redelivery has none.
CREATE TABLE webhook_events (
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- jobs: durable work (saga steps, renewals, the sandbox's expiries and
-- webhook deliveries). A claimed job's run_at moves to the end of its lease,
-- so a crashed worker's job runs again; done_at is set in the transaction of
-- the job's effect. dedupe_key makes scheduling idempotent.
CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload    TEXT NOT NULL,
    run_at     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    done_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE done_at IS NULL;

-- The built-in sandbox payment provider keeps its own books here: checkout
-- sessions, saved methods, charges and refunds (each unique by its
-- idempotency key, and at most one refund per charge).
CREATE TABLE sandbox_sessions (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    title      TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('open', 'paid', 'declined', 'expired')),
    charge_id  TEXT,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE sandbox_customers (
    user_id           TEXT PRIMARY KEY,
    fail_next_renewal INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sandbox_charges (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    succeeded       INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE TABLE sandbox_refunds (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    charge_id       TEXT NOT NULL UNIQUE REFERENCES sandbox_charges (id),
    amount          INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);

-- settings: values generated once and kept (the sandbox's webhook secret).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
