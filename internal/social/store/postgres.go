package store

import (
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postgresStore is the PostgreSQL implementation. What is PostgreSQL-specific:
//   - timestamps are TIMESTAMPTZ (microseconds) and take time.Time arguments;
//   - ids use the "C" collation, so pages come in the same byte order as on SQLite;
//   - a follow reads both users FOR SHARE, so an account's deletion (which
//     ends its follows) waits for it, or it sees the deletion; the deletion
//     reads the account's follows FOR UPDATE;
//   - follow and unfollow need no explicit lock on the pair: the upsert and
//     the conditional UPDATE lock the row, and a concurrent writer of the
//     same pair re-checks `active` on the committed row (so a double follow
//     changes it once);
//   - counts are changed with relative updates, user by user in id order, so
//     two transactions touching the same two users cannot deadlock.
type postgresStore struct{ *sqlStore }

func newPostgres(db *sqldb.DB) *postgresStore {
	return &postgresStore{&sqlStore{
		Bound:     sqldb.Bind(db),
		forShare:  " FOR SHARE",
		forUpdate: " FOR UPDATE",
	}}
}
