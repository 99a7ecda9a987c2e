package store

import (
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postgresStore is the PostgreSQL implementation. What is PostgreSQL-specific:
//   - timestamps are TIMESTAMPTZ (microseconds) and take time.Time arguments;
//   - ids use the "C" collation, so pages come in the same order as on SQLite;
//   - reads that decide a change lock the row (FOR UPDATE): an order in the
//     saga, a user's subscription;
//   - the activation of a user's subscription takes a transaction-scoped
//     advisory lock on the user first, so two activations of one user never
//     both see "no subscription" (there is no row yet to lock);
//   - job claims skip rows another process has claimed (FOR UPDATE SKIP
//     LOCKED), so several processes share the jobs without running one twice.
type postgresStore struct{ *sqlStore }

func newPostgres() *postgresStore {
	return &postgresStore{&sqlStore{
		engine:     sqldb.Postgres,
		timeArg:    func(t time.Time) any { return sqldb.Timestamp(t) },
		forUpdate:  " FOR UPDATE",
		skipLocked: " FOR UPDATE SKIP LOCKED",
	}}
}
