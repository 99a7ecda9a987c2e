package store

import (
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postgresStore is the Store on PostgreSQL: timestamps are TIMESTAMPTZ
// (microseconds). Under READ COMMITTED a conditional UPDATE waits for a
// concurrent one on the same row and then re-checks its WHERE clause, which is
// what makes RotateRefreshToken and UseRefreshFamily atomic there.
type postgresStore struct{ sqlStore }

func newPostgres(db *sqldb.DB) *postgresStore {
	return &postgresStore{sqlStore{sqldb.Bind(db)}}
}
