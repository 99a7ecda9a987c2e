-- Identity tables, SQLite flavour. Timestamps are UTC text with fixed
-- microsecond precision (2006-01-02T15:04:05.000000Z), so they sort as time.

-- users: accounts. Soft-deleted rows keep their data (deleted_at set); the
-- e-mail address is unique among live accounts only, so it can register again.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,              -- UUIDv7
    email         TEXT NOT NULL,                 -- normalised: trimmed, lower-case
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    password_hash TEXT NOT NULL,                 -- argon2id PHC string
    version       INTEGER NOT NULL DEFAULT 1,    -- +1 on every change of the account document
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
);
CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_admins ON users (role) WHERE deleted_at IS NULL;

-- refresh_families: one per login; every refresh token descends from it by
-- rotation. Revoking the family (logout, reuse of a rotated token, account
-- deletion) kills every token of it at once.
CREATE TABLE refresh_families (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX refresh_families_user ON refresh_families (user_id);

-- refresh_tokens: only the SHA-256 of the opaque token is stored. A rotated
-- token (rotated_at set) is kept until it expires, so its reuse is recognised.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,                 -- hex SHA-256 of the token
    family_id  TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    rotated_at TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

-- signing_keys: Ed25519 keys of access tokens. The newest live key signs;
-- retired keys are still published (JWKS) until the tokens they signed expire.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,                   -- base64 of the 32-byte Ed25519 seed
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
