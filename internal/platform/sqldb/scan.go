package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Time scans a timestamp column of either engine into *dst: PostgreSQL hands
// over a time.Time, SQLite the RFC 3339 text the stores write. NULL is an error.
func Time(dst *time.Time) sql.Scanner { return timeScanner{dst} }

// NullTime scans a nullable timestamp column into *dst (nil for NULL).
func NullTime(dst **time.Time) sql.Scanner { return nullTimeScanner{dst} }

type timeScanner struct{ dst *time.Time }

func (ts timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*ts.dst = v.UTC()
		return nil
	case string:
		return ts.parse(v)
	case []byte:
		return ts.parse(string(v))
	default:
		return fmt.Errorf("timestamp column holds %T", src)
	}
}

func (ts timeScanner) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp column holds %q: %w", s, err)
	}
	*ts.dst = t.UTC()
	return nil
}

type nullTimeScanner struct{ dst **time.Time }

func (ns nullTimeScanner) Scan(src any) error {
	if src == nil {
		*ns.dst = nil
		return nil
	}
	var t time.Time
	if err := (timeScanner{&t}).Scan(src); err != nil {
		return err
	}
	*ns.dst = &t
	return nil
}

// Placeholders returns "?, ?, ?" for n arguments (an IN list or a VALUES row).
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// StringArgs turns strings into query arguments (for an IN list).
func StringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Row is what a scan function reads: a *sql.Row or the current row of *sql.Rows.
type Row interface{ Scan(dest ...any) error }

// ScanString scans a one-column row of text (for QueryAll).
func ScanString(row Row) (s string, err error) {
	err = row.Scan(&s)
	return s, err
}

// QueryAll runs a query and scans every row with scan; an empty result is an
// empty (not nil) slice.
func QueryAll[T any](ctx context.Context, q Querier, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
