// Package store keeps the browse read model in SQL. Store is the interface;
// New returns the implementation for the database's engine (SQLite or
// PostgreSQL). Both share the SQL they agree on (written with `?`
// placeholders, rebound by sqldb); what differs is explicit in sqlite.go and
// postgres.go: full-text search (FTS5 versus tsvector + pg_trgm), row locks
// (SQLite's immediate transactions hold the write lock already; PostgreSQL
// takes SELECT ... FOR UPDATE) and the bulk loader.
//
// The store knows rows, keys and indexes, not events: the browse service
// decides what a row holds (documents, sort keys, the weighted rating) and
// the store writes and reads it. Every method takes the sqldb.Querier to
// run on, so an event's effects and its inbox row commit together.
package store

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations holds the browse schema, one folder per engine:
//
//	sqldb.Migrate(ctx, db, "browse", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// ErrNotFound is returned when a movie or person is not in the read model
// (or is deleted and the call does not ask for deleted documents).
var ErrNotFound = sqldb.ErrNotFound

// ErrBadPosition is returned by the list methods when After does not fit the sort.
var ErrBadPosition = sqldb.ErrBadPosition

// Search entry kinds.
const (
	KindMovie  = "movie"
	KindPerson = "person"
)

// Rating is a movie's rating summary as the reviews service last sent it.
type Rating struct {
	Version   int64          // reviews' per-movie version; 0: none received
	Count     int            // number of ratings
	Sum       int64          // sum of all ratings (C, the mean over all ratings, adds these up)
	Average   *float64       // nil when Count is 0
	Histogram map[string]int // "1".."10"
}

// MovieState is a movie row as read (and, on PostgreSQL, locked) before a change.
type MovieState struct {
	Version int64 // catalog document version; 0 when only a rating is known
	Live    bool  // known and not soft-deleted
	Rating  Rating
	Doc     []byte // the public document; nil when Version is 0
}

// Credit is one cast or crew credit of a live movie.
type Credit struct {
	Kind      string // catalogapi.CreditCast or CreditCrew
	Seq       int    // position within its kind in the document
	PersonID  string
	Character string
	Job       string
	Order     int
}

// MovieKeys are a movie's sort keys.
type MovieKeys struct {
	Title      string // as shown (filmographies)
	TitleKey   string // lower-cased title
	ReleaseKey string // YYYY-MM-DD or ""
	CreatedKey string // FormatTime(created_at)
}

// MovieRecord is everything the read model holds about one movie.
type MovieRecord struct {
	ID      string
	Version int64
	Live    bool
	Keys    MovieKeys
	Rating  Rating
	WR      float64 // weighted rating (0 when unrated)
	Doc     []byte  // public document (GET /api/movies/{id})
	Summary []byte  // list item
	// GenreIDs and Credits are stored for live movies only.
	GenreIDs []string
	Credits  []Credit
}

// PersonRecord is a person of the read model.
type PersonRecord struct {
	ID         string
	Version    int64
	Live       bool
	NameKey    string
	CreatedKey string
	Doc        []byte // the person without filmography (list item)
}

// SearchEntry is one searchable movie or person.
type SearchEntry struct {
	Kind       string // KindMovie or KindPerson
	ID         string
	Text       string // folded, space-separated words
	Popularity int    // rating count of a movie
	Item       []byte // the encoded browseapi.SearchResult, without score
}

// Stats are the aggregates behind the weighted rating.
type Stats struct {
	RatingSum   int64   // sum of every rating of live movies
	RatingCount int64   // number of those ratings
	CUsed       float64 // the C weighted ratings are computed with now
	MUsed       int     // the m they are computed with now (0: never computed)
	CDone       float64 // the C every stored weighted rating was computed with by the last full pass (-1: unknown)
	MDone       int     // the m of that pass
}

// Reweighed reports whether every stored weighted rating uses the C and m in use.
func (s Stats) Reweighed() bool { return s.CDone == s.CUsed && s.MDone == s.MUsed }

// C is the mean of every rating of live movies (0 when there is none).
func (s Stats) C() float64 {
	if s.RatingCount == 0 {
		return 0
	}
	return float64(s.RatingSum) / float64(s.RatingCount)
}

// MovieSort names a movie list order.
type MovieSort string

const (
	SortTitle      MovieSort = "title"
	SortYear       MovieSort = "year"
	SortRating     MovieSort = "rating"
	SortPopularity MovieSort = "popularity"
	SortCreated    MovieSort = "created"
)

// MovieQuery selects one page of live movies.
type MovieQuery struct {
	Text      string  // case-insensitive substring of the title
	GenreID   string  // a genre id ("" for any)
	YearFrom  int     // 0: no bound
	YearTo    int     // 0: no bound
	PersonID  string  // any credit (cast or crew) of this person
	RatingMin float64 // > 0: rated movies with an average of at least this
	Nothing   bool    // a filter no movie can meet (available=true for a caller without a subscription)
	PlanID    string  // movies this plan offers ("" for any)
	AnyPlan   bool    // movies some plan offers
	Sort      MovieSort
	Desc      bool
	After     []string // keyset position (MovieRow.Key of the last row shown); nil: first page
	Limit     int      // rows to return (ask for one more than shown to learn if there is a next page)
}

// MovieRow is a movie in a list: its encoded list item and keyset position.
type MovieRow struct {
	ID      string
	Summary []byte
	Key     []string
}

// TopRow is a movie of the top-rated list.
type TopRow struct {
	ID       string
	Summary  []byte
	WR       float64
	TitleKey string // ties of WR read A to Z
}

// PersonSort names a person list order.
type PersonSort string

const (
	SortName          PersonSort = "name"
	SortPersonCreated PersonSort = "created"
)

// PersonQuery selects one page of live people.
type PersonQuery struct {
	Text       string // case-insensitive substring of the name
	ActorsOnly bool   // a cast credit on a live movie
	Sort       PersonSort
	Desc       bool
	After      []string
	Limit      int
}

// PersonRow is a person in a list.
type PersonRow struct {
	ID  string
	Doc []byte
	Key []string
}

// PersonDoc is a person as stored.
type PersonDoc struct {
	Version int64
	Live    bool
	Doc     []byte
}

// MovieDoc is the stored public document of a movie.
type MovieDoc struct {
	Version       int64
	RatingVersion int64
	Live          bool
	Doc           []byte
}

// SearchQuery asks for the entries matching every word (as a word prefix).
type SearchQuery struct {
	Words []string // folded words, each letters and digits only
	Kind  string   // "" for both kinds
	Max   int      // at most this many candidates, the most popular first (SQLite: by powers of two)
}

// Candidate is a search match before ranking.
type Candidate struct {
	Kind       string
	ID         string
	Text       string
	Popularity int
	Fuzzy      bool // found by similarity only, not by the word prefixes
}

// Ref names a search entry.
type Ref struct{ Kind, ID string }

// Store is the read model's persistence.
type Store interface {
	sqldb.Transactor
	// What billing's plans offer, and the plan each user's subscription
	// gives (from billing's events; store/plans.go).
	ApplyMoviePlans(ctx context.Context, q sqldb.Querier, movieID string, planIDs []string, version int64) (bool, error)
	MoviePlans(ctx context.Context, q sqldb.Querier, movieID string) ([]byte, int64, error)
	ApplyUserPlan(ctx context.Context, q sqldb.Querier, userID, planID string, active bool, version int64) (bool, error)
	UserPlan(ctx context.Context, q sqldb.Querier, userID string) (string, error)
	// FuzzySearch reports whether FuzzyCandidates finds anything on this
	// database (typo tolerance needs PostgreSQL with pg_trgm).
	FuzzySearch(ctx context.Context, q sqldb.Querier) bool

	// LockStats reads (and on PostgreSQL locks) the aggregates row. Every
	// movie and rating change takes it first, so they apply one at a time
	// even with several consumer instances on PostgreSQL.
	LockStats(ctx context.Context, tx *sqldb.Tx) (Stats, error)
	SaveStats(ctx context.Context, q sqldb.Querier, s Stats) error
	// RecomputeStats sets the rating totals from the movie rows (exact).
	RecomputeStats(ctx context.Context, q *sqldb.Tx) (Stats, error)
	// RecomputeWeightedRatings sets wr = (v·R + m·C)/(v + m) on the rows of
	// the top-rated list after movie id `after` ("" from the first), at most
	// limit of them (0: all), and returns the last movie id it set ("" when
	// there was none left).
	RecomputeWeightedRatings(ctx context.Context, q sqldb.Querier, m int, c float64, after string, limit int) (last string, err error)

	// LockMovie makes sure a row exists for id (a placeholder if none),
	// locks it on PostgreSQL and returns its state.
	LockMovie(ctx context.Context, tx *sqldb.Tx, id string) (MovieState, error)
	// MovieGenreIDs lists the genres a live movie is stored under.
	MovieGenreIDs(ctx context.Context, q sqldb.Querier, id string) ([]string, error)
	// PutMovie writes the whole movie: row, genre membership and credits (replaced).
	PutMovie(ctx context.Context, q sqldb.Querier, m MovieRecord) error
	// PutMovieRating writes a new rating of a movie (live: listed) with its
	// documents (nil: none yet) and weighted rating.
	PutMovieRating(ctx context.Context, q sqldb.Querier, id string, live bool, r Rating, wr float64, doc, summary []byte) error
	UpsertGenres(ctx context.Context, q sqldb.Querier, genres []catalogapi.Genre) error
	// RecountGenres sets movie_count of the genres from the live movies.
	RecountGenres(ctx context.Context, q sqldb.Querier, ids []string) error

	// LockPerson returns the stored version of a person (0 when unknown), locking the row on PostgreSQL.
	LockPerson(ctx context.Context, tx *sqldb.Tx, id string) (int64, error)
	PutPerson(ctx context.Context, q sqldb.Querier, p PersonRecord) error

	PutSearch(ctx context.Context, q sqldb.Querier, e SearchEntry) error
	DeleteSearch(ctx context.Context, q sqldb.Querier, kind, id string) error
	// SetSearchItem replaces the item and popularity of an entry, if there is one.
	SetSearchItem(ctx context.Context, q sqldb.Querier, kind, id string, item []byte, popularity int) error
	// RecountPeople sets the search popularity of people (entries that
	// exist) to their number of credited live movies.
	RecountPeople(ctx context.Context, q sqldb.Querier, ids []string) error
	// PersonMovies counts the live movies crediting a person.
	PersonMovies(ctx context.Context, q sqldb.Querier, id string) (int, error)

	// Truncate empties the read model (for a rebuild). The event tables are left alone.
	Truncate(ctx context.Context, q sqldb.Querier) error

	Stats(ctx context.Context, q sqldb.Querier) (Stats, error)
	MovieDoc(ctx context.Context, q sqldb.Querier, id string) (MovieDoc, error)
	ListMovies(ctx context.Context, q sqldb.Querier, mq MovieQuery) ([]MovieRow, error)
	// TopRated lists live rated movies by weighted rating, best first, ties
	// by title key A to Z then id, after (wr, title key, id) when after is set.
	TopRated(ctx context.Context, q sqldb.Querier, after *TopRow, limit int) ([]TopRow, error)
	// GenreID resolves a genre slug or id; ErrNotFound when unknown.
	GenreID(ctx context.Context, q sqldb.Querier, slugOrID string) (string, error)
	// ListGenres returns every genre with its live movie count, sorted by name.
	ListGenres(ctx context.Context, q sqldb.Querier) ([]browseapi.Genre, error)
	Person(ctx context.Context, q sqldb.Querier, id string) (PersonDoc, error)
	// Filmography lists a person's credits on live movies, newest release first.
	Filmography(ctx context.Context, q sqldb.Querier, personID string) ([]catalogapi.FilmographyEntry, error)
	ListPeople(ctx context.Context, q sqldb.Querier, pq PersonQuery) ([]PersonRow, error)
	// SearchCandidates finds the entries whose words start with every query word.
	SearchCandidates(ctx context.Context, q sqldb.Querier, sq SearchQuery) ([]Candidate, error)
	// FuzzyCandidates finds entries with words similar to the query's (typos);
	// none on engines without typo-tolerant matching.
	FuzzyCandidates(ctx context.Context, q sqldb.Querier, sq SearchQuery) ([]Candidate, error)
	// SearchItems returns the stored items of the entries named.
	SearchItems(ctx context.Context, q sqldb.Querier, refs []Ref) (map[Ref][]byte, error)
}

// BulkLoad inserts rows into an empty read model as fast as the engine
// allows (synthetic data for benchmarks; not part of Store, which is what
// the service runs on). Stats are not touched.
func BulkLoad(ctx context.Context, db *sqldb.DB, b Bulk) error {
	switch db.Engine() {
	case sqldb.SQLite:
		return newSQLite(db).bulkLoad(ctx, db, b)
	case sqldb.Postgres:
		return newPostgres(db).bulkLoad(ctx, db, b)
	default:
		return fmt.Errorf("browse store: unsupported engine %q", db.Engine())
	}
}

// Bulk is a batch of rows for BulkLoad.
type Bulk struct {
	Movies []MovieRecord
	People []PersonRecord
	Genres []catalogapi.Genre
	Search []SearchEntry
}

// New returns the store implementation for db's engine.
func New(db *sqldb.DB) (Store, error) {
	switch db.Engine() {
	case sqldb.SQLite:
		return newSQLite(db), nil
	case sqldb.Postgres:
		return newPostgres(db), nil
	default:
		return nil, fmt.Errorf("browse store: unsupported engine %q", db.Engine())
	}
}

// TitleKey is the sort and filter key of a title.
func TitleKey(title string) string { return strings.ToLower(title) }

// NameKey is the sort and filter key of a person's name.
func NameKey(name string) string { return strings.ToLower(name) }

// releaseUnknownLast is what an unknown release date sorts as oldest-first,
// so movies without a date come last both ways ('~' > digits).
const releaseUnknownLast = "~"

// ratingUnrated* are what an unrated movie sorts as, last both ways.
const (
	ratingUnratedHi = -1.0
	ratingUnratedLo = 99.0
)

func ratingKeys(r Rating) (hi, lo float64) {
	if r.Count == 0 || r.Average == nil {
		return ratingUnratedHi, ratingUnratedLo
	}
	return *r.Average, *r.Average
}
