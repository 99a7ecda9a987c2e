package events_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// BenchmarkOutboxToConsumer measures, in the embedded shape (SQLite files,
// in-process NATS), the time from the producer's commit to the commit of the
// consumer's effect, one event at a time. The producer and the consumer have
// their own databases, as two services do. Target: p99 < 50 ms.
//
//	go test -run '^$' -bench OutboxToConsumer -benchtime 2000x ./internal/platform/events/
func BenchmarkOutboxToConsumer(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	openDB := func(name string) *sqldb.DB {
		db, err := sqldb.Open(ctx, name, "sqlite://"+filepath.Join(dir, name+".db"))
		require.NoError(b, err)
		b.Cleanup(func() { db.Close() })
		require.NoError(b, sqldb.Migrate(ctx, db, "events", events.Migrations))
		return db
	}
	producerDB, consumerDB := openDB("producer"), openDB("consumer")
	_, err := consumerDB.ExecContext(ctx, `CREATE TABLE effects (event_id TEXT PRIMARY KEY, subject TEXT NOT NULL, n INTEGER NOT NULL)`)
	require.NoError(b, err)

	bus, err := events.StartEmbedded(ctx, filepath.Join(dir, "nats"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = bus.Close() })
	name, subject := events.StreamFor("test")
	require.NoError(b, bus.EnsureStream(ctx, name, subject))

	outbox := events.NewOutbox(producerDB)
	applied := make(chan time.Time, 1)
	runCtx, cancel := context.WithCancel(ctx)
	relayDone, consumerDone := make(chan error, 1), make(chan error, 1)
	go func() { relayDone <- events.NewRelay(producerDB, outbox, bus, nil).Run(runCtx) }()
	consumer := events.NewConsumer(consumerDB, bus, events.Subscription{Config: events.ConsumerConfig{Name: "bench", Stream: name}, Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
		tx.AfterCommit(func() { applied <- time.Now() })
		return applyEffect(ctx, tx, env)
	}}, nil)
	go func() { consumerDone <- consumer.Run(runCtx) }()
	b.Cleanup(func() {
		cancel()
		require.NoError(b, <-relayDone)
		require.NoError(b, <-consumerDone)
	})

	send := func() time.Duration {
		env := newEvent(b, "bench")
		var committed time.Time
		require.NoError(b, producerDB.InTx(ctx, func(tx *sqldb.Tx) error {
			// registered before Add's wake-up, so it is stamped first
			tx.AfterCommit(func() { committed = time.Now() })
			return outbox.Add(ctx, tx, env)
		}))
		select {
		case at := <-applied:
			return at.Sub(committed)
		case <-time.After(10 * time.Second):
			b.Fatal("event not applied within 10s")
			return 0
		}
	}
	send() // warm-up: creates the consumer and the first pull request

	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		latencies = append(latencies, send())
	}
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		i := int(p * float64(len(latencies)-1))
		return float64(latencies[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1])/float64(time.Millisecond), "max-ms")
}

// BenchmarkRelayBacklog measures how fast the relay publishes a backlog
// (events written by `marquee seed` or while the bus was down), in the
// embedded shape: 20,000 rows waiting in a SQLite outbox until all are
// acknowledged by JetStream and marked.
//
//	go test -run '^$' -bench RelayBacklog -benchtime 3x ./internal/platform/events/
func BenchmarkRelayBacklog(b *testing.B) {
	const backlog = 20000
	ctx := context.Background()
	var rate float64
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		db, err := sqldb.Open(ctx, "producer", "sqlite://"+filepath.Join(dir, "producer.db"))
		require.NoError(b, err)
		require.NoError(b, sqldb.Migrate(ctx, db, "events", events.Migrations))
		bus, err := events.StartEmbedded(ctx, filepath.Join(dir, "nats"))
		require.NoError(b, err)
		name, subject := events.StreamFor("test")
		require.NoError(b, bus.EnsureStream(ctx, name, subject))
		outbox := events.NewOutbox(db)
		for range backlog / 1000 {
			envs := make([]events.Envelope, 1000)
			for i := range envs {
				envs[i] = newEvent(b, "backlog")
			}
			addEvents(b, ctx, db, outbox, envs...)
		}
		b.StartTimer()
		start := time.Now()
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- events.NewRelay(db, outbox, bus, nil).Run(runCtx) }()
		for {
			n, err := outbox.Backlog(ctx)
			require.NoError(b, err)
			if n == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		rate = backlog / time.Since(start).Seconds()
		b.StopTimer()
		cancel()
		require.NoError(b, <-done)
		require.NoError(b, bus.Close())
		require.NoError(b, db.Close())
		b.StartTimer()
	}
	b.ReportMetric(rate, "events/s")
}
