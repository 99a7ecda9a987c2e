//go:build !libc.membrk && !libc.memgrind && linux && (amd64 || arm64 || loong64 || ppc64le || s390x || riscv64 || 386 || arm)

package sqldb_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// After a burst on SQLite (8 connections, each filling its 2 MB page
// cache) and CloseIdle, SQLite's memory is free but its allocator keeps it
// mapped; TrimSQLiteMemory hands it back. Not parallel: the figure is the
// whole process's resident memory.
func TestTrimSQLiteMemoryReturnsWhatABurstFreed(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, "trim", "sqlite:"+filepath.Join(t.TempDir(), "trim.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, `CREATE TABLE pad (id INTEGER PRIMARY KEY, body BLOB NOT NULL)`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
		INSERT INTO pad (id, body) SELECT i, randomblob(400) FROM n`)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for range 8 {
		conn, err := db.Raw().Conn(ctx)
		require.NoError(t, err)
		wg.Go(func() {
			defer conn.Close()
			var total int
			assert.NoError(t, conn.QueryRowContext(ctx, `SELECT sum(length(body)) FROM pad`).Scan(&total))
			assert.Equal(t, 20000*400, total)
		})
	}
	wg.Wait()
	db.CloseIdle()

	before := residentAnonKB(t)
	require.NoError(t, sqldb.TrimSQLiteMemory())
	after := residentAnonKB(t)
	t.Logf("resident anonymous memory %d kB → %d kB", before, after)
	assert.GreaterOrEqual(t, before-after, 2<<10, "less than 2 MB of SQLite's freed memory handed back (≈ 6 MB here)")

	var n int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM pad`).Scan(&n), "SQLite works after the trim")
	assert.Equal(t, 20000, n)
}

// residentAnonKB is RssAnon from /proc/self/status.
func residentAnonKB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatal("no RssAnon in /proc/self/status")
	return 0
}
