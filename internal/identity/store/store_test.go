package store_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity/store"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// The conformance suite: every test runs on SQLite and PostgreSQL.

func open(t *testing.T, db *sqldb.DB) store.Store {
	t.Helper()
	require.NoError(t, sqldb.Migrate(context.Background(), db, "identity", store.Migrations))
	return store.New(db)
}

var base = time.Date(2030, 5, 6, 7, 8, 9, 123456000, time.UTC)

func newUser(email string, at time.Time) store.User {
	id, _ := uuid.NewV7()
	return store.User{ID: id.String(), Email: email, DisplayName: "Name of " + email, Role: store.RoleUser,
		PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", Version: 1, CreatedAt: at, UpdatedAt: at}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := open(t, db)

		ann := newUser("ann@example.com", base)
		require.NoError(t, st.CreateUser(ctx, db, ann))
		got, err := st.UserByID(ctx, db, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got, "every field round-trips, timestamps to the microsecond")
		got, err = st.UserByEmail(ctx, db, "ann@example.com")
		require.NoError(t, err)
		require.Equal(t, ann.ID, got.ID)

		require.ErrorIs(t, st.CreateUser(ctx, db, newUser("ann@example.com", base)), store.ErrEmailTaken)
		_, err = st.UserByID(ctx, db, uuid.NewString())
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = st.UserByEmail(ctx, db, "nobody@example.com")
		require.ErrorIs(t, err, store.ErrNotFound)

		// update with optimistic concurrency
		bob := newUser("bob@example.com", base.Add(time.Second))
		require.NoError(t, st.CreateUser(ctx, db, bob))
		upd := ann
		upd.DisplayName, upd.Role, upd.Version, upd.UpdatedAt = "Ann B.", store.RoleAdmin, 2, base.Add(time.Minute)
		require.NoError(t, st.UpdateUser(ctx, db, upd, 1))
		got, _ = st.UserByID(ctx, db, ann.ID)
		require.Equal(t, upd, got)
		require.ErrorIs(t, st.UpdateUser(ctx, db, upd, 1), store.ErrVersionConflict, "stale version")
		ghost := upd
		ghost.ID = uuid.NewString()
		require.ErrorIs(t, st.UpdateUser(ctx, db, ghost, 1), store.ErrNotFound)
		taken := upd
		taken.Email, taken.Version = "bob@example.com", 3
		require.ErrorIs(t, st.UpdateUser(ctx, db, taken, 2), store.ErrEmailTaken)

		n, err := st.CountAdmins(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, n)

		// soft delete: gone from e-mail lookups and lists, the address is free again
		del := bob
		deletedAt := base.Add(time.Hour)
		del.DeletedAt, del.Version, del.UpdatedAt = &deletedAt, 2, deletedAt
		require.NoError(t, st.UpdateUser(ctx, db, del, 1))
		_, err = st.UserByEmail(ctx, db, "bob@example.com")
		require.ErrorIs(t, err, store.ErrNotFound)
		got, err = st.UserByID(ctx, db, bob.ID)
		require.NoError(t, err)
		require.True(t, got.Deleted())
		require.Equal(t, deletedAt, *got.DeletedAt)
		bob2 := newUser("bob@example.com", base.Add(2*time.Hour))
		require.NoError(t, st.CreateUser(ctx, db, bob2), "a deleted account's address can register again")
	})
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := open(t, db)
		var ids []string
		for i := range 7 {
			u := newUser(fmt.Sprintf("user%d@example.com", i), base.Add(time.Duration(i)*time.Second))
			if i == 3 {
				u.DisplayName = "Zoë 100%_Real"
			}
			if i == 5 {
				at := base
				u.DeletedAt = &at
			}
			require.NoError(t, st.CreateUser(ctx, db, u))
			ids = append(ids, u.ID)
		}
		collect := func(f store.UserFilter) []string {
			var out []string
			for {
				page, err := st.ListUsers(ctx, db, f)
				require.NoError(t, err)
				for _, u := range page {
					out = append(out, u.ID)
				}
				if len(page) < f.Limit {
					return out
				}
				f.AfterID = page[len(page)-1].ID
			}
		}
		live := []string{ids[0], ids[1], ids[2], ids[3], ids[4], ids[6]}
		require.Equal(t, live, collect(store.UserFilter{Limit: 2}), "pages in id order, deleted left out")
		require.Equal(t, ids, collect(store.UserFilter{Limit: 3, IncludeDeleted: true}))
		for q, want := range map[string][]string{
			"USER2@":    {ids[2]},
			"zoë":       {ids[3]},
			"100%_":     {ids[3]},
			"%":         {ids[3]}, // wildcards are literal
			"e_a":       nil,      // would match "example" if _ were a wildcard
			"example":   live,
			"user5":     nil, // deleted
			"not there": nil,
		} {
			require.Equal(t, want, collect(store.UserFilter{Limit: 10, Query: q}), q)
		}
	})
}

func newFamily(t *testing.T, db *sqldb.DB, st store.Store, userID string, at time.Time) (store.RefreshFamily, store.RefreshToken) {
	t.Helper()
	ctx := context.Background()
	f := store.RefreshFamily{ID: uuid.NewString(), UserID: userID, CreatedAt: at, LastUsedAt: at}
	require.NoError(t, st.CreateRefreshFamily(ctx, db, f))
	tok := store.RefreshToken{Hash: uuid.NewString(), FamilyID: f.ID, UserID: userID, CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
	require.NoError(t, st.AddRefreshToken(ctx, db, tok))
	return f, tok
}

func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := open(t, db)
		u := newUser("r@example.com", base)
		require.NoError(t, st.CreateUser(ctx, db, u))

		f, tok := newFamily(t, db, st, u.ID, base)
		got, err := st.RefreshToken(ctx, db, tok.Hash)
		require.NoError(t, err)
		require.Equal(t, tok, got)
		_, err = st.RefreshToken(ctx, db, "unknown")
		require.ErrorIs(t, err, store.ErrNotFound)

		ok, err := inTx(t, st, store.Store.RotateRefreshToken, tok.Hash, base.Add(time.Minute))
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = inTx(t, st, store.Store.RotateRefreshToken, tok.Hash, base.Add(2*time.Minute))
		require.NoError(t, err)
		require.False(t, ok, "a token rotates once")
		got, _ = st.RefreshToken(ctx, db, tok.Hash)
		require.Equal(t, base.Add(time.Minute), *got.RotatedAt)

		ok, err = inTx(t, st, store.Store.UseRefreshFamily, f.ID, base.Add(time.Minute))
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, st.RevokeRefreshFamily(ctx, db, f.ID, base.Add(3*time.Minute)))
		require.NoError(t, st.RevokeRefreshFamily(ctx, db, f.ID, base.Add(4*time.Minute)), "idempotent")
		ok, err = inTx(t, st, store.Store.UseRefreshFamily, f.ID, base.Add(5*time.Minute))
		require.NoError(t, err)
		require.False(t, ok, "a revoked family is unusable")
		got, _ = st.RefreshToken(ctx, db, tok.Hash)
		require.Equal(t, base.Add(3*time.Minute), *got.FamilyRevokedAt, "the first revocation counts")

		// every family of a user
		_, t2 := newFamily(t, db, st, u.ID, base)
		_, t3 := newFamily(t, db, st, u.ID, base)
		n, err := st.RevokeUserRefreshFamilies(ctx, db, u.ID, base.Add(time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 2, n, "the already revoked family is not counted")
		for _, h := range []string{t2.Hash, t3.Hash} {
			got, _ := st.RefreshToken(ctx, db, h)
			require.NotNil(t, got.FamilyRevokedAt)
		}

		// purge: expired tokens and their empty families go
		n, err = st.PurgeRefreshTokens(ctx, db, base.Add(25*time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 3, n)
		_, err = st.RefreshToken(ctx, db, t2.Hash)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestConcurrentRotationHasOneWinner(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := open(t, db)
		u := newUser("c@example.com", base)
		require.NoError(t, st.CreateUser(ctx, db, u))
		_, tok := newFamily(t, db, st, u.ID, base)
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				err := db.InTx(ctx, func(tx *sqldb.Tx) error {
					ok, err := st.RotateRefreshToken(ctx, tx, tok.Hash, time.Now())
					if ok {
						wins.Add(1)
					}
					return err
				})
				require.NoError(t, err)
			})
		}
		wg.Wait()
		require.EqualValues(t, 1, wins.Load())
	})
}

func TestSigningKeys(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := open(t, db)
		keys, err := st.SigningKeys(ctx, db)
		require.NoError(t, err)
		require.Empty(t, keys)

		mk := func(kid string, at time.Time) store.SigningKey {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			require.NoError(t, err)
			k := store.SigningKey{Kid: kid, PrivateKey: priv, CreatedAt: at}
			require.NoError(t, st.AddSigningKey(ctx, db, k))
			return k
		}
		k1 := mk("k1", base)
		k2 := mk("k2", base.Add(time.Hour))
		keys, err = st.SigningKeys(ctx, db)
		require.NoError(t, err)
		require.Equal(t, []store.SigningKey{k2, k1}, keys, "newest first, private keys intact")

		require.NoError(t, st.RetireSigningKeys(ctx, db, "k2", base.Add(2*time.Hour)))
		keys, _ = st.SigningKeys(ctx, db)
		require.Nil(t, keys[0].RetiredAt)
		require.Equal(t, base.Add(2*time.Hour), *keys[1].RetiredAt)

		n, err := st.DeleteSigningKeysRetiredBefore(ctx, db, base.Add(time.Hour))
		require.NoError(t, err)
		require.Zero(t, n, "retired after the cut-off: kept")
		n, err = st.DeleteSigningKeysRetiredBefore(ctx, db, base.Add(3*time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		keys, _ = st.SigningKeys(ctx, db)
		require.Equal(t, []store.SigningKey{k2}, keys, "live keys are never deleted")
		require.Error(t, st.AddSigningKey(ctx, db, store.SigningKey{Kid: "bad", PrivateKey: []byte{1}}))
	})
}

func TestFollowCountsKeepTheNewestVersion(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := open(t, db)
		u := newUser("counted@example.com", time.Now())
		require.NoError(t, st.CreateUser(ctx, db, u))
		got, err := st.UserByID(ctx, db, u.ID)
		require.NoError(t, err)
		require.Equal(t, [2]int{0, 0}, [2]int{got.FollowersCount, got.FollowingCount}, "no counts announced yet")

		require.NoError(t, st.ApplyFollowCounts(ctx, db, u.ID, 3, 1, 5))
		require.NoError(t, st.ApplyFollowCounts(ctx, db, u.ID, 2, 1, 4), "an older event arriving late")
		require.NoError(t, st.ApplyFollowCounts(ctx, db, u.ID, 3, 1, 5), "a duplicate")
		got, err = st.UserByID(ctx, db, u.ID)
		require.NoError(t, err)
		require.Equal(t, [2]int{3, 1}, [2]int{got.FollowersCount, got.FollowingCount})

		require.NoError(t, st.ApplyFollowCounts(ctx, db, u.ID, 4, 2, 6))
		list, err := st.ListUsers(ctx, db, store.UserFilter{Limit: 10})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, [2]int{4, 2}, [2]int{list[0].FollowersCount, list[0].FollowingCount})
	})
}

// inTx runs a locking method in a transaction of its own.
func inTx(t *testing.T, st store.Store, fn func(store.Store, context.Context, *sqldb.Tx, string, time.Time) (bool, error), key string, at time.Time) (ok bool, err error) {
	t.Helper()
	err = st.InTx(context.Background(), func(ctx context.Context, tx *sqldb.Tx) error {
		ok, err = fn(st, ctx, tx, key, at)
		return err
	})
	return ok, err
}
