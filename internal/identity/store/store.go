// Package store keeps the identity service's data: accounts, refresh-token
// families and tokens, and the signing keys of access tokens. The Store
// interface is implemented once per engine (SQLite, PostgreSQL) over the SQL
// both share; migrations live per engine in sqlite/ and postgres/, and one
// conformance suite runs on both.
package store

import (
	"context"
	"crypto/ed25519"
	"embed"
	"errors"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations holds the identity tables, one folder per engine:
//
//	sqldb.Migrate(ctx, db, "identity", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// Errors of the store.
var (
	ErrNotFound = sqldb.ErrNotFound
	// ErrEmailTaken: a live account already has the e-mail address.
	ErrEmailTaken = errors.New("e-mail address already registered")
	// ErrVersionConflict: the account changed since it was read (optimistic concurrency).
	ErrVersionConflict = errors.New("account changed concurrently")
)

// Roles of an account (the same words as auth.RoleAdmin / auth.RoleUser).
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// NoPassword is the password hash of an account nobody may sign in to (the
// demo community's): it is no argon2id string, so no password matches it.
const NoPassword = "!no-password"

// User is one account.
type User struct {
	ID           string
	Email        string // normalised (trimmed, lower-case)
	DisplayName  string
	Role         string
	PasswordHash string // argon2id PHC string
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DeletedAt    *time.Time

	// Follow counts, read-only here: a projection of the social service's events.
	FollowersCount int
	FollowingCount int
}

// Deleted reports whether the account is soft-deleted.
func (u User) Deleted() bool { return u.DeletedAt != nil }

// UserFilter selects a page of accounts, in id (= creation) order.
type UserFilter struct {
	Query          string // case-insensitive substring of the e-mail address or display name
	IncludeDeleted bool
	AfterID        string // the cursor: the last id of the previous page
	Limit          int
}

// RefreshFamily is the chain of refresh tokens that one login starts.
type RefreshFamily struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  *time.Time
}

// RefreshToken is one refresh token, known by its hash only.
type RefreshToken struct {
	Hash      string // hex SHA-256 of the opaque token
	FamilyID  string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	RotatedAt *time.Time // set once the token was exchanged for the next one

	FamilyRevokedAt *time.Time // read only: the family's revocation
}

// SigningKey is an Ed25519 key that signs access tokens.
type SigningKey struct {
	Kid        string
	PrivateKey ed25519.PrivateKey
	CreatedAt  time.Time
	RetiredAt  *time.Time // no longer signs; still verifies until its tokens expire
}

// Store is the identity service's persistence. It owns its transactions
// (InTx): several calls and the outbox rows commit together. Every method
// takes the sqldb.Querier to run on (the database or the transaction);
// methods that rely on row locks take the *sqldb.Tx.
type Store interface {
	sqldb.Transactor

	// CreateUser inserts an account; ErrEmailTaken when a live account has the address.
	CreateUser(ctx context.Context, q sqldb.Querier, u User) error
	// UserByID returns an account, deleted or not.
	UserByID(ctx context.Context, q sqldb.Querier, id string) (User, error)
	// UserByEmail returns the live account with the (normalised) address.
	UserByEmail(ctx context.Context, q sqldb.Querier, email string) (User, error)
	// UpdateUser writes every field of u except ID and CreatedAt, when the
	// stored version is still prevVersion (else ErrVersionConflict);
	// ErrEmailTaken when the new address belongs to another live account.
	UpdateUser(ctx context.Context, q sqldb.Querier, u User, prevVersion int64) error
	// ListUsers returns up to f.Limit accounts after f.AfterID, in id order.
	ListUsers(ctx context.Context, q sqldb.Querier, f UserFilter) ([]User, error)
	// CountAdmins counts the live administrators.
	CountAdmins(ctx context.Context, q sqldb.Querier) (int, error)
	// ApplyFollowCounts stores a user's follow counts unless a newer
	// countsVersion is already stored (events may arrive twice or out of order).
	ApplyFollowCounts(ctx context.Context, q sqldb.Querier, userID string, followers, following int, countsVersion int64) error

	// CreateRefreshFamily starts a family.
	CreateRefreshFamily(ctx context.Context, q sqldb.Querier, f RefreshFamily) error
	// AddRefreshToken inserts a token of an existing family.
	AddRefreshToken(ctx context.Context, q sqldb.Querier, t RefreshToken) error
	// RefreshToken returns a token by hash with its family's revocation.
	RefreshToken(ctx context.Context, q sqldb.Querier, hash string) (RefreshToken, error)
	// RotateRefreshToken marks the token exchanged. It reports false when it
	// already was: of concurrent exchanges of one token exactly one wins.
	RotateRefreshToken(ctx context.Context, tx *sqldb.Tx, hash string, at time.Time) (bool, error)
	// UseRefreshFamily records a use of a live family, and reports false when
	// the family is revoked. On PostgreSQL it locks the family row until the
	// transaction ends, so it serialises with RevokeRefreshFamily.
	UseRefreshFamily(ctx context.Context, tx *sqldb.Tx, familyID string, at time.Time) (bool, error)
	// RevokeRefreshFamily revokes a family (no-op when it already is or does not exist).
	RevokeRefreshFamily(ctx context.Context, q sqldb.Querier, familyID string, at time.Time) error
	// RevokeUserRefreshFamilies revokes every live family of a user and says how many.
	RevokeUserRefreshFamilies(ctx context.Context, q sqldb.Querier, userID string, at time.Time) (int64, error)
	// PurgeRefreshTokens deletes tokens that expired before `before` and the
	// families left without tokens; it returns the number of tokens deleted.
	PurgeRefreshTokens(ctx context.Context, q sqldb.Querier, before time.Time) (int64, error)

	// SigningKeys returns every stored key, newest first.
	SigningKeys(ctx context.Context, q sqldb.Querier) ([]SigningKey, error)
	// AddSigningKey stores a new key.
	AddSigningKey(ctx context.Context, q sqldb.Querier, k SigningKey) error
	// RetireSigningKeys retires every live key except kid.
	RetireSigningKeys(ctx context.Context, q sqldb.Querier, exceptKid string, at time.Time) error
	// DeleteSigningKeysRetiredBefore drops keys retired before `before`.
	DeleteSigningKeysRetiredBefore(ctx context.Context, q sqldb.Querier, before time.Time) (int64, error)
}

// New returns the Store of db's engine.
func New(db *sqldb.DB) Store {
	if db.Engine() == sqldb.Postgres {
		return newPostgres(db)
	}
	return newSQLite(db)
}
