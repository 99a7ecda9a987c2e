package events_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// How a composition root wires the event backbone: one bus per process, the
// event tables in each service's database, one stream per producing service,
// one relay per producing database and one consumer per (service, purpose).
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.Default()

	bus, err := events.StartEmbedded(ctx, "/var/lib/marquee/nats") // or events.Connect(ctx, natsURL)
	if err != nil {
		panic(err)
	}
	defer bus.Close() // after the relays and consumers below have returned

	// the producer: catalog
	catalogDB, _ := sqldb.Open(ctx, "catalog", "sqlite:///var/lib/marquee/catalog.db")
	_ = sqldb.Migrate(ctx, catalogDB, "events", events.Migrations)
	name, subject := events.StreamFor("catalog") // CATALOG, catalog.>
	_ = bus.EnsureStream(ctx, name, subject)
	catalogOutbox := events.NewOutbox(catalogDB)

	// in a catalog operation: the change and its event commit together
	_ = catalogDB.InTx(ctx, func(tx *sqldb.Tx) error {
		// ... INSERT INTO movies ...
		env, err := events.New("catalog", "catalog.movie.created", "movie-id", map[string]string{"title": "Alien"})
		if err != nil {
			return err
		}
		return catalogOutbox.Add(ctx, tx, env)
	})

	// a consumer: browse's read model
	browseDB, _ := sqldb.Open(ctx, "browse", "sqlite:///var/lib/marquee/browse.db")
	_ = sqldb.Migrate(ctx, browseDB, "events", events.Migrations)
	movies := events.NewConsumer(browseDB, bus, events.Subscription{Config: events.ConsumerConfig{
		Name: "browse-movies", Stream: "CATALOG", FilterSubjects: []string{"catalog.movie.>"},
	}, Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
		var movie struct{ Title string }
		if err := env.Decode(&movie); err != nil {
			return events.Permanent(err) // retrying cannot fix a payload
		}
		if movie.Title == "" {
			return events.Permanent(errors.New("movie without a title"))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO movie_docs (id, title) VALUES (?, ?)`, env.Subject, movie.Title)
		return err // other errors are retried with a growing delay
	}}, log)

	// both run until ctx is cancelled (shutdown), then return nil
	var wg sync.WaitGroup
	wg.Go(func() { _ = events.NewRelay(catalogDB, catalogOutbox, bus, log).Run(ctx) })
	wg.Go(func() { _ = movies.Run(ctx) })
	wg.Wait()
}
