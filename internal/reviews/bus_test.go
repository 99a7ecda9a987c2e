package reviews_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// TestEventsEndToEnd runs the reviews service's consumers and relay on an
// embedded NATS: catalog and identity events flow in through the real
// Consumer (with its inbox, which absorbs a duplicate delivery), and the
// review's events flow out to the REVIEWS stream.
func TestEventsEndToEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bus := servicetest.StartBus(t, ctx, catalogapi.Source, identityapi.Source, reviewsapi.Source)
	catalog, identity := servicetest.NewProducer(t, bus), servicetest.NewProducer(t, bus)

	e := newEnv(t, sqldb.SQLite)
	consumers := servicetest.StartConsumers(t, e.db, bus, e.svc.Subscriptions())
	servicetest.StartRelay(t, e.db, e.evOutbox, bus)

	// what the reviews service publishes, as another service would consume it
	sink := servicetest.NewSink(t, bus, reviewsapi.Source)

	movie, userID := uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()
	catalog.Publish(t, movieEvent(t, catalogapi.MovieCreated, movie, "Heat", 1, false))
	registered := userEvent(t, identityapi.UserRegistered, userID, "Ann", 1, false)
	identity.Publish(t, registered)
	// a duplicate delivery: the same envelope under another Nats-Msg-Id, so
	// JetStream's dedupe lets it through and only the inbox can catch it
	servicetest.PublishAgain(t, ctx, bus, registered)

	// everything published first (the relays mark rows after the ack), then consumed
	servicetest.RequirePublished(t, ctx, catalog, identity)
	// both deliveries of the duplicated event settled, every other event
	// consumed: the inbox holds the event once
	servicetest.RequireCaughtUp(t, ctx, bus, consumers)
	var inbox int
	require.NoError(t, e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox WHERE consumer = ?`, reviews.ConsumerAuthors).Scan(&inbox))
	require.Equal(t, 1, inbox, "two deliveries of one event: applied once")
	dead, err := events.DeadLetters(ctx, e.db, 0)
	require.NoError(t, err)
	require.Empty(t, dead)

	ann := user{id: userID, name: "Ann", token: e.minter.Token(t, userID, "user")}
	rev := e.submit(ann, movie, 7, "good")
	require.Equal(t, "Ann", rev.Author.DisplayName)
	require.Equal(t, "Heat", rev.MovieTitle)

	// a rename arrives through the bus and shows on the review
	identity.Publish(t, userEvent(t, identityapi.UserUpdated, userID, "Ann Z.", 2, false))
	require.Eventually(t, func() bool {
		r := e.call(http.MethodGet, "/api/reviews/"+rev.ID, "", nil)
		var got reviewsapi.Review
		return r.Status == http.StatusOK && json.Unmarshal(r.Body, &got) == nil && got.Author.DisplayName == "Ann Z."
	}, servicetest.WaitFor, servicetest.Tick)

	require.Eventually(t, func() bool { return len(sink.Seen()) == 2 }, servicetest.WaitFor, servicetest.Tick,
		"the review's events reach the REVIEWS stream")
	seen := sink.Seen()
	require.Equal(t, []string{reviewsapi.ReviewSubmitted, reviewsapi.MovieRatingChanged}, servicetest.EventTypes(seen))
	require.Equal(t, rev.ID, seen[0].Subject)
	require.Equal(t, reviewsapi.Source, seen[0].Source)
}
