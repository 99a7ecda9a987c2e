package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// dialect is what differs between the engines for this store.
type dialect interface {
	// timeArg encodes a timestamp as the engine stores it.
	timeArg(t time.Time) any
}

// sqlStore is the SQL both engines share; the engine types embed it with their dialect.
type sqlStore struct {
	q sqldb.Querier
	d dialect
}

func (s *sqlStore) t(t time.Time) any { return s.d.timeArg(t) }

func (s *sqlStore) nt(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.d.timeArg(*t)
}

const userColumns = `id, email, display_name, role, password_hash, version, created_at, updated_at, deleted_at`

// selectUsers reads accounts with their follow counts (zero until the social
// service announces some); the joined table shares no column name with users.
const selectUsers = `SELECT ` + userColumns + `, COALESCE(followers_count, 0), COALESCE(following_count, 0)
	FROM users LEFT JOIN follow_counts ON follow_counts.user_id = users.id`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.Role, &u.PasswordHash, &u.Version,
		sqldb.Time(&u.CreatedAt), sqldb.Time(&u.UpdatedAt), sqldb.NullTime(&u.DeletedAt),
		&u.FollowersCount, &u.FollowingCount)
	return u, err
}

func (s *sqlStore) ApplyFollowCounts(ctx context.Context, userID string, followers, following int, countsVersion int64) error {
	_, err := sqldb.UpsertNewer(ctx, s.q, "follow_counts", "counts_version",
		[]string{"user_id", "followers_count", "following_count", "counts_version"}, userID, followers, following, countsVersion)
	return err
}

func (s *sqlStore) CreateUser(ctx context.Context, u User) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.DisplayName, u.Role, u.PasswordHash, u.Version, s.t(u.CreatedAt), s.t(u.UpdatedAt), s.nt(u.DeletedAt))
	if sqldb.IsUniqueViolation(err) {
		return ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (s *sqlStore) UserByID(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.q.QueryRowContext(ctx, selectUsers+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("read user %s: %w", id, err)
	}
	return u, nil
}

func (s *sqlStore) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.q.QueryRowContext(ctx, selectUsers+` WHERE email = ? AND deleted_at IS NULL`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("read user by e-mail: %w", err)
	}
	return u, nil
}

func (s *sqlStore) UpdateUser(ctx context.Context, u User, prevVersion int64) error {
	res, err := s.q.ExecContext(ctx, `UPDATE users SET email = ?, display_name = ?, role = ?, password_hash = ?,
		version = ?, updated_at = ?, deleted_at = ? WHERE id = ? AND version = ?`,
		u.Email, u.DisplayName, u.Role, u.PasswordHash, u.Version, s.t(u.UpdatedAt), s.nt(u.DeletedAt), u.ID, prevVersion)
	if sqldb.IsUniqueViolation(err) {
		return ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	if n == 0 {
		if _, err := s.UserByID(ctx, u.ID); err != nil {
			return err
		}
		return ErrVersionConflict
	}
	return nil
}

// likePattern makes a LIKE pattern matching q anywhere, with its wildcards escaped.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

func (s *sqlStore) ListUsers(ctx context.Context, f UserFilter) ([]User, error) {
	var (
		where []string
		args  []any
	)
	if !f.IncludeDeleted {
		where = append(where, `deleted_at IS NULL`)
	}
	if f.AfterID != "" {
		where = append(where, `id > ?`)
		args = append(args, f.AfterID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(email LIKE ? ESCAPE '\' OR lower(display_name) LIKE ? ESCAPE '\')`)
		p := likePattern(q)
		args = append(args, p, p)
	}
	query := selectUsers
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

func (s *sqlStore) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND deleted_at IS NULL`, RoleAdmin).Scan(&n); err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

func (s *sqlStore) CreateRefreshFamily(ctx context.Context, f RefreshFamily) error {
	if _, err := s.q.ExecContext(ctx, `INSERT INTO refresh_families (id, user_id, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?)`,
		f.ID, f.UserID, s.t(f.CreatedAt), s.t(f.LastUsedAt), s.nt(f.RevokedAt)); err != nil {
		return fmt.Errorf("insert refresh family: %w", err)
	}
	return nil
}

func (s *sqlStore) AddRefreshToken(ctx context.Context, t RefreshToken) error {
	if _, err := s.q.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at, rotated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Hash, t.FamilyID, t.UserID, s.t(t.CreatedAt), s.t(t.ExpiresAt), s.nt(t.RotatedAt)); err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

func (s *sqlStore) RefreshToken(ctx context.Context, hash string) (RefreshToken, error) {
	var t RefreshToken
	err := s.q.QueryRowContext(ctx, `SELECT t.token_hash, t.family_id, t.user_id, t.created_at, t.expires_at, t.rotated_at, f.revoked_at
		FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.token_hash = ?`, hash).
		Scan(&t.Hash, &t.FamilyID, &t.UserID, sqldb.Time(&t.CreatedAt), sqldb.Time(&t.ExpiresAt), sqldb.NullTime(&t.RotatedAt), sqldb.NullTime(&t.FamilyRevokedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return RefreshToken{}, ErrNotFound
	}
	if err != nil {
		return RefreshToken{}, fmt.Errorf("read refresh token: %w", err)
	}
	return t, nil
}

func (s *sqlStore) RotateRefreshToken(ctx context.Context, hash string, at time.Time) (bool, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE refresh_tokens SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL`, s.t(at), hash)
	if err != nil {
		return false, fmt.Errorf("rotate refresh token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("rotate refresh token: %w", err)
	}
	return n == 1, nil
}

func (s *sqlStore) UseRefreshFamily(ctx context.Context, familyID string, at time.Time) (bool, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE refresh_families SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL`, s.t(at), familyID)
	if err != nil {
		return false, fmt.Errorf("use refresh family: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("use refresh family: %w", err)
	}
	return n == 1, nil
}

func (s *sqlStore) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error {
	if _, err := s.q.ExecContext(ctx, `UPDATE refresh_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, s.t(at), familyID); err != nil {
		return fmt.Errorf("revoke refresh family: %w", err)
	}
	return nil
}

func (s *sqlStore) RevokeUserRefreshFamilies(ctx context.Context, userID string, at time.Time) (int64, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE refresh_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, s.t(at), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke refresh families of %s: %w", userID, err)
	}
	return res.RowsAffected()
}

func (s *sqlStore) PurgeRefreshTokens(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.q.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE expires_at < ?`, s.t(before))
	if err != nil {
		return 0, fmt.Errorf("purge refresh tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err := s.q.ExecContext(ctx, `DELETE FROM refresh_families WHERE last_used_at < ?
		AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = refresh_families.id)`, s.t(before)); err != nil {
		return 0, fmt.Errorf("purge refresh families: %w", err)
	}
	return n, nil
}

func (s *sqlStore) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT kid, private_key, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid DESC`)
	if err != nil {
		return nil, fmt.Errorf("read signing keys: %w", err)
	}
	defer rows.Close()
	var out []SigningKey
	for rows.Next() {
		var (
			k    SigningKey
			seed string
		)
		if err := rows.Scan(&k.Kid, &seed, sqldb.Time(&k.CreatedAt), sqldb.NullTime(&k.RetiredAt)); err != nil {
			return nil, fmt.Errorf("read signing keys: %w", err)
		}
		raw, err := base64.StdEncoding.DecodeString(seed)
		if err != nil || len(raw) != ed25519.SeedSize {
			return nil, fmt.Errorf("signing key %s: stored seed is not a 32-byte base64 value", k.Kid)
		}
		k.PrivateKey = ed25519.NewKeyFromSeed(raw)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read signing keys: %w", err)
	}
	return out, nil
}

func (s *sqlStore) AddSigningKey(ctx context.Context, k SigningKey) error {
	if len(k.PrivateKey) != ed25519.PrivateKeySize {
		return fmt.Errorf("signing key %s: not an Ed25519 private key", k.Kid)
	}
	if _, err := s.q.ExecContext(ctx, `INSERT INTO signing_keys (kid, private_key, created_at, retired_at) VALUES (?, ?, ?, ?)`,
		k.Kid, base64.StdEncoding.EncodeToString(k.PrivateKey.Seed()), s.t(k.CreatedAt), s.nt(k.RetiredAt)); err != nil {
		return fmt.Errorf("insert signing key: %w", err)
	}
	return nil
}

func (s *sqlStore) RetireSigningKeys(ctx context.Context, exceptKid string, at time.Time) error {
	if _, err := s.q.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL AND kid <> ?`, s.t(at), exceptKid); err != nil {
		return fmt.Errorf("retire signing keys: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteSigningKeysRetiredBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.q.ExecContext(ctx, `DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?`, s.t(before))
	if err != nil {
		return 0, fmt.Errorf("delete retired signing keys: %w", err)
	}
	return res.RowsAffected()
}

// sqliteTimeLayout is how SQLite stores timestamps: fixed-width UTC text that sorts as time.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"
