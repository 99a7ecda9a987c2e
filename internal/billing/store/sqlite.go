package store

import (
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqliteStore is the SQLite implementation. What is SQLite-specific:
//   - timestamps are TEXT in a fixed-width UTC layout with microseconds, so
//     they compare and sort as time;
//   - no row locks: sqldb opens SQLite transactions as IMMEDIATE, so a
//     writing transaction holds the database's write lock from its first
//     statement, and job claims need no SKIP LOCKED.
type sqliteStore struct{ *sqlStore }

func newSQLite() *sqliteStore {
	return &sqliteStore{&sqlStore{
		engine:     sqldb.SQLite,
		timeArg:    func(t time.Time) any { return sqldb.FormatTime(t) },
		forUpdate:  "",
		skipLocked: "",
	}}
}
