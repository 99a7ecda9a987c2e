package catalogapi

import (
	"context"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// MovieSubscription is the consumer of a service that keeps its own copy of
// the catalog's movies: the durable consumer named consumer on stream
// CATALOG (catalog.movie.>), the newest version of each movie kept
// (events.VersionedSubscription).
func MovieSubscription(consumer string, apply func(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m MovieEvent) error) events.Subscription {
	stream, _ := events.StreamFor(Source)
	return events.VersionedSubscription(consumer, stream, "catalog.movie.>",
		func(m MovieEvent) (string, int64) { return m.ID, m.Version }, apply,
		MovieCreated, MovieUpdated, MovieDeleted, MovieRestored)
}
