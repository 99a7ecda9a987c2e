// Package kit is the shape every service has: a Module the composition root
// (internal/app) opens, migrates and builds the same way for each of them.
// A new service implements Module (usually with Define) in its own folder
// and adds one line to internal/app/modules.go.
package kit

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Module is one service as the composition root sees it.
type Module interface {
	// Name is the service's name: its database, stream, MARQUEE_<NAME>_URL and --services entry.
	Name() string
	// OpenAPI is the service's OpenAPI document; the gateway routes by it
	// even when the service runs in another process.
	OpenAPI() []byte
	// Migrations holds the folders sqlite/ and postgres/ of NNNN_name.sql files.
	Migrations() fs.FS
	// Build makes the service on its opened and migrated database.
	Build(ctx context.Context, env Env) (Parts, error)
}

// Env is what the composition root hands a service running in this process.
type Env struct {
	DB          *sqldb.DB
	Outbox      *events.Outbox // the service's outbox on DB
	Log         *slog.Logger   // already names the service
	Config      config.Config  // the whole configuration
	Revocations *auth.Revocations
	// Bus is the process's event bus, nil when offline (seed, migrate): for
	// services that keep work queues of their own on JetStream (media's
	// transcode jobs); events go through Outbox and Subscriptions.
	Bus *events.Bus
	// API calls the platform's HTTP API (base URL APIBase) through this
	// process's gateway, which answers from the service when it runs here
	// and forwards to it when it runs elsewhere: what a <name>api client needs.
	API *http.Client
}

// APIBase is the base URL of Env.API's requests.
const APIBase = "http://marquee.internal"

// Parts is what a built service contributes to the process. Every field may be empty.
type Parts struct {
	// Service is the built service value, for commands and tests (app.Lookup).
	Service any
	// Routes registers the service's routes, each with its access rule.
	Routes func(*httpx.Router)
	// Subscriptions are the durable consumers to run while serving.
	Subscriptions []events.Subscription
	// Workers is background work that runs while serving, until its context ends.
	Workers []func(context.Context) error
	// Feeds are events every process running the service follows on its
	// own (in-memory sets such as revocations); the process serves once
	// each has replayed its window.
	Feeds []events.Feed
	// Keys, set by the service that issues access tokens, is the key source
	// this process's verifier checks tokens with.
	Keys auth.KeySource
}

// Issuer is implemented by the module of the service that issues access
// tokens. Where it runs, its Parts.Keys check tokens; elsewhere RemoteKeys do.
type Issuer interface {
	Module
	// RemoteKeys is the key source of the issuer running at baseURL.
	RemoteKeys(baseURL string) auth.KeySource
}

// Define is a Module made of its parts.
func Define(name string, openAPI []byte, migrations fs.FS, build func(ctx context.Context, env Env) (Parts, error)) Module {
	return defined{name, openAPI, migrations, build}
}

type defined struct {
	name       string
	openAPI    []byte
	migrations fs.FS
	build      func(ctx context.Context, env Env) (Parts, error)
}

func (d defined) Name() string                                      { return d.name }
func (d defined) OpenAPI() []byte                                   { return d.openAPI }
func (d defined) Migrations() fs.FS                                 { return d.migrations }
func (d defined) Build(ctx context.Context, env Env) (Parts, error) { return d.build(ctx, env) }

// Migrate brings db to the module's schema: the event tables (outbox,
// inbox, dead letters) and then the service's own migrations.
func Migrate(ctx context.Context, db *sqldb.DB, m Module) error {
	if err := sqldb.Migrate(ctx, db, "events", events.Migrations); err != nil {
		return err
	}
	return sqldb.Migrate(ctx, db, m.Name(), m.Migrations())
}

// AccessTTL is the lifetime of access tokens: the issuer signs them for
// this long, and every process remembers a revocation for this long.
const AccessTTL = 15 * time.Minute
