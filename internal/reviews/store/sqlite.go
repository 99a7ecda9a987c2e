package store

import (
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqliteStore is the SQLite implementation. What is SQLite-specific:
//   - timestamps are TEXT in a fixed-width UTC layout with microseconds
//     (sqldb.TimeLayout), so they compare and sort as time;
//   - no row locks: sqldb opens SQLite transactions as IMMEDIATE, so a writing
//     transaction holds the database's write lock from its first statement
//     and writers are serialised.
type sqliteStore struct{ *sqlStore }

func newSQLite(db *sqldb.DB) *sqliteStore {
	return &sqliteStore{&sqlStore{
		Bound:      sqldb.Bind(db),
		lockReview: "",
		movieAndAuthor: `SELECT m.title, m.deleted, m.version, a.display_name, a.deleted, a.version
			FROM movies m LEFT JOIN authors a ON a.id = ? WHERE m.id = ?`,
	}}
}
