-- Notify tables, SQLite flavour. Timestamps are UTC text with fixed
-- microsecond precision (2006-01-02T15:04:05.000000Z), so they sort as time.
-- Flags are INTEGER 0/1 on both engines.

-- users: notify's own copy of identity's users (identity.user.*; the highest
-- version wins) and their notification settings. Version 0 is a placeholder
-- for a user who changed settings before identity's event arrived.
CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL DEFAULT '',
    display_name        TEXT NOT NULL DEFAULT '',
    deleted             INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL,
    registered_at       TEXT NOT NULL,
    email_new_movies    INTEGER NOT NULL DEFAULT 0,
    email_billing       INTEGER NOT NULL DEFAULT 1,
    inapp_new_movies    INTEGER NOT NULL DEFAULT 1,
    inapp_new_followers INTEGER NOT NULL DEFAULT 1
);

-- notifications: in-app notifications. event_key names what caused one
-- (an event id, or a reminder), so one cause notifies a user at most once.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    event_key  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (user_id, event_key)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);
CREATE INDEX notifications_unread ON notifications (user_id, created_at, id) WHERE read_at IS NULL;

-- fanouts: a notification for many users (a new movie), recorded by the
-- consumer in the transaction of its inbox row and sent by a worker in
-- batches; after_user is how far it got (users in id order).
CREATE TABLE fanouts (
    event_key  TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    cutoff     TEXT NOT NULL, -- users registered after this are not part of it
    after_user TEXT NOT NULL DEFAULT '',
    done       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX fanouts_pending ON fanouts (created_at) WHERE done = 0;

-- mails: the outgoing mail queue, one row per (cause, user), so one cause
-- mails a user at most once. status: pending, sent, skipped (the user opted
-- out or is gone by sending time), failed (gave up after retries).
CREATE TABLE mails (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    event_key       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    topic           TEXT NOT NULL, -- the setting that allows it: email_new_movies or email_billing
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    link            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until   TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (user_id, event_key)
);
CREATE INDEX mails_due ON mails (next_attempt_at, id) WHERE status = 'pending';

-- reminders: "your subscription ends in 3 days", one per subscription,
-- scheduled when it is cancelled at period end, called off when resumed
-- (the highest subscription version wins). state: pending, done, off.
CREATE TABLE reminders (
    subscription_id TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    plan_name       TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    state           TEXT NOT NULL,
    version         INTEGER NOT NULL
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE state = 'pending';

-- plans: billing's plan names (billing.plan.*; the highest version wins), for receipts.
CREATE TABLE plans (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    version INTEGER NOT NULL
);

-- secrets: values generated once per deployment (the unsubscribe link key).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
