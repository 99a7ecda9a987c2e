package servicetest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// NewEnvelope is events.New for tests, which have no use for its error.
func NewEnvelope(t testing.TB, source, typ, subject string, data any) events.Envelope {
	t.Helper()
	ev, err := events.New(source, typ, subject, data)
	require.NoError(t, err)
	return ev
}

// EventTypes lists the types of envs, so a test can check what was emitted,
// in order, in one comparison.
func EventTypes(envs []events.Envelope) []string {
	out := make([]string, len(envs))
	for i, ev := range envs {
		out[i] = ev.Type
	}
	return out
}

// OutboxEvents returns the events in db's outbox, oldest first: what the
// service has committed to publish, read without a bus.
func OutboxEvents(t testing.TB, db *sqldb.DB) []events.Envelope {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT envelope FROM outbox ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []events.Envelope
	for rows.Next() {
		var raw string
		require.NoError(t, rows.Scan(&raw))
		var ev events.Envelope
		require.NoError(t, json.Unmarshal([]byte(raw), &ev))
		out = append(out, ev)
	}
	require.NoError(t, rows.Err())
	return out
}

// HandlersByConsumer indexes a service's subscriptions by consumer name, so
// a test can hand an event straight to one handler.
func HandlersByConsumer(subs []events.Subscription) map[string]events.Handler {
	handlers := map[string]events.Handler{}
	for _, sub := range subs {
		handlers[sub.Config.Name] = sub.Handler
	}
	return handlers
}

// Apply runs the named consumer's handler on ev in one transaction, as
// events.Consumer does but without bus or inbox, so a test can deliver
// events in any order, or twice.
func Apply(t testing.TB, ctx context.Context, db *sqldb.DB, handlers map[string]events.Handler, consumer string, ev events.Envelope) error {
	t.Helper()
	h := handlers[consumer]
	require.NotNil(t, h, "no consumer %s", consumer)
	return db.InTx(ctx, func(tx *sqldb.Tx) error { return h(ctx, tx, ev) })
}

// StartBus starts an embedded NATS for the test, with the stream of each
// source service, so events travel as in production without a shared server.
func StartBus(t testing.TB, ctx context.Context, sources ...string) *events.Bus {
	t.Helper()
	bus, err := events.StartEmbedded(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	for _, source := range sources {
		name, subject := events.StreamFor(source)
		require.NoError(t, bus.EnsureStream(ctx, name, subject))
	}
	return bus
}

// StartRelay publishes db's outbox to bus until the test ends, polling
// often so tests do not wait on it.
func StartRelay(t testing.TB, db *sqldb.DB, outbox *events.Outbox, bus *events.Bus) {
	t.Helper()
	Background(t, events.NewRelay(db, outbox, bus, nil, events.RelayPollInterval(20*time.Millisecond)).Run)
}

// StartConsumers runs each subscription's real Consumer on db until the test
// ends, retrying soon after a failure so tests do not wait on redelivery; it
// returns their configurations for RequireCaughtUp.
func StartConsumers(t testing.TB, db *sqldb.DB, bus *events.Bus, subs []events.Subscription) []events.ConsumerConfig {
	t.Helper()
	var consumers []events.ConsumerConfig
	for _, sub := range subs {
		sub.Config.NakDelay = 50 * time.Millisecond
		consumers = append(consumers, sub.Config)
		Background(t, events.NewConsumer(db, bus, sub, Logger(t)).Run)
	}
	return consumers
}

// openEventsDB is a database of its own for a stand-in service, with the
// outbox and inbox tables.
func openEventsDB(t testing.TB) *sqldb.DB {
	t.Helper()
	db := sqldbtest.Open(t, sqldb.SQLite)
	require.NoError(t, sqldb.Migrate(context.Background(), db, "events", events.Migrations))
	return db
}

// Producer stands in for another service (the catalog, identity, ...): its
// own database, outbox and relay, so the events a test publishes reach the
// bus the way that service's would.
type Producer struct {
	db     *sqldb.DB
	outbox *events.Outbox
}

// NewProducer starts a Producer whose relay runs until the test ends.
func NewProducer(t testing.TB, bus *events.Bus) *Producer {
	t.Helper()
	db := openEventsDB(t)
	p := &Producer{db: db, outbox: events.NewOutbox(db)}
	StartRelay(t, db, p.outbox, bus)
	return p
}

// Publish adds envs to the producer's outbox in one transaction; its relay
// publishes them.
func (p *Producer) Publish(t testing.TB, envs ...events.Envelope) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, p.db.InTx(ctx, func(tx *sqldb.Tx) error { return p.outbox.Add(ctx, tx, envs...) }))
}

// RequirePublished waits until every producer's outbox has drained; a relay
// marks rows after the bus acked them, so all is then on the bus.
func RequirePublished(t testing.TB, ctx context.Context, producers ...*Producer) {
	t.Helper()
	for _, p := range producers {
		require.Eventually(t, func() bool {
			n, err := p.outbox.Backlog(ctx)
			return err == nil && n == 0
		}, WaitFor, Tick, "a producer's outbox never drained")
	}
}

// PublishAgain publishes ev a second time under another Nats-Msg-Id, so
// JetStream's deduplication lets it through and only a consumer's inbox can
// catch the duplicate.
func PublishAgain(t testing.TB, ctx context.Context, bus *events.Bus, ev events.Envelope) {
	t.Helper()
	raw, err := json.Marshal(ev)
	require.NoError(t, err)
	_, err = bus.JetStream().PublishMsg(ctx, &nats.Msg{Subject: bus.Names().Subject(ev.Type), Data: raw}, jetstream.WithMsgID("again-"+ev.ID))
	require.NoError(t, err)
}

// RequireCaughtUp waits until every consumer has settled all it was
// delivered, redeliveries included.
func RequireCaughtUp(t testing.TB, ctx context.Context, bus *events.Bus, consumers []events.ConsumerConfig) {
	t.Helper()
	for _, c := range consumers {
		require.Eventually(t, func() bool {
			cons, err := bus.JetStream().Consumer(ctx, bus.Names().Stream(c.Stream), bus.Names().Durable(c.Name))
			if err != nil {
				return false
			}
			info, err := cons.Info(ctx)
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 &&
				info.AckFloor.Consumer == info.Delivered.Consumer
		}, WaitFor, Tick, "consumer %s never caught up", c.Name)
	}
}

// Sink collects what a service publishes on its stream, as another
// service's consumer would receive it.
type Sink struct {
	mu   sync.Mutex
	seen []events.Envelope
}

// NewSink consumes the stream of source until the test ends.
func NewSink(t testing.TB, bus *events.Bus, source string) *Sink {
	t.Helper()
	s := &Sink{}
	stream, _ := events.StreamFor(source)
	sub := events.Subscription{Config: events.ConsumerConfig{Name: "test-sink", Stream: stream}, Handler: func(_ context.Context, _ *sqldb.Tx, ev events.Envelope) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.seen = append(s.seen, ev)
		return nil
	}}
	Background(t, events.NewConsumer(openEventsDB(t), bus, sub, nil).Run)
	return s
}

// Seen returns what the sink has received so far, in order.
func (s *Sink) Seen() []events.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]events.Envelope(nil), s.seen...)
}
