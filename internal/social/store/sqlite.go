package store

import (
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqliteStore is the SQLite implementation. What is SQLite-specific:
//   - timestamps are TEXT in a fixed-width UTC layout with microseconds
//     (sqldb.TimeLayout), so they compare and sort as time;
//   - no row locks: sqldb opens SQLite transactions as IMMEDIATE, so a writing
//     transaction holds the database's write lock from its first statement.
type sqliteStore struct{ *sqlStore }

func newSQLite(db *sqldb.DB) *sqliteStore {
	return &sqliteStore{&sqlStore{
		Bound:     sqldb.Bind(db),
		forShare:  "",
		forUpdate: "",
	}}
}
