// Package sqldbtest opens real, throwaway databases for tests: a SQLite file in
// t.TempDir(), or a fresh schema in the PostgreSQL server named by
// MARQUEE_TEST_POSTGRES_URL (dropped when the test ends).
//
// When MARQUEE_TEST_POSTGRES_URL is unset, PostgreSQL tests are skipped on a
// developer machine but FAIL when CI is set: CI must never pass by skipping.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Engines lists the engines a conformance suite runs on.
var Engines = []sqldb.Engine{sqldb.SQLite, sqldb.Postgres}

// Open returns a fresh, empty database of the given engine, closed (and for
// PostgreSQL dropped) when the test ends.
func Open(t testing.TB, engine sqldb.Engine) *sqldb.DB {
	t.Helper()
	u := URL(t, engine)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	db, err := sqldb.Open(ctx, "test", u)
	if err != nil {
		t.Fatalf("open %s test database: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// URL returns the URL of a fresh database of the given engine: a new SQLite
// file, or a new PostgreSQL schema (dropped at cleanup). Use it to open the
// same database more than once, e.g. to simulate a process restart.
func URL(t testing.TB, engine sqldb.Engine) string {
	t.Helper()
	switch engine {
	case sqldb.SQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	case sqldb.Postgres:
		base := PostgresURL(t)
		schema := "t_" + randomHex(6)
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("MARQUEE_TEST_POSTGRES_URL: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			db, err := sqldb.Open(ctx, "cleanup", base)
			if err != nil {
				return
			}
			defer db.Close()
			_, _ = db.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+sqldb.QuoteIdent(schema)+` CASCADE`)
		})
		return u.String()
	default:
		t.Fatalf("unknown engine %q", engine)
		return ""
	}
}

// PostgresURL returns MARQUEE_TEST_POSTGRES_URL, skipping the test when it is
// unset outside CI and failing it when it is unset in CI.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("MARQUEE_TEST_POSTGRES_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MARQUEE_TEST_POSTGRES_URL is not set; CI must run the PostgreSQL tests")
		}
		t.Skip("MARQUEE_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped (they fail instead in CI)")
	}
	return u
}

// EachEngine runs fn as a parallel subtest per engine, for tests that set
// up their databases themselves (a whole service, several processes).
func EachEngine(t *testing.T, fn func(t *testing.T, engine sqldb.Engine)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}

// ForEachEngine runs fn as a parallel subtest per engine with a fresh database.
func ForEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	EachEngine(t, func(t *testing.T, e sqldb.Engine) { fn(t, Open(t, e)) })
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
