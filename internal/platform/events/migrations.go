package events

import (
	"embed"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations creates the outbox, inbox and dead_letters tables. Every service
// applies them to its own database, next to its own tables:
//
//	sqldb.Migrate(ctx, db, "events", events.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// nowSQL is the current time as a SQL expression in the form the event tables
// store: SQLite keeps UTC text with milliseconds (so it still sorts as time).
func nowSQL(e sqldb.Engine) string {
	if e == sqldb.Postgres {
		return "now()"
	}
	return "strftime('%Y-%m-%d %H:%M:%f', 'now')"
}
