package identityapi

import (
	"context"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// UserSubscription is the consumer of a service that keeps its own copy of
// the users: the durable consumer named consumer on stream IDENTITY
// (identity.user.>), the newest version of each user kept
// (events.VersionedSubscription).
func UserSubscription(consumer string, apply func(ctx context.Context, tx *sqldb.Tx, env events.Envelope, u UserEvent) error) events.Subscription {
	stream, _ := events.StreamFor(Source)
	return events.VersionedSubscription(consumer, stream, "identity.user.>",
		func(u UserEvent) (string, int64) { return u.ID, u.Version }, apply,
		UserRegistered, UserUpdated, UserDeleted)
}
