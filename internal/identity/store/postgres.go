package store

import (
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postgresStore is the Store on PostgreSQL: timestamps are TIMESTAMPTZ
// (microseconds). Under READ COMMITTED a conditional UPDATE waits for a
// concurrent one on the same row and then re-checks its WHERE clause, which is
// what makes RotateRefreshToken and UseRefreshFamily atomic there.
type postgresStore struct{ sqlStore }

type postgresDialect struct{}

func (postgresDialect) timeArg(t time.Time) any { return t.UTC().Truncate(time.Microsecond) }

func newPostgres(q sqldb.Querier) *postgresStore {
	return &postgresStore{sqlStore{q: q, d: postgresDialect{}}}
}
