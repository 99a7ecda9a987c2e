package identityapi

import (
	"context"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// UserSubscription is the consumer of a service that keeps its own copy of
// the users: the durable consumer named consumer on stream IDENTITY
// (identity.user.>) hands apply every user event whose payload names a user
// and a version (events.Versioned); apply keeps the newest version
// (sqldb.UpsertNewer).
func UserSubscription(consumer string, apply func(ctx context.Context, tx *sqldb.Tx, env events.Envelope, u UserEvent) error) events.Subscription {
	stream, _ := events.StreamFor(Source)
	return events.Subscription{
		Config: events.ConsumerConfig{Name: consumer, Stream: stream, FilterSubjects: []string{"identity.user.>"}},
		Handler: events.Handle(events.On(func(ctx context.Context, tx *sqldb.Tx, env events.Envelope, u UserEvent) error {
			if err := events.Versioned(env, u.ID, u.Version); err != nil {
				return err
			}
			return apply(ctx, tx, env, u)
		}, UserRegistered, UserUpdated, UserDeleted)),
	}
}
