package sqldb

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrate applies the migrations of one component (a service, or the event
// tables) that are not applied yet. fsys holds one folder per engine,
// `sqlite/` and `postgres/`, with files named `NNNN_description.sql`. Each
// file runs in its own transaction together with its bookkeeping row, so a
// failed migration leaves nothing behind. Safe to run concurrently from
// several processes: PostgreSQL takes an advisory lock, SQLite's immediate
// transactions serialise.
func Migrate(ctx context.Context, db *DB, component string, fsys fs.FS) error {
	dir := string(db.engine)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrations of %s for %s: %w", component, dir, err)
	}
	type migration struct {
		version int
		name    string
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("migration %s/%s: name must start with a number", dir, e.Name())
		}
		ms = append(ms, migration{v, e.Name()})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	// the version is what schema_migrations records: a second file with the
	// same number would never run where the first one had
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return fmt.Errorf("migrations of %s for %s: %s and %s have the same number", component, dir, ms[i-1].name, ms[i].name)
		}
	}

	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
		PRIMARY KEY (component, version))`); err != nil {
		// two processes racing to create the table on PostgreSQL: the loser sees a unique violation
		if !IsUniqueViolation(err) {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	for _, m := range ms {
		body, err := fs.ReadFile(fsys, path.Join(dir, m.name))
		if err != nil {
			return err
		}
		err = db.InTx(ctx, func(tx *Tx) error {
			if db.engine == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('marquee_migrate_' || current_schema()))`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND version = ?`, component, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version, name) VALUES (?, ?, ?)`, component, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s %s/%s: %w", component, dir, m.name, err)
		}
	}
	return nil
}
