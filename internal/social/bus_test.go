package social_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

const (
	waitFor = 15 * time.Second
	tick    = 5 * time.Millisecond
)

// background runs fn until the test ends and checks it returned nil.
func background(t *testing.T, fn func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("runner did not stop")
		}
	})
}

// testLogger logs to the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// producer is another service's database with an outbox and a relay.
type producer struct {
	db     *sqldb.DB
	outbox *events.Outbox
}

func newProducer(t *testing.T, bus *events.Bus) *producer {
	t.Helper()
	db := sqldbtest.Open(t, sqldb.SQLite)
	require.NoError(t, sqldb.Migrate(context.Background(), db, "events", events.Migrations))
	p := &producer{db: db, outbox: events.NewOutbox(db)}
	background(t, events.NewRelay(db, p.outbox, bus, nil, events.RelayPollInterval(20*time.Millisecond)).Run)
	return p
}

func (p *producer) publish(t *testing.T, envs ...events.Envelope) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, p.db.InTx(ctx, func(tx *sqldb.Tx) error { return p.outbox.Add(ctx, tx, envs...) }))
}

// TestEventsEndToEnd runs the social service's consumers and relay on an
// embedded NATS: identity, reviews and catalog events flow in through the
// real Consumer (whose inbox absorbs a duplicate delivery) and the follow
// events flow out to the SOCIAL stream.
func TestEventsEndToEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bus, err := events.StartEmbedded(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	for _, service := range []string{catalogapi.Source, identityapi.Source, reviewsapi.Source, socialapi.Source} {
		name, subject := events.StreamFor(service)
		require.NoError(t, bus.EnsureStream(ctx, name, subject))
	}
	identity, reviews, catalog := newProducer(t, bus), newProducer(t, bus), newProducer(t, bus)

	e := newEnv(t, sqldb.SQLite)
	var consumers []events.ConsumerConfig
	for _, sub := range e.svc.Subscriptions() {
		sub.Config.NakDelay = 50 * time.Millisecond
		consumers = append(consumers, sub.Config)
		background(t, events.NewConsumer(e.db, bus, sub, testLogger(t)).Run)
	}
	background(t, events.NewRelay(e.db, e.evOutbox, bus, nil, events.RelayPollInterval(20*time.Millisecond)).Run)

	var mu sync.Mutex
	var seen []events.Envelope
	sink := sqldbtest.Open(t, sqldb.SQLite)
	require.NoError(t, sqldb.Migrate(ctx, sink, "events", events.Migrations))
	stream, _ := events.StreamFor(socialapi.Source)
	background(t, events.NewConsumer(sink, bus, events.Subscription{Config: events.ConsumerConfig{Name: "test-sink", Stream: stream}, Handler: func(_ context.Context, _ *sqldb.Tx, ev events.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, ev)
		return nil
	}}, nil).Run)

	meID, annID, movie := uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()
	identity.publish(t, userEvent(t, identityapi.UserRegistered, meID, "Me", 1, false), userEvent(t, identityapi.UserRegistered, annID, "Ann", 1, false))
	catalog.publish(t, movieEvent(t, catalogapi.MovieCreated, movie, "Heat", 1, false))
	at := time.Now().UTC().Truncate(time.Microsecond)
	review := reviewsapi.ReviewEvent{ID: uuid.Must(uuid.NewV7()).String(), MovieID: movie, MovieTitle: "Heat", AuthorID: annID,
		AuthorDisplayName: "Ann", Rating: 8, Body: "good", Version: 1, CreatedAt: at, UpdatedAt: at}
	submitted := reviewEvent(t, reviewsapi.ReviewSubmitted, review)
	reviews.publish(t, submitted)
	// a duplicate delivery under another Nats-Msg-Id: only the inbox can catch it
	raw, err := json.Marshal(submitted)
	require.NoError(t, err)
	_, err = bus.JetStream().PublishMsg(ctx, &nats.Msg{Subject: submitted.Type, Data: raw}, jetstream.WithMsgID("again-"+submitted.ID))
	require.NoError(t, err)

	// everything published first (the relays mark rows after the ack), then consumed
	for _, p := range []*producer{identity, reviews, catalog} {
		require.Eventually(t, func() bool {
			n, err := p.outbox.Backlog(ctx)
			return err == nil && n == 0
		}, waitFor, tick, "a producer's outbox never drained")
	}
	// both deliveries of the duplicated event settled, every other event
	// consumed: the inbox holds the event once
	for _, c := range consumers {
		require.Eventually(t, func() bool {
			cons, err := bus.JetStream().Consumer(ctx, c.Stream, c.Name)
			if err != nil {
				return false
			}
			info, err := cons.Info(ctx)
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 &&
				info.AckFloor.Consumer == info.Delivered.Consumer
		}, waitFor, tick, "consumer %s never caught up", c.Name)
	}
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
	reviews.publish(t, reviewEvent(t, reviewsapi.ReviewDeleted, review))
	require.Eventually(t, func() bool { return len(e.feed(me.token, "").Items) == 0 }, waitFor, tick)

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 1
	}, waitFor, tick, "the follow event reaches the SOCIAL stream")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, socialapi.FollowCreated, seen[0].Type)
	require.Equal(t, meID+":"+annID, seen[0].Subject)
}
