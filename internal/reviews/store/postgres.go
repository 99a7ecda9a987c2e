package store

import (
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postgresStore is the PostgreSQL implementation. What is PostgreSQL-specific:
//   - timestamps are TIMESTAMPTZ (microseconds) and take time.Time arguments;
//   - ids use the "C" collation (see the migration), so pages come in the same
//     byte order as on SQLite;
//   - a review read before its update or deletion is locked (FOR UPDATE OF r),
//     so two writers of one review are serialised (READ COMMITTED would let
//     both read the old rating and both adjust the summary from it);
//   - the author read by a review write takes FOR SHARE, so the deletion of
//     the account (which removes the author's reviews) waits for it, or it
//     sees the deletion;
//   - the rating summary needs no explicit lock: INSERT ... ON CONFLICT DO
//     UPDATE with relative updates locks the row, and a concurrent writer
//     re-reads the committed row before adding its own change.
type postgresStore struct{ *sqlStore }

func newPostgres(db *sqldb.DB) *postgresStore {
	return &postgresStore{&sqlStore{
		Bound:      sqldb.Bind(db),
		lockReview: " FOR UPDATE OF r",
		// a locking clause may not name the nullable side of an outer join:
		// the author is locked inside a lateral subquery instead
		movieAndAuthor: `SELECT m.title, m.deleted, m.version, a.display_name, a.deleted, a.version
			FROM movies m LEFT JOIN LATERAL (SELECT display_name, deleted, version FROM authors WHERE id = ? FOR SHARE) a ON true
			WHERE m.id = ?`,
	}}
}
