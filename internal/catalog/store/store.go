// Package store keeps the catalog's movies, people, credits and genres in SQL.
// Store is the interface; New returns the implementation for the database's
// engine (SQLite or PostgreSQL). Both share the SQL they agree on (written
// with `?` placeholders, rebound by sqldb); what differs is explicit in
// sqlite.go and postgres.go: timestamp columns (fixed-width UTC text versus
// TIMESTAMPTZ) and row locks (SQLite's immediate transactions hold the write
// lock already; PostgreSQL takes SELECT ... FOR UPDATE).
//
// Every method takes the sqldb.Querier to run on, so the service can put a
// write and its outbox events in one transaction (sqldb.DB.InTx).
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations holds the catalog schema and the fixed genre list, one folder
// per engine:
//
//	sqldb.Migrate(ctx, db, "catalog", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// ErrNotFound is returned when a movie or person does not exist (or is
// soft-deleted and the call does not include deleted rows).
var ErrNotFound = sqldb.ErrNotFound

// ErrDuplicateImportKey is returned when an import key is already taken.
var ErrDuplicateImportKey = errors.New("import key already used")

// MovieSort names a movie list order.
type MovieSort string

const (
	SortTitle      MovieSort = "title"
	SortYear       MovieSort = "year"
	SortRating     MovieSort = "rating"
	SortPopularity MovieSort = "popularity"
	SortCreated    MovieSort = "created"
)

// PersonSort names a person list order.
type PersonSort string

const (
	SortName          PersonSort = "name"
	SortPersonCreated PersonSort = "created"
)

// MovieQuery selects one page of movies.
type MovieQuery struct {
	Text           string // case-insensitive substring of the title
	Genre          string // genre slug or id
	YearFrom       int    // 0: no bound
	YearTo         int    // 0: no bound
	PersonID       string // any credit (cast or crew) of this (non-deleted) person
	MatchNothing   bool   // a filter no movie can meet (rating_min > 0, available=true)
	IncludeDeleted bool
	Sort           MovieSort
	Desc           bool
	After          []string // keyset position from MovieSortKey of the last row shown; nil: first page
	Limit          int      // rows to return (ask for one more than shown to learn if there is a next page)
}

// PersonQuery selects one page of people.
type PersonQuery struct {
	Text           string // case-insensitive substring of the name
	ActorsOnly     bool   // a cast credit on a non-deleted movie, or created as an actor
	IncludeDeleted bool
	Sort           PersonSort
	Desc           bool
	After          []string
	Limit          int
}

// NewMovie is a movie to insert: its validated fields and identity.
type NewMovie struct {
	ID        string
	Fields    catalogapi.MovieWrite // normalised by the service; cast orders set
	ImportKey string                // "" for none
	Now       time.Time
}

// NewPerson is a person to insert.
type NewPerson struct {
	ID            string
	Fields        catalogapi.PersonWrite
	ListedAsActor bool   // created through POST /api/actors
	ImportKey     string // "" for none
	Now           time.Time
}

// LockedPerson is the state of a person read under a row lock.
type LockedPerson struct {
	Name    string
	Deleted bool
}

// Store is the catalog's persistence. Reads of a single document return
// ErrNotFound (wrapped) when there is no such row.
type Store interface {
	sqldb.Transactor

	ListGenres(ctx context.Context, q sqldb.Querier) ([]catalogapi.Genre, error)
	// MissingGenres returns the ids among ids that are not genres.
	MissingGenres(ctx context.Context, q sqldb.Querier, ids []string) (map[string]bool, error)

	CreateMovie(ctx context.Context, q sqldb.Querier, m NewMovie) error
	// UpdateMovie replaces the fields, genres and credits of a non-deleted movie and bumps its version.
	UpdateMovie(ctx context.Context, q sqldb.Querier, id string, f catalogapi.MovieWrite, now time.Time) error
	// SoftDeleteMovie marks a non-deleted movie deleted.
	SoftDeleteMovie(ctx context.Context, q sqldb.Querier, id string, now time.Time) error
	// RestoreMovie clears deleted_at; restored is false when the movie was not deleted.
	RestoreMovie(ctx context.Context, q sqldb.Querier, id string, now time.Time) (restored bool, err error)
	// TouchMovies bumps the version and updated_at of the given non-deleted movies
	// (their documents changed through a credited person).
	TouchMovies(ctx context.Context, q sqldb.Querier, ids []string, now time.Time) error
	GetMovie(ctx context.Context, q sqldb.Querier, id string, includeDeleted bool) (catalogapi.Movie, error)
	ListMovies(ctx context.Context, q sqldb.Querier, mq MovieQuery) ([]catalogapi.MovieSummary, error)
	// MovieIDsCrediting lists the non-deleted movies crediting the person (who may be deleted).
	MovieIDsCrediting(ctx context.Context, q sqldb.Querier, personID string) ([]string, error)
	MovieIDByImportKey(ctx context.Context, q sqldb.Querier, key string) (string, error)

	CreatePerson(ctx context.Context, q sqldb.Querier, p NewPerson) error
	// LockPerson reads a person (deleted or not) and, on PostgreSQL, locks its row until the transaction ends.
	LockPerson(ctx context.Context, tx *sqldb.Tx, id string) (LockedPerson, error)
	UpdatePerson(ctx context.Context, q sqldb.Querier, id string, f catalogapi.PersonWrite, now time.Time) error
	SoftDeletePerson(ctx context.Context, q sqldb.Querier, id string, now time.Time) error
	RestorePerson(ctx context.Context, q sqldb.Querier, id string, now time.Time) (restored bool, err error)
	GetPerson(ctx context.Context, q sqldb.Querier, id string, includeDeleted bool) (catalogapi.Person, error)
	ListPeople(ctx context.Context, q sqldb.Querier, pq PersonQuery) ([]catalogapi.PersonSummary, error)
	// MissingPeople returns the ids among ids that are not non-deleted people.
	MissingPeople(ctx context.Context, q sqldb.Querier, ids []string) (map[string]bool, error)
	PersonByImportKey(ctx context.Context, q sqldb.Querier, key string) (ImportedPerson, error)
}

// ImportedPerson is a person found by import key.
type ImportedPerson struct {
	ID      string
	Name    string
	Deleted bool
}

// New returns the store implementation for db's engine.
func New(db *sqldb.DB) (Store, error) {
	switch db.Engine() {
	case sqldb.SQLite:
		return newSQLite(db), nil
	case sqldb.Postgres:
		return newPostgres(db), nil
	default:
		return nil, fmt.Errorf("catalog store: unsupported engine %q", db.Engine())
	}
}

// TitleKey is the search and sort key of a title.
func TitleKey(title string) string { return strings.ToLower(title) }

// NameKey is the search and sort key of a person's name.
func NameKey(name string) string { return strings.ToLower(name) }

// yearSortUnknownLast is what an unknown release date sorts as in ascending
// year order, so movies without a date come last both ways ('~' > digits).
const yearSortUnknownLast = "~"

// MovieSortKey is the keyset position of m in a list sorted by s: pass it as
// MovieQuery.After to get the rows after m.
func MovieSortKey(s MovieSort, desc bool, m catalogapi.MovieSummary) []string {
	switch s {
	case SortYear:
		d := ""
		if m.ReleaseDate != nil {
			d = *m.ReleaseDate
		}
		if d == "" && !desc {
			d = yearSortUnknownLast
		}
		return []string{d, TitleKey(m.Title), m.ID}
	case SortCreated:
		return []string{sqldb.FormatTime(m.CreatedAt), m.ID}
	default: // title; rating and popularity (all equal in the catalog) fall back to title
		return []string{TitleKey(m.Title), m.ID}
	}
}

// PersonSortKey is the keyset position of p in a list sorted by s.
func PersonSortKey(s PersonSort, p catalogapi.PersonSummary) []string {
	if s == SortPersonCreated {
		return []string{sqldb.FormatTime(p.CreatedAt), p.ID}
	}
	return []string{NameKey(p.Name), p.ID}
}
