package catalogapi

import (
	"context"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// MovieSubscription is the consumer of a service that keeps its own copy of
// the catalog's movies: the durable consumer named consumer on stream
// CATALOG (catalog.movie.>) hands apply every movie event whose payload
// names a movie and a version (events.Versioned); apply keeps the newest
// version (sqldb.UpsertNewer).
func MovieSubscription(consumer string, apply func(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m MovieEvent) error) events.Subscription {
	stream, _ := events.StreamFor(Source)
	return events.Subscription{
		Config: events.ConsumerConfig{Name: consumer, Stream: stream, FilterSubjects: []string{"catalog.movie.>"}},
		Handler: events.Handle(events.On(func(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m MovieEvent) error {
			if err := events.Versioned(env, m.ID, m.Version); err != nil {
				return err
			}
			return apply(ctx, tx, env, m)
		}, MovieCreated, MovieUpdated, MovieDeleted, MovieRestored)),
	}
}
