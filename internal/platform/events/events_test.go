package events_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

const (
	testStream  = "TEST"
	testSubject = "test.thing.happened"
)

// startBus starts an embedded NATS with the test stream, closed at cleanup.
func startBus(t *testing.T, dir string) *events.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := events.StartEmbedded(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	name, subject := events.StreamFor("test")
	require.NoError(t, bus.EnsureStream(ctx, name, subject))
	return bus
}

// onSQLite sets up a test that needs one database: a prepared SQLite
// database, its outbox and a bus.
func onSQLite(t *testing.T) (*sqldb.DB, *events.Outbox, *events.Bus) {
	t.Helper()
	db := sqldbtest.Open(t, sqldb.SQLite)
	prepare(t, db)
	return db, events.NewOutbox(db), startBus(t, t.TempDir())
}

// prepare applies the event migrations and the table the test handlers write.
func prepare(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, sqldb.Migrate(ctx, db, "events", events.Migrations))
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS effects (
		event_id TEXT PRIMARY KEY, subject TEXT NOT NULL, n INTEGER NOT NULL)`)
	require.NoError(t, err)
}

// applyEffect is the handler's effect: a counter per event, so applying an
// event twice is visible as n = 2.
func applyEffect(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO effects (event_id, subject, n) VALUES (?, ?, 1)
		ON CONFLICT (event_id) DO UPDATE SET n = effects.n + 1`, env.ID, env.Subject)
	return err
}

func newEvent(t testing.TB, subject string) events.Envelope {
	t.Helper()
	return servicetest.NewEnvelope(t, "test", testSubject, subject, map[string]string{"subject": subject})
}

func addEvents(t testing.TB, ctx context.Context, db *sqldb.DB, outbox *events.Outbox, envs ...events.Envelope) {
	t.Helper()
	require.NoError(t, db.InTx(ctx, func(tx *sqldb.Tx) error { return outbox.Add(ctx, tx, envs...) }))
}

func effectCount(t *testing.T, db *sqldb.DB, eventID string) int {
	t.Helper()
	var n int
	err := db.QueryRowContext(context.Background(), `SELECT n FROM effects WHERE event_id = ?`, eventID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0
	}
	require.NoError(t, err)
	return n
}

func countRows(t *testing.T, db *sqldb.DB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), query, args...).Scan(&n))
	return n
}

func streamMsgs(t *testing.T, bus *events.Bus) uint64 {
	t.Helper()
	s, err := bus.JetStream().Stream(context.Background(), testStream)
	require.NoError(t, err)
	info, err := s.Info(context.Background())
	require.NoError(t, err)
	return info.State.Msgs
}

func waitLagZero(t *testing.T, c *events.Consumer) {
	t.Helper()
	require.Eventually(t, func() bool {
		lag, err := c.Lag(context.Background())
		return err == nil && lag == 0
	}, servicetest.WaitFor, servicetest.Tick, "consumer %s never caught up", c.Name())
}

// waitPublished waits until the relay has marked every outbox row: marking
// follows the ack, so the consumer may apply an event before its row is marked.
func waitPublished(t *testing.T, outbox *events.Outbox) {
	t.Helper()
	require.Eventually(t, func() bool {
		n, err := outbox.Backlog(context.Background())
		return err == nil && n == 0
	}, servicetest.WaitFor, servicetest.Tick, "the outbox never drained")
}

type traceKey struct{}

// testPropagator carries a value of the context as a header.
type testPropagator struct{}

func (testPropagator) Inject(ctx context.Context, h events.Headers) {
	if v, ok := ctx.Value(traceKey{}).(string); ok {
		h.Set("Test-Trace", v)
	}
}

func (testPropagator) Extract(ctx context.Context, h events.Headers) context.Context {
	if v := h.Get("Test-Trace"); v != "" {
		return context.WithValue(ctx, traceKey{}, v)
	}
	return ctx
}

func TestOutboxRelayConsumerEndToEnd(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		prepare(t, db)
		bus := startBus(t, t.TempDir())
		outbox := events.NewOutbox(db, events.OutboxTrace(testPropagator{}))

		var mu sync.Mutex
		var order []string
		traces := map[string]string{}
		var published atomic.Int64
		servicetest.Background(t, events.NewRelay(db, outbox, bus, nil, events.RelayOnPublished(func(n int) { published.Add(int64(n)) })).Run)
		consumer := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{
			Name: "test-e2e", Stream: testStream, FilterSubjects: []string{"test.thing.>"}, Trace: testPropagator{},
		}, Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
			var payload map[string]string
			if err := env.Decode(&payload); err != nil {
				return events.Permanent(err)
			}
			if payload["subject"] != env.Subject {
				return events.Permanent(fmt.Errorf("payload %v does not match subject %s", payload, env.Subject))
			}
			tx.AfterCommit(func() {
				mu.Lock()
				defer mu.Unlock()
				order = append(order, env.Subject)
				traces[env.Subject], _ = ctx.Value(traceKey{}).(string)
			})
			return applyEffect(ctx, tx, env)
		}}, nil)
		servicetest.Background(t, consumer.Run)

		first := []events.Envelope{newEvent(t, "a"), newEvent(t, "b"), newEvent(t, "c")}
		addEvents(t, context.WithValue(ctx, traceKey{}, "trace-1"), db, outbox, first...)
		// a rolled-back transaction publishes nothing
		rolledBack := newEvent(t, "rolled-back")
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			require.NoError(t, outbox.Add(ctx, tx, rolledBack))
			return boom
		})
		require.ErrorIs(t, err, boom)
		second := []events.Envelope{newEvent(t, "d"), newEvent(t, "e")}
		addEvents(t, ctx, db, outbox, second...)

		all := append(first, second...)
		require.Eventually(t, func() bool {
			return countRows(t, db, `SELECT COUNT(*) FROM effects`) == len(all)
		}, servicetest.WaitFor, servicetest.Tick)
		for _, env := range all {
			require.Equal(t, 1, effectCount(t, db, env.ID), "effect of %s", env.Subject)
		}
		require.Zero(t, effectCount(t, db, rolledBack.ID))
		mu.Lock()
		require.Equal(t, []string{"a", "b", "c", "d", "e"}, order, "events are handled in commit order")
		require.Equal(t, "trace-1", traces["a"], "trace context rides from Add to the handler")
		require.Empty(t, traces["d"])
		mu.Unlock()

		waitPublished(t, outbox)
		require.Equal(t, int64(len(all)), published.Load())
		require.Equal(t, len(all), countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE published_at IS NOT NULL`))
		require.Equal(t, len(all), countRows(t, db, `SELECT COUNT(*) FROM inbox WHERE consumer = ?`, "test-e2e"))
		waitLagZero(t, consumer)
		require.Equal(t, uint64(len(all)), streamMsgs(t, bus))
	})
}

// The process dies after committing events and before the relay published
// them: on restart (same database, same NATS store) each arrives exactly once.
func TestEventsSurviveCrashBeforePublish(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		ctx := context.Background()
		dbURL := sqldbtest.URL(t, engine)
		natsDir := t.TempDir()

		// first life: commit events, no relay, then die
		db1, err := sqldb.Open(ctx, "test", dbURL)
		require.NoError(t, err)
		prepare(t, db1)
		bus1, err := events.StartEmbedded(ctx, natsDir)
		require.NoError(t, err)
		name, subject := events.StreamFor("test")
		require.NoError(t, bus1.EnsureStream(ctx, name, subject))
		envs := []events.Envelope{newEvent(t, "x"), newEvent(t, "y"), newEvent(t, "z")}
		addEvents(t, ctx, db1, events.NewOutbox(db1), envs...)
		require.NoError(t, bus1.Close())
		require.NoError(t, db1.Close())

		// second life
		db2, err := sqldb.Open(ctx, "test", dbURL)
		require.NoError(t, err)
		t.Cleanup(func() { db2.Close() })
		prepare(t, db2)
		bus := startBus(t, natsDir)
		outbox := events.NewOutbox(db2)
		backlog, err := outbox.Backlog(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, backlog, "the committed events survived the crash")
		require.Zero(t, streamMsgs(t, bus), "nothing was published before the crash")

		servicetest.Background(t, events.NewRelay(db2, outbox, bus, nil).Run)
		consumer := events.NewConsumer(db2, bus, events.Subscription{Config: events.ConsumerConfig{Name: "test-restart", Stream: testStream}, Handler: applyEffect}, nil)
		servicetest.Background(t, consumer.Run)

		require.Eventually(t, func() bool {
			return countRows(t, db2, `SELECT COUNT(*) FROM effects`) == len(envs)
		}, servicetest.WaitFor, servicetest.Tick)
		waitLagZero(t, consumer)
		for _, env := range envs {
			require.Equal(t, 1, effectCount(t, db2, env.ID))
		}
		require.Equal(t, uint64(3), streamMsgs(t, bus))
		waitPublished(t, outbox)
	})
}

// The same event reaches the consumer twice (JetStream dedupe bypassed with
// another Nats-Msg-Id, as after a relay restart past the dedupe window): the
// inbox makes its effect happen once.
func TestDeliveredTwiceAppliedOnce(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		prepare(t, db)
		bus := startBus(t, t.TempDir())
		var calls atomic.Int64
		consumer := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Name: "test-dupes", Stream: testStream}, Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
			calls.Add(1)
			return applyEffect(ctx, tx, env)
		}}, nil)
		servicetest.Background(t, consumer.Run)

		env, other := newEvent(t, "twice"), newEvent(t, "once")
		for i, e := range []events.Envelope{env, env, other} {
			data, err := json.Marshal(e)
			require.NoError(t, err)
			ack, err := bus.JetStream().Publish(ctx, testSubject, data, jetstream.WithMsgID(fmt.Sprintf("copy-%d-%s", i, e.ID)))
			require.NoError(t, err)
			require.False(t, ack.Duplicate)
		}
		require.Equal(t, uint64(3), streamMsgs(t, bus), "both copies are in the stream")
		require.Eventually(t, func() bool { return effectCount(t, db, other.ID) == 1 }, servicetest.WaitFor, servicetest.Tick)
		waitLagZero(t, consumer)
		require.Equal(t, 1, effectCount(t, db, env.ID), "the duplicate was skipped")
		require.Equal(t, int64(2), calls.Load(), "the handler ran once per distinct event")
		require.Equal(t, 2, countRows(t, db, `SELECT COUNT(*) FROM inbox WHERE consumer = ?`, "test-dupes"))
	})
}

// A poison event is dead-lettered with its reason and the events after it
// still flow; a transient failure is retried until it succeeds; an event that
// keeps failing is dead-lettered after MaxDeliver; garbage is dead-lettered.
func TestPoisonAndTransientFailures(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		prepare(t, db)
		bus := startBus(t, t.TempDir())
		outbox := events.NewOutbox(db)
		servicetest.Background(t, events.NewRelay(db, outbox, bus, nil).Run)

		var flakyCalls, flakyFailures, stubbornCalls atomic.Int64
		consumer := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{
			Name: "test-poison", Stream: testStream, MaxDeliver: 3, NakDelay: 10 * time.Millisecond,
		}, Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
			if err := applyEffect(ctx, tx, env); err != nil {
				return err
			}
			// the effect above must be rolled back whenever an error is returned
			switch env.Subject {
			case "poison":
				return events.Permanent(fmt.Errorf("movie %s: %w", env.Subject, errors.New("title is empty")))
			case "flaky":
				if flakyCalls.Add(1) < 2 {
					flakyFailures.Add(1)
					return errors.New("database is busy")
				}
			case "stubborn":
				stubbornCalls.Add(1)
				return errors.New("upstream still down")
			case "panics":
				panic("nil map write")
			}
			return nil
		}}, nil)
		servicetest.Background(t, consumer.Run)

		poison, flaky, stubborn, panics := newEvent(t, "poison"), newEvent(t, "flaky"), newEvent(t, "stubborn"), newEvent(t, "panics")
		ok1, ok2 := newEvent(t, "ok1"), newEvent(t, "ok2")
		addEvents(t, ctx, db, outbox, poison, ok1, flaky, stubborn, panics)
		_, err := bus.JetStream().Publish(ctx, testSubject, []byte(`{not json`), jetstream.WithMsgID("garbage-1"))
		require.NoError(t, err)
		addEvents(t, ctx, db, outbox, ok2)

		require.Eventually(t, func() bool {
			return effectCount(t, db, ok2.ID) == 1 && effectCount(t, db, flaky.ID) == 1 &&
				countRows(t, db, `SELECT COUNT(*) FROM dead_letters`) == 4
		}, servicetest.WaitFor, servicetest.Tick)
		waitLagZero(t, consumer)

		require.Equal(t, 1, effectCount(t, db, ok1.ID))
		// a handler may run again after a rollback caused by another event of its batch;
		// what counts is that it failed once and its effect landed once
		require.Equal(t, int64(1), flakyFailures.Load(), "the transient failure happened once")
		require.Equal(t, 1, effectCount(t, db, flaky.ID), "and the retry applied it once")
		require.Equal(t, int64(3), stubbornCalls.Load(), "tried MaxDeliver times")
		for _, env := range []events.Envelope{poison, stubborn, panics} {
			require.Zero(t, effectCount(t, db, env.ID), "the failed handler's writes were rolled back (%s)", env.Subject)
		}

		dead, err := events.DeadLetters(ctx, db, 10)
		require.NoError(t, err)
		require.Len(t, dead, 4)
		byEvent := map[string]events.DeadLetter{}
		for _, d := range dead {
			require.Equal(t, "test-poison", d.Consumer)
			require.Equal(t, testSubject, d.Subject)
			require.WithinDuration(t, time.Now(), d.FailedAt, time.Minute)
			byEvent[d.EventID] = d
		}
		require.Equal(t, "movie poison: title is empty", byEvent[poison.ID].Reason)
		require.Equal(t, 1, byEvent[poison.ID].Attempts, "a permanent error is not retried")
		require.Contains(t, byEvent[poison.ID].Envelope, poison.ID)
		require.Contains(t, byEvent[stubborn.ID].Reason, "failed 3 times")
		require.Contains(t, byEvent[stubborn.ID].Reason, "upstream still down")
		require.Equal(t, 3, byEvent[stubborn.ID].Attempts)
		require.Contains(t, byEvent[panics.ID].Reason, "handler panic: nil map write")
		require.Contains(t, byEvent["garbage-1"].Reason, "undecodable envelope")
		require.Equal(t, `{not json`, byEvent["garbage-1"].Envelope)

		limited, err := events.DeadLetters(ctx, db, 2)
		require.NoError(t, err)
		require.Len(t, limited, 2)
	})
}

// The relay published an event and crashed before marking the row: the next
// relay publishes it again with the same Nats-Msg-Id, JetStream drops the
// copy, and the effect happens once.
func TestRelayCrashBetweenPublishAndMark(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		prepare(t, db)
		bus := startBus(t, t.TempDir())
		outbox := events.NewOutbox(db)
		env, next := newEvent(t, "published-not-marked"), newEvent(t, "next")
		addEvents(t, ctx, db, outbox, env, next)

		// what the crashed relay got out before dying: the first row's message
		data, err := json.Marshal(env)
		require.NoError(t, err)
		_, err = bus.JetStream().PublishMsg(ctx, &nats.Msg{Subject: env.Type, Data: data}, jetstream.WithMsgID(env.ID))
		require.NoError(t, err)

		var published atomic.Int64
		servicetest.Background(t, events.NewRelay(db, outbox, bus, nil, events.RelayOnPublished(func(n int) { published.Add(int64(n)) })).Run)
		consumer := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Name: "test-remark", Stream: testStream}, Handler: applyEffect}, nil)
		servicetest.Background(t, consumer.Run)

		require.Eventually(t, func() bool { return effectCount(t, db, next.ID) == 1 }, servicetest.WaitFor, servicetest.Tick)
		waitLagZero(t, consumer)
		waitPublished(t, outbox)
		require.Equal(t, int64(2), published.Load(), "the relay published both rows again")
		require.Equal(t, uint64(2), streamMsgs(t, bus), "JetStream dropped the re-published copy")
		require.Equal(t, 1, effectCount(t, db, env.ID))
	})
}

// On SQLite the relay publishes a batch while the database's write path is
// taken: one write holds it for longer than the relay's mark used to wait for
// SQLite's lock (5 s), and more writes queue behind it. The mark waits its
// turn with them, so every row is published exactly once: counted on the
// subject itself, where JetStream's deduplication would hide a second publish.
func TestRelayMarkWaitsForTheSQLiteWritePath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, outbox, bus := onSQLite(t)
	envs := make([]events.Envelope, 20)
	for i := range envs {
		envs[i] = newEvent(t, fmt.Sprintf("e%02d", i))
	}
	addEvents(t, ctx, db, outbox, envs...)
	sub, err := bus.Conn().SubscribeSync(bus.Names().Subject(testSubject))
	require.NoError(t, err)
	published := func() int {
		require.NoError(t, bus.Conn().Flush()) // every publish so far has reached sub
		n, _, err := sub.Pending()
		require.NoError(t, err)
		return n
	}

	held, release := make(chan struct{}), make(chan struct{})
	writeErrs := make(chan error, 5)
	var writers sync.WaitGroup
	writers.Go(func() {
		writeErrs <- db.Write(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			close(held)
			<-release
			return nil
		})
	})
	<-held
	for i := range 4 { // services' writes queued behind the holder
		env := newEvent(t, fmt.Sprintf("w%d", i))
		writers.Go(func() {
			writeErrs <- db.Write(ctx, func(ctx context.Context, tx *sqldb.Tx) error { return applyEffect(ctx, tx, env) })
		})
	}
	servicetest.Background(t, events.NewRelay(db, outbox, bus, servicetest.Logger(t)).Run)
	require.Eventually(t, func() bool { return published() >= len(envs) }, servicetest.WaitFor, servicetest.Tick)
	time.Sleep(6 * time.Second) // not a speed check: the hold outlasts the mark's old timeout
	close(release)
	writers.Wait()
	close(writeErrs)
	for err := range writeErrs {
		require.NoError(t, err)
	}

	waitPublished(t, outbox)
	require.Equal(t, len(envs), published(), "each row was published once")
	require.Equal(t, uint64(len(envs)), streamMsgs(t, bus))
	require.Equal(t, 4, countRows(t, db, `SELECT COUNT(*) FROM effects`), "the queued writes committed too")
}

// Two relay processes on one PostgreSQL database: every row is published
// once, in order.
func TestTwoRelaysOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := sqldbtest.URL(t, sqldb.Postgres)
	open := func() *sqldb.DB {
		db, err := sqldb.Open(ctx, "test", dbURL)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1, db2 := open(), open()
	prepare(t, db1)
	bus := startBus(t, t.TempDir())
	outbox := events.NewOutbox(db1)

	const total = 300
	envs := make([]events.Envelope, total)
	for i := range envs {
		envs[i] = newEvent(t, fmt.Sprintf("e%03d", i))
	}
	addEvents(t, ctx, db1, outbox, envs[:total/2]...)

	var published1, published2 atomic.Int64
	servicetest.Background(t, events.NewRelay(db1, outbox, bus, nil, events.RelayBatchSize(7),
		events.RelayOnPublished(func(n int) { published1.Add(int64(n)) })).Run)
	servicetest.Background(t, events.NewRelay(db2, nil, bus, nil, events.RelayBatchSize(7), events.RelayPollInterval(20*time.Millisecond),
		events.RelayOnPublished(func(n int) { published2.Add(int64(n)) })).Run)
	for _, env := range envs[total/2:] {
		addEvents(t, ctx, db1, outbox, env)
	}

	waitPublished(t, outbox)
	require.Equal(t, int64(total), published1.Load()+published2.Load(), "no row was published twice")
	t.Logf("relay 1 published %d, relay 2 published %d", published1.Load(), published2.Load())

	stream, err := bus.JetStream().Stream(ctx, testStream)
	require.NoError(t, err)
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(total), info.State.Msgs)
	for i := range total {
		msg, err := stream.GetMsg(ctx, uint64(i+1))
		require.NoError(t, err)
		require.Equal(t, envs[i].ID, msg.Header.Get(jetstream.MsgIDHeader), "stream order = outbox order at %d", i)
	}
}

func TestBusStreamsAndOutboxValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name, subject := events.StreamFor("catalog")
	require.Equal(t, "CATALOG", name)
	require.Equal(t, "catalog.>", subject)

	start := time.Now()
	dir := t.TempDir()
	bus := startBus(t, dir)
	t.Logf("embedded NATS ready in %s", time.Since(start))
	require.NoError(t, bus.Healthy(ctx))
	_, err := events.StartEmbedded(ctx, dir)
	require.ErrorContains(t, err, "in use by another process", "two servers never share a store")
	require.NoError(t, bus.EnsureStream(ctx, name, subject), "creating a stream")
	require.NoError(t, bus.EnsureStream(ctx, name, subject), "ensuring it again is a no-op")
	s, err := bus.JetStream().Stream(ctx, name)
	require.NoError(t, err)
	cfg := s.CachedInfo().Config
	require.Equal(t, jetstream.LimitsPolicy, cfg.Retention, "several services read the same stream")
	require.Equal(t, jetstream.FileStorage, cfg.Storage)
	require.Equal(t, events.DedupeWindow, cfg.Duplicates)
	require.Positive(t, cfg.MaxAge)
	require.Error(t, bus.EnsureStream(ctx, "", subject))

	db := sqldbtest.Open(t, sqldb.SQLite)
	prepare(t, db)
	outbox := events.NewOutbox(db)
	good := newEvent(t, "ok")
	for _, bad := range []events.Envelope{
		{Type: testSubject, Source: "test"}, // no id
		{ID: "1", Type: "test.thing", Source: "test"},
		{ID: "2", Type: "test.*.happened", Source: "test"},
		{ID: "3", Type: "other.thing.happened", Source: "test"},
	} {
		err := db.InTx(ctx, func(tx *sqldb.Tx) error { return outbox.Add(ctx, tx, good, bad) })
		require.Error(t, err, "%+v", bad)
	}
	require.NoError(t, db.InTx(ctx, func(tx *sqldb.Tx) error { return outbox.Add(ctx, tx) }), "adding nothing is fine")
	backlog, err := outbox.Backlog(ctx)
	require.NoError(t, err)
	require.Zero(t, backlog, "a rejected envelope rolled its transaction back")

	require.True(t, events.IsPermanent(fmt.Errorf("wrapped: %w", events.Permanent(errors.New("x")))))
	require.False(t, events.IsPermanent(errors.New("x")))
	require.NoError(t, events.Permanent(nil))

	require.NoError(t, bus.Close())
	require.Error(t, bus.Healthy(ctx), "a closed bus is not ready")
	require.NoError(t, bus.Close(), "closing twice is harmless")

	c := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Stream: testStream}, Handler: applyEffect}, nil)
	require.ErrorContains(t, c.Run(ctx), "Name and Stream are required")
}

// The relay deletes rows published longer ago than the retention and keeps
// the rest.
func TestRelayPurgesOldPublishedRows(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		prepare(t, db)
		bus := startBus(t, t.TempDir())
		_, err := db.ExecContext(ctx, `INSERT INTO outbox (event_id, subject, envelope, published_at)
			VALUES ('old', ?, '{}', '2000-01-01 00:00:00.000')`, testSubject)
		require.NoError(t, err)
		outbox := events.NewOutbox(db)
		recent := newEvent(t, "recent")
		addEvents(t, ctx, db, outbox, recent)

		servicetest.Background(t, events.NewRelay(db, outbox, bus, nil, events.RelayRetention(time.Hour)).Run)
		waitPublished(t, outbox)
		require.Eventually(t, func() bool {
			return countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE event_id = 'old'`) == 0
		}, servicetest.WaitFor, servicetest.Tick)
		require.Equal(t, 1, countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE event_id = ?`, recent.ID),
			"a row published within the retention is kept")
	})
}

// A batch handler gets the events that arrived together in one call, without
// duplicates; when a batch fails, each event is applied alone, so only the
// poison one is dead-lettered and nothing is applied twice.
func TestBatchHandler(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		prepare(t, db)
		bus := startBus(t, t.TempDir())
		var published []events.Envelope
		for i := range 40 {
			published = append(published, newEvent(t, fmt.Sprintf("e%02d", i)))
		}
		poison := newEvent(t, "poison")
		published = append(published[:20], append([]events.Envelope{poison, published[3]}, published[20:]...)...) // a copy of e03 too
		for i, e := range published {
			data, err := json.Marshal(e)
			require.NoError(t, err)
			_, err = bus.JetStream().Publish(ctx, testSubject, data, jetstream.WithMsgID(fmt.Sprintf("m%d", i)))
			require.NoError(t, err)
		}

		var mu sync.Mutex
		var sizes []int
		consumer := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Name: "test-batch", Stream: testStream},
			Batch: func(ctx context.Context, tx *sqldb.Tx, envs []events.Envelope) error {
				mu.Lock()
				sizes = append(sizes, len(envs))
				mu.Unlock()
				seen := map[string]bool{}
				for _, env := range envs {
					if seen[env.ID] {
						t.Errorf("a duplicate reached the batch handler: %s", env.Subject)
					}
					seen[env.ID] = true
					if err := applyEffect(ctx, tx, env); err != nil {
						return err
					}
					if env.ID == poison.ID {
						return events.Permanent(errors.New("poison"))
					}
				}
				return nil
			}}, nil)
		servicetest.Background(t, consumer.Run)
		waitLagZero(t, consumer)

		for _, e := range published {
			want := 1
			if e.ID == poison.ID {
				want = 0
			}
			require.Equal(t, want, effectCount(t, db, e.ID), e.Subject)
		}
		dead, err := events.DeadLetters(ctx, db, 10)
		require.NoError(t, err)
		require.Len(t, dead, 1)
		require.Equal(t, poison.ID, dead[0].EventID)
		mu.Lock()
		defer mu.Unlock()
		require.Greater(t, slices.Max(sizes), 1, "events that arrived together were handled together: %v", sizes)
		require.Contains(t, sizes, 1, "the failed batch was applied event by event: %v", sizes)
	})
}

func TestConsumerNeedsOneHandler(t *testing.T) {
	cfg := events.ConsumerConfig{Name: "x", Stream: testStream}
	noop := func(context.Context, *sqldb.Tx, events.Envelope) error { return nil }
	noopBatch := func(context.Context, *sqldb.Tx, []events.Envelope) error { return nil }
	for _, sub := range []events.Subscription{{Config: cfg}, {Config: cfg, Handler: noop, Batch: noopBatch}} {
		err := events.NewConsumer(nil, nil, sub, nil).Run(context.Background())
		require.ErrorContains(t, err, "exactly one of Handler and Batch")
	}
}

// A row JetStream refuses (no stream takes its subject) is not marked: its
// error is recorded, the rows before it are published and marked, and the
// rows behind it are not marked either (they were sent in the same round and
// are published again, as duplicates, once the refused row goes through).
func TestRelayStopsAtARefusedRow(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		prepare(t, db)
		bus := startBus(t, t.TempDir())
		outbox := events.NewOutbox(db)
		before, after := newEvent(t, "before"), newEvent(t, "after")
		addEvents(t, ctx, db, outbox, before)
		_, err := db.ExecContext(ctx, `INSERT INTO outbox (event_id, subject, envelope) VALUES ('refused-1', 'nowhere.thing', '{}')`)
		require.NoError(t, err)
		addEvents(t, ctx, db, outbox, after)

		servicetest.Background(t, events.NewRelay(db, outbox, bus, nil).Run)
		require.Eventually(t, func() bool {
			return countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE event_id = 'refused-1' AND last_error IS NOT NULL`) == 1
		}, servicetest.WaitFor, servicetest.Tick)
		require.Equal(t, 1, countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE published_at IS NOT NULL AND event_id = ?`, before.ID))
		require.Equal(t, 2, countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE published_at IS NULL`))
		var lastErr string
		require.NoError(t, db.QueryRowContext(ctx, `SELECT last_error FROM outbox WHERE event_id = 'refused-1'`).Scan(&lastErr))
		require.Contains(t, lastErr, "nowhere.thing")
	})
}

// The server loses the durable consumer (deleted by an operator, a stream
// restored from backup): Run re-creates it and goes on; the replayed events
// are recognised by the inbox.
func TestConsumerRecreatedWhenServerDropsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, outbox, bus := onSQLite(t)
	servicetest.Background(t, events.NewRelay(db, outbox, bus, nil).Run)
	consumer := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Name: "test-dropped", Stream: testStream}, Handler: applyEffect}, nil)
	servicetest.Background(t, consumer.Run)

	first, second := newEvent(t, "first"), newEvent(t, "second")
	addEvents(t, ctx, db, outbox, first)
	require.Eventually(t, func() bool { return effectCount(t, db, first.ID) == 1 }, servicetest.WaitFor, servicetest.Tick)
	require.NoError(t, bus.JetStream().DeleteConsumer(ctx, testStream, "test-dropped"))
	addEvents(t, ctx, db, outbox, second)
	require.Eventually(t, func() bool { return effectCount(t, db, second.ID) == 1 }, servicetest.WaitFor, servicetest.Tick)
	waitLagZero(t, consumer)
	require.Equal(t, 1, effectCount(t, db, first.ID), "the replayed first event was skipped")
}
