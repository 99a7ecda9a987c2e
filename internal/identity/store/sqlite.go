package store

import (
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqliteStore is the Store on SQLite: timestamps are fixed-width UTC text
// (sqldb.TimeLayout), which compares and sorts as time. Writers are
// serialised by SQLite's immediate transactions, which is what makes
// RotateRefreshToken and UseRefreshFamily atomic there.
type sqliteStore struct{ sqlStore }

func newSQLite(db *sqldb.DB) *sqliteStore {
	return &sqliteStore{sqlStore{sqldb.Bind(db)}}
}
