// Package store keeps the media service's data in SQL: the catalog's movies
// (from its events), videos and their renditions, tus uploads, playback
// sessions and watch positions. Store is one type for both engines: the SQL
// is the subset SQLite and PostgreSQL share (`?` placeholders, rebound by
// sqldb); what differs is the timestamp argument (Engine().TimeArg) and the
// column types of the migrations.
//
// Reads take the sqldb.Querier to run on; writes run in the caller's
// transaction (Store.InTx), so a state change and its outbox events commit
// together.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations holds the media schema, one folder per engine:
//
//	sqldb.Migrate(ctx, db, "media", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// ErrNotFound is returned when a movie, video or upload does not exist.
var ErrNotFound = sqldb.ErrNotFound

// Video states.
const (
	StateUploaded   = "uploaded"
	StateProcessing = "processing"
	StateReady      = "ready"
	StateFailed     = "failed"
)

// Upload states.
const (
	UploadReceiving  = "receiving"
	UploadCompleting = "completing" // one request probes it and stores the source
	UploadCompleted  = "completed"
	UploadAbandoned  = "abandoned"
)

// Movie is what media knows of a catalog movie.
type Movie struct {
	ID        string
	Title     string
	PosterURL *string
	Deleted   bool
	Version   int64
}

// Rendition is one complete rung of a video's ladder.
type Rendition struct {
	Height           int
	Width            int
	Bandwidth        int // peak, bits/s
	AverageBandwidth int
	Codecs           string
}

// Video is one uploaded (or demo) video of a movie.
type Video struct {
	ID              string
	MovieID         string
	UploadID        string // "" for demo videos
	State           string
	Progress        float64
	DurationSeconds float64
	SourceWidth     int
	SourceHeight    int
	SourceCodec     string
	StoragePrefix   string // Storage keys of its files start with it ("videos/<id>/")
	HasPoster       bool
	HasThumbnails   bool
	Complete        bool // every rung of its ladder is there
	Error           string
	Attempts        int
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ReadyAt         *time.Time
	Renditions      []Rendition // ascending height
}

// Upload is a tus upload bound to a movie.
type Upload struct {
	ID        string
	MovieID   string
	UserID    string
	Size      int64
	Filename  string
	State     string
	VideoID   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Store is the media service's SQL store on one database.
type Store struct {
	sqldb.Bound
}

// New returns the store of db (migrated with Migrations and events.Migrations).
func New(db *sqldb.DB) (*Store, error) {
	switch db.Engine() {
	case sqldb.SQLite, sqldb.Postgres:
		return &Store{Bound: sqldb.Bind(db)}, nil
	}
	return nil, fmt.Errorf("media store: unsupported engine %q", db.Engine())
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

// ---- movies

// ApplyMovie keeps the catalog's newest version of a movie; applied says
// whether it was newer than what was kept.
func (s *Store) ApplyMovie(ctx context.Context, q sqldb.Querier, m Movie) (bool, error) {
	return sqldb.UpsertNewer(ctx, q, "movies", "version", []string{"id", "title", "poster_url", "deleted", "version"},
		m.ID, m.Title, m.PosterURL, flag(m.Deleted), m.Version)
}

// Movie returns a movie (deleted ones too: Deleted says so).
func (s *Store) Movie(ctx context.Context, q sqldb.Querier, id string) (Movie, error) {
	var m Movie
	var deleted int
	err := q.QueryRowContext(ctx, `SELECT id, title, poster_url, deleted, version FROM movies WHERE id = ?`, id).
		Scan(&m.ID, &m.Title, &m.PosterURL, &deleted, &m.Version)
	m.Deleted = deleted == 1
	return m, notFound(err, "movie "+id)
}
