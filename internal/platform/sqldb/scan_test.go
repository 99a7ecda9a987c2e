package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// Timestamps written as each engine's stores write them read back equal, and NULL reads as nil.
func TestTimeScannersOnBothEngines(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		column, arg := "TEXT", any(nil)
		at := time.Date(2031, 2, 3, 4, 5, 6, 789000000, time.UTC)
		arg = at.Format("2006-01-02T15:04:05.000000Z")
		if db.Engine() == sqldb.Postgres {
			column, arg = "TIMESTAMPTZ", at
		}
		_, err := db.ExecContext(ctx, `CREATE TABLE stamps (id INTEGER PRIMARY KEY, at `+column+` NOT NULL, gone `+column+`)`)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO stamps (id, at, gone) VALUES (`+sqldb.Placeholders(3)+`)`, 1, arg, nil)
		require.NoError(t, err)
		var got time.Time
		gone := &at
		require.NoError(t, db.QueryRowContext(ctx, `SELECT at, gone FROM stamps`).Scan(sqldb.Time(&got), sqldb.NullTime(&gone)))
		require.True(t, at.Equal(got), "%v != %v", at, got)
		require.Nil(t, gone)
		require.Error(t, db.QueryRowContext(ctx, `SELECT gone FROM stamps`).Scan(sqldb.Time(&got)), "NULL is not a time")
	})
	require.Equal(t, "?, ?, ?", sqldb.Placeholders(3))
	require.Equal(t, "", sqldb.Placeholders(0))
}
