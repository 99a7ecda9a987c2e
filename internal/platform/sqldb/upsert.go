package sqldb

import (
	"context"
	"fmt"
	"strings"
)

// UpsertNewer writes one row of a projection that keeps the newest version
// of each entity it learns about from events: the row is inserted when its
// key is new and replaces the stored row only when its version is higher, so
// redelivered and out-of-order events leave the newest state. cols name the
// columns of vals; the first is the key and versionCol is one of the others.
// applied reports whether the row was written.
func UpsertNewer(ctx context.Context, q Querier, table, versionCol string, cols []string, vals ...any) (applied bool, err error) {
	set := make([]string, len(cols)-1)
	for i, c := range cols[1:] {
		set[i] = c + " = excluded." + c
	}
	query := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(cols)-1) + ")" +
		" ON CONFLICT (" + cols[0] + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" WHERE " + table + "." + versionCol + " < excluded." + versionCol
	res, err := q.ExecContext(ctx, query, vals...)
	if err == nil {
		var n int64
		n, err = res.RowsAffected()
		applied = n > 0
	}
	if err != nil {
		return false, fmt.Errorf("apply %s %v: %w", table, vals[0], err)
	}
	return applied, nil
}
