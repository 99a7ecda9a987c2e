// Package sqldb opens a service's SQL database on either engine (SQLite or
// PostgreSQL), rebinds `?` placeholders for PostgreSQL, runs migrations and
// wraps transactions. Stores write SQL once with `?` placeholders in the subset
// both engines share; engine-specific statements switch on DB.Engine.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a SQL engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = errors.New("not found")

// Querier is what DB and Tx have in common; both rebind `?` placeholders.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Engine() Engine
}

// DB is an open database of one service.
type DB struct {
	raw    *sql.DB
	engine Engine
	// Name identifies the database in health checks and metrics (the service name).
	Name string
	// writers holds the one SQLite write slot of this process (nil on PostgreSQL)
	writers chan struct{}
	// group queues SQLite writes for group commit (see Write)
	group writeGroup
	// stmts keeps SQLite's prepared statements (nil on PostgreSQL, whose
	// driver keeps its own)
	stmts *stmtCache
}

// Open opens a database from a URL:
//
//	sqlite:///abs/path/file.db, sqlite://rel/path.db or sqlite::memory: (SQLite, WAL)
//	postgres://user@host:5432/db?search_path=schema  (PostgreSQL; the schema is created)
func Open(ctx context.Context, name, rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, name, rawURL)
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, name, strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//"))
	default:
		return nil, fmt.Errorf("database url for %s: unsupported scheme in %q (want sqlite: or postgres://)", name, redact(rawURL))
	}
}

// sqliteConns is how many connections a SQLite database keeps open at most.
const sqliteConns = 8

func openSQLite(ctx context.Context, name, path string) (*DB, error) {
	memory := path == ":memory:" || path == ""
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create directory for %s database: %w", name, err)
		}
	}
	// immediate transactions take the write lock up front, so two writers
	// never deadlock upgrading a read lock; busy_timeout makes them queue.
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	if !memory {
		// A checkpoint every 10,000 WAL pages (40 MB) instead of 1,000 copies
		// a page rewritten by many commits once rather than every 4 MB, and
		// savepoints (group commit) journal in memory rather than in a temp
		// file: with larger consumer batches, half the write syscalls of the
		// demo fill (docs/BENCHMARKS.md).
		dsn += "&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(10000)&_pragma=temp_store(MEMORY)"
	} else {
		dsn = "file:" + name + "?mode=memory&cache=shared&_txlock=immediate&_pragma=foreign_keys(1)"
	}
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s sqlite database: %w", name, err)
	}
	raw.SetMaxOpenConns(sqliteConns)
	raw.SetMaxIdleConns(sqliteConns)
	raw.SetConnMaxLifetime(0)
	raw.SetConnMaxIdleTime(0)
	if err := raw.PingContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("open %s sqlite database %s: %w", name, path, err)
	}
	return &DB{raw: raw, engine: SQLite, Name: name, writers: make(chan struct{}, 1), group: writeGroup{turn: make(chan struct{}, 1)},
		stmts: &stmtCache{db: raw, byQuery: map[string]*sql.Stmt{}}}, nil
}

func openPostgres(ctx context.Context, name, rawURL string) (*DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse %s database url: %w", name, err)
	}
	schema := u.Query().Get("search_path")
	raw, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("open %s postgres database: %w", name, err)
	}
	raw.SetMaxOpenConns(16)
	raw.SetMaxIdleConns(16)
	if err := raw.PingContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("connect %s postgres database at %s: %w", name, redact(rawURL), err)
	}
	if schema != "" {
		if _, err := raw.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+QuoteIdent(schema)); err != nil {
			raw.Close()
			return nil, fmt.Errorf("create schema %s: %w", schema, err)
		}
	}
	return &DB{raw: raw, engine: Postgres, Name: name}, nil
}

// QuoteIdent quotes a SQL identifier for both engines.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

// Engine reports which SQL engine this database runs on.
func (db *DB) Engine() Engine { return db.engine }

// Raw gives the underlying *sql.DB (for stats and tests); queries through it are not rebound.
func (db *DB) Raw() *sql.DB { return db.raw }

func (db *DB) Close() error {
	db.stmts.close()
	return db.raw.Close()
}

// CloseIdle closes the SQLite connections nobody is using, and with them
// their page caches, parsed schemas and lookaside buffers (each connection
// has its own); the next burst opens them again. A no-op on PostgreSQL,
// whose memory is the server's.
func (db *DB) CloseIdle() {
	if db.engine == SQLite {
		db.raw.SetMaxIdleConns(0)
		db.raw.SetMaxIdleConns(sqliteConns)
	}
}

func (db *DB) Ping(ctx context.Context) error { return db.raw.PingContext(ctx) }

func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.raw.ExecContext(ctx, Rebind(db.engine, q), args...)
}

func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.raw.QueryContext(ctx, Rebind(db.engine, q), args...)
}

func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return db.raw.QueryRowContext(ctx, Rebind(db.engine, q), args...)
}

// Tx is a transaction; its statements are rebound like DB's.
type Tx struct {
	raw         *sql.Tx
	engine      Engine
	stmts       *stmtCache
	afterCommit []func()
}

// AfterCommit registers fn to run once the transaction has committed (not on
// rollback). The outbox uses it to wake its relay the moment events are durable.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

func (tx *Tx) Engine() Engine { return tx.engine }

func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := tx.prepared(ctx, q, args); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.raw.ExecContext(ctx, Rebind(tx.engine, q), args...)
}

func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := tx.prepared(ctx, q, args); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.raw.QueryContext(ctx, Rebind(tx.engine, q), args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := tx.prepared(ctx, q, args); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.raw.QueryRowContext(ctx, Rebind(tx.engine, q), args...)
}

// prepared is q's cached statement bound to this transaction, or nil (see stmtCache).
func (tx *Tx) prepared(ctx context.Context, q string, args []any) *sql.Stmt {
	if tx.stmts == nil || len(args) == 0 {
		return nil
	}
	st := tx.stmts.get(ctx, q)
	if st == nil {
		return nil
	}
	return tx.raw.StmtContext(ctx, st)
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled back otherwise
// (and on panic, which is re-raised). Functions fn registered with
// tx.AfterCommit run after the commit.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.runTx(ctx, fn)
	if err != nil {
		return err
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

func (db *DB) runTx(ctx context.Context, fn func(tx *Tx) error) (*Tx, error) {
	if db.writers != nil {
		// SQLite has one writer at a time: queue here rather than in
		// SQLite's busy handler, whose back-off sleeps (up to 100 ms) made a
		// short transaction wait far longer than the one ahead of it
		select {
		case db.writers <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("begin transaction: %w", ctx.Err())
		}
		defer func() { <-db.writers }()
	}
	raw, err := db.raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = raw.Rollback()
			panic(p)
		}
	}()
	tx := &Tx{raw: raw, engine: db.engine, stmts: db.stmts}
	if err := fn(tx); err != nil {
		_ = raw.Rollback()
		return nil, err
	}
	if err := raw.Commit(); err != nil {
		return nil, fmt.Errorf("commit transaction: %w", err)
	}
	return tx, nil
}

// Rebind turns `?` placeholders into `$1, $2, ...` for PostgreSQL. Question
// marks inside single-quoted literals are left alone.
func Rebind(engine Engine, q string) string {
	if engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inString := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Transactor is what every service's store shares: it is bound to its
// database and owns the transactions its writes run in. A write that must be
// atomic (state, projections and outbox rows) is one InTx; methods that lock
// rows take the *Tx, so no lock is taken outside a transaction.
type Transactor interface {
	// InTx runs fn in one write transaction (DB.Write: group commit on SQLite).
	InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error
	Engine() Engine
}

// Bound implements Transactor for a store on db; stores embed it.
type Bound struct{ db *DB }

// Bind returns the Transactor of a store on db.
func Bind(db *DB) Bound { return Bound{db: db} }

func (b Bound) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return b.db.Write(ctx, fn)
}

func (b Bound) Engine() Engine { return b.db.engine }
