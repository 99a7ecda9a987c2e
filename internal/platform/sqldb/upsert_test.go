package sqldb_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// A projection keeps the newest version whatever order the versions arrive in.
func TestUpsertNewer(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		_, err := db.ExecContext(ctx, `CREATE TABLE titles (id TEXT PRIMARY KEY, title TEXT NOT NULL, version BIGINT NOT NULL)`)
		require.NoError(t, err)
		cols := []string{"id", "title", "version"}
		apply := func(title string, version int64) bool {
			applied, err := sqldb.UpsertNewer(ctx, db, "titles", "version", cols, "m1", title, version)
			require.NoError(t, err)
			return applied
		}
		title := func() (s string, v int64) {
			require.NoError(t, db.QueryRowContext(ctx, `SELECT title, version FROM titles WHERE id = ?`, "m1").Scan(&s, &v))
			return s, v
		}
		require.True(t, apply("Second", 2), "a new key is inserted")
		require.False(t, apply("First", 1), "an older version is ignored")
		require.False(t, apply("Second again", 2), "the same version is ignored (a redelivery)")
		s, v := title()
		require.Equal(t, "Second", s)
		require.EqualValues(t, 2, v)
		require.True(t, apply("Third", 3))
		s, v = title()
		require.Equal(t, "Third", s)
		require.EqualValues(t, 3, v)

		_, err = sqldb.UpsertNewer(ctx, db, "no_such_table", "version", cols, "m1", "x", 1)
		require.ErrorContains(t, err, "apply no_such_table m1")
	})
}
