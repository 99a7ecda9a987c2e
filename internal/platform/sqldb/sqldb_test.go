package sqldb_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	require.Equal(t, "SELECT ? FROM x", sqldb.Rebind(sqldb.SQLite, "SELECT ? FROM x"))
	require.Equal(t, "SELECT $1, '?', $2", sqldb.Rebind(sqldb.Postgres, "SELECT ?, '?', ?"))
}

func TestMigrateAndTx(t *testing.T) {
	t.Parallel()
	migrations := fstest.MapFS{
		"sqlite/0001_items.sql":   {Data: []byte(`CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL);`)},
		"sqlite/0002_more.sql":    {Data: []byte(`ALTER TABLE items ADD COLUMN label TEXT NOT NULL DEFAULT '';`)},
		"postgres/0001_items.sql": {Data: []byte(`CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL);`)},
		"postgres/0002_more.sql":  {Data: []byte(`ALTER TABLE items ADD COLUMN label TEXT NOT NULL DEFAULT '';`)},
	}
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		require.NoError(t, sqldb.Migrate(ctx, db, "test", migrations))
		require.NoError(t, sqldb.Migrate(ctx, db, "test", migrations), "second run applies nothing")

		require.NoError(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO items (id, n, label) VALUES (?, ?, ?)`, "a", 1, "one")
			return err
		}))
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO items (id, n) VALUES (?, ?)`, "b", 2); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		var n int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM items`).Scan(&n))
		require.Equal(t, 1, n, "the failed transaction left nothing behind")

		_, err = db.ExecContext(ctx, `INSERT INTO items (id, n) VALUES (?, ?)`, "a", 3)
		require.True(t, sqldb.IsUniqueViolation(err), "duplicate key is recognised: %v", err)
	})
}

// Two migration files with one number are refused (schema_migrations keys
// on the number, so the second would be skipped for good), before anything runs.
func TestMigrateRefusesTwoFilesWithOneNumber(t *testing.T) {
	t.Parallel()
	migrations := fstest.MapFS{
		"sqlite/0001_items.sql": {Data: []byte(`CREATE TABLE items (id TEXT PRIMARY KEY);`)},
		"sqlite/0002_a.sql":     {Data: []byte(`CREATE TABLE a (id TEXT PRIMARY KEY);`)},
		"sqlite/0002_b.sql":     {Data: []byte(`CREATE TABLE b (id TEXT PRIMARY KEY);`)},
	}
	ctx := context.Background()
	db, err := sqldb.Open(ctx, "dup", "sqlite://"+filepath.Join(t.TempDir(), "dup.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	err = sqldb.Migrate(ctx, db, "test", migrations)
	require.ErrorContains(t, err, "0002_a.sql and 0002_b.sql have the same number")
	_, err = db.ExecContext(ctx, `SELECT COUNT(*) FROM items`)
	require.Error(t, err, "nothing ran")
}

// SQLite writers of one process queue for the write lock in Go: many
// concurrent transactions all commit, a transaction's after-commit callback
// may start another one, and a caller whose context ends while queued gets
// an error instead of waiting.
func TestSQLiteWritersQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, "queue", "sqlite://"+filepath.Join(t.TempDir(), "queue.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.ExecContext(ctx, `CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)`)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			assert.NoError(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
				tx.AfterCommit(func() {
					assert.NoError(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
						_, err := tx.ExecContext(ctx, `UPDATE counter SET n = n + 100`)
						return err
					}))
				})
				_, err := tx.ExecContext(ctx, `UPDATE counter SET n = n + 1`)
				time.Sleep(time.Millisecond)
				return err
			}))
		})
	}
	wg.Wait()
	var n int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&n))
	require.Equal(t, 20*101, n)

	holding, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.InTx(ctx, func(*sqldb.Tx) error { close(holding); <-release; return nil })
	}()
	<-holding
	waitCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = db.InTx(waitCtx, func(*sqldb.Tx) error { return nil })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
}

func TestKeyset(t *testing.T) {
	asIs := func(_ int, v string) (any, error) { return v, nil }
	where, args, orderBy, err := sqldb.Keyset([]string{"title_key", "id"}, nil, false, asIs)
	require.NoError(t, err)
	require.Empty(t, where)
	require.Empty(t, args)
	require.Equal(t, "title_key ASC, id ASC", orderBy)

	where, args, orderBy, err = sqldb.Keyset([]string{"title_key", "id"}, []string{"heat", "42"}, true, asIs)
	require.NoError(t, err)
	require.Equal(t, "(title_key, id) < (?, ?)", where)
	require.Equal(t, []any{"heat", "42"}, args)
	require.Equal(t, "title_key DESC, id DESC", orderBy)

	_, _, _, err = sqldb.Keyset([]string{"title_key", "id"}, []string{"heat"}, false, asIs)
	require.ErrorIs(t, err, sqldb.ErrBadPosition, "a position of another sort")
	_, _, _, err = sqldb.Keyset([]string{"year"}, []string{"x"}, false, func(int, string) (any, error) { return nil, errors.New("not a number") })
	require.ErrorIs(t, err, sqldb.ErrBadPosition)
}

// CloseIdle drops SQLite's idle connections (their memory is the process's)
// and keeps PostgreSQL's; the database keeps working either way.
func TestCloseIdle(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		var conns []interface{ Close() error }
		for range 3 {
			c, err := db.Raw().Conn(ctx)
			require.NoError(t, err)
			require.NoError(t, c.PingContext(ctx))
			conns = append(conns, c)
		}
		for _, c := range conns {
			require.NoError(t, c.Close())
		}
		require.Equal(t, 3, db.Raw().Stats().Idle)

		db.CloseIdle()
		if db.Engine() == sqldb.SQLite {
			assert.Equal(t, 0, db.Raw().Stats().OpenConnections)
		} else {
			assert.Equal(t, 3, db.Raw().Stats().Idle)
		}
		var one int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT 1`).Scan(&one))
		assert.Equal(t, 1, one)
		if db.Engine() == sqldb.SQLite {
			assert.Equal(t, 1, db.Raw().Stats().Idle, "the pool keeps connections again after CloseIdle")
		}
	})
}
