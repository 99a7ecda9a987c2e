package store

import (
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqliteStore is the Store on SQLite: timestamps are fixed-width UTC text
// (sqliteTimeLayout), which compares and sorts as time. Writers are
// serialised by SQLite's immediate transactions, which is what makes
// RotateRefreshToken and UseRefreshFamily atomic there.
type sqliteStore struct{ sqlStore }

type sqliteDialect struct{}

func (sqliteDialect) timeArg(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) }

func newSQLite(q sqldb.Querier) *sqliteStore {
	return &sqliteStore{sqlStore{q: q, d: sqliteDialect{}}}
}
