// Package media is the media service: resumable uploads (tus, served by
// tusd), durable transcode jobs (ffmpeg into an HLS ladder, see jobs.go),
// video state and its events, playback sessions and continue watching
// (playback.go). It keeps its own copy of the catalog's movies from
// catalog.movie.* events, so an upload is accepted only for a movie that
// exists without asking the catalog, and continue-watching shows titles.
//
// Wiring: media.Module (a kit.Module) in internal/app/modules.go; its parts
// are the routes, the consumer media-movies and the transcode workers.
package media

import (
	"context"
	_ "embed"
	"io/fs"
	"log/slog"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/marquee-dev/marquee/internal/media/storage"
	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// OpenAPI is the OpenAPI 3.0.3 document of the media HTTP API.
//
//go:embed openapi.json
var OpenAPI []byte

// Migrations is the media schema, one folder per engine.
var Migrations fs.FS = store.Migrations

type options struct {
	now func() time.Time
}

// Option tunes the service.
type Option func(*options)

// WithClock has the service read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Service is the media service: its operations, HTTP handlers, event
// handlers and transcode workers.
type Service struct {
	db     *sqldb.DB
	store  *store.Store
	outbox *events.Outbox
	bus    *events.Bus // nil when offline
	cfg    config.Config
	log    *slog.Logger
	opts   options

	play     *playback             // stream leases and tokens (playback.go)
	storage  storage.Storage       // sources, renditions, pictures
	uploads  *tusd.UnroutedHandler // the tus protocol
	tusStore *tusd.StoreComposer   // tusd's view of the uploads' bytes
}

// New returns the media service on db (migrated with Migrations and
// events.Migrations), writing its events to outbox. bus (nil offline)
// carries the transcode jobs.
func New(db *sqldb.DB, outbox *events.Outbox, bus *events.Bus, files storage.Storage, cfg config.Config, log *slog.Logger, opts ...Option) (*Service, error) {
	st, err := store.New(db)
	if err != nil {
		return nil, err
	}
	o := kit.Options(options{now: time.Now}, opts)
	log = kit.Logger(log)
	s := &Service{db: db, store: st, outbox: outbox, bus: bus, storage: files, cfg: cfg, log: log, opts: o}
	if s.uploads, s.tusStore, err = newUploadHandler(s); err != nil {
		return nil, err
	}
	if s.play, err = newPlayback(context.Background(), s, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Module is the media service for the composition root (internal/app/modules.go).
var Module = kit.Define("media", OpenAPI, Migrations, func(ctx context.Context, env kit.Env) (kit.Parts, error) {
	files, err := storage.Open(ctx, env.Config.S3URL, env.Config.DataDir)
	if err != nil {
		return kit.Parts{}, err
	}
	s, err := New(env.DB, env.Outbox, env.Bus, files, env.Config, env.Log)
	if err != nil {
		return kit.Parts{}, err
	}
	s.play.callBillingThrough(env.API)
	return kit.Parts{Service: s, Routes: s.Routes, Subscriptions: s.Subscriptions(),
		Feeds: s.play.gate.Feeds(), Workers: []func(context.Context) error{s.transcodeWorker, s.endStaleLeases, s.expireUploadsWorker}}, nil
})

// now is the current time as the store keeps it.
func (s *Service) now() time.Time { return sqldb.Timestamp(s.opts.now()) }
