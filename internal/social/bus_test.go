package social_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// TestEventsEndToEnd runs the social service's consumers and relay on an
// embedded NATS: identity, reviews and catalog events flow in through the
// real Consumer (whose inbox absorbs a duplicate delivery) and the follow
// events flow out to the SOCIAL stream.
func TestEventsEndToEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bus := servicetest.StartBus(t, ctx, catalogapi.Source, identityapi.Source, reviewsapi.Source, socialapi.Source)
	identity, reviews, catalog := servicetest.NewProducer(t, bus), servicetest.NewProducer(t, bus), servicetest.NewProducer(t, bus)

	e := newEnv(t, sqldb.SQLite)
	consumers := servicetest.StartConsumers(t, e.db, bus, e.svc.Subscriptions())
	servicetest.StartRelay(t, e.db, e.evOutbox, bus)

	sink := servicetest.NewSink(t, bus, socialapi.Source)

	meID, annID, movie := uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()
	identity.Publish(t, userEvent(t, identityapi.UserRegistered, meID, "Me", 1, false), userEvent(t, identityapi.UserRegistered, annID, "Ann", 1, false))
	catalog.Publish(t, movieEvent(t, catalogapi.MovieCreated, movie, "Heat", 1, false))
	at := time.Now().UTC().Truncate(time.Microsecond)
	review := reviewsapi.ReviewEvent{ID: uuid.Must(uuid.NewV7()).String(), MovieID: movie, MovieTitle: "Heat", AuthorID: annID,
		AuthorDisplayName: "Ann", Rating: 8, Body: "good", Version: 1, CreatedAt: at, UpdatedAt: at}
	submitted := reviewEvent(t, reviewsapi.ReviewSubmitted, review)
	reviews.Publish(t, submitted)
	// a duplicate delivery under another Nats-Msg-Id: only the inbox can catch it
	servicetest.PublishAgain(t, ctx, bus, submitted)

	// everything published first (the relays mark rows after the ack), then consumed
	servicetest.RequirePublished(t, ctx, identity, reviews, catalog)
	// both deliveries of the duplicated event settled, every other event
	// consumed: the inbox holds the event once
	servicetest.RequireCaughtUp(t, ctx, bus, consumers)
	var inbox int
	require.NoError(t, e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox WHERE consumer = ?`, social.ConsumerReviews).Scan(&inbox))
	require.Equal(t, 1, inbox, "two deliveries of one event: applied once")
	dead, err := events.DeadLetters(ctx, e.db, 0)
	require.NoError(t, err)
	require.Empty(t, dead)

	me := user{id: meID, name: "Me", token: e.minter.Token(t, meID, auth.RoleUser)}
	ann := user{id: annID, name: "Ann", token: e.minter.Token(t, annID, auth.RoleUser)}
	e.follow(me, ann)
	feed := e.feed(me.token, "")
	require.Len(t, feed.Items, 1)
	require.Equal(t, "Heat", feed.Items[0].MovieTitle)

	// the review is deleted upstream: it leaves the feed
	review.Version = 2
	reviews.Publish(t, reviewEvent(t, reviewsapi.ReviewDeleted, review))
	require.Eventually(t, func() bool { return len(e.feed(me.token, "").Items) == 0 }, servicetest.WaitFor, servicetest.Tick)

	require.Eventually(t, func() bool { return len(sink.Seen()) == 1 }, servicetest.WaitFor, servicetest.Tick,
		"the follow event reaches the SOCIAL stream")
	seen := sink.Seen()
	require.Equal(t, socialapi.FollowCreated, seen[0].Type)
	require.Equal(t, meID+":"+annID, seen[0].Subject)
}
