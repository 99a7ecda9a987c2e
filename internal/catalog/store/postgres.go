package store

import (
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postgresStore is the PostgreSQL implementation. What is PostgreSQL-specific:
//   - timestamps are TIMESTAMPTZ (microseconds) and take time.Time arguments;
//   - sort keys use the "C" collation (see the migration), so pages come in
//     the same byte order as on SQLite;
//   - rows read before a dependent write are locked with SELECT ... FOR NO
//     KEY UPDATE (READ COMMITTED would let a concurrent writer slip in
//     between). NO KEY UPDATE is the lock an UPDATE of non-key columns takes;
//     unlike FOR UPDATE it does not block the KEY SHARE locks of foreign-key
//     checks, so a movie write crediting a person never waits on (and
//     deadlocks with) a rename of that person;
//   - movies re-versioned together are locked in id order first, so two
//     writers touching overlapping sets of movies cannot deadlock.
type postgresStore struct{ *sqlStore }

func newPostgres(db *sqldb.DB) *postgresStore {
	return &postgresStore{&sqlStore{
		Bound:     sqldb.Bind(db),
		forUpdate: " FOR NO KEY UPDATE",
	}}
}
