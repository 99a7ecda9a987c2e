package events_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

const hangingConsumer = "test-killed"

// connectBus connects to a test NATS server and ensures the test stream.
func connectBus(t *testing.T, url string) *events.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := events.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	name, subject := events.StreamFor("test")
	require.NoError(t, bus.EnsureStream(ctx, name, subject))
	return bus
}

// TestHelperHangingConsumer is not a test: the kill test below runs the test
// binary again with MARQUEE_HELPER_NATS set, as the process it kills. Its
// consumer takes events and never finishes applying them.
func TestHelperHangingConsumer(t *testing.T) {
	url := os.Getenv("MARQUEE_HELPER_NATS")
	if url == "" {
		t.Skip("the helper process of TestEventsHeldByAKilledProcessComeBackSoon")
	}
	db := sqldbtest.Open(t, sqldb.SQLite)
	prepare(t, db)
	bus := connectBus(t, url)
	c := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Name: hangingConsumer, Stream: testStream},
		Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
			fmt.Printf("holding %s\n", env.ID)
			select {} // until killed
		}}, nil)
	_ = c.Run(context.Background())
}

// A process killed (-9) while it holds events: a new consumer with the same
// durable name gets them within seconds of the kill (the ack wait), not the
// half minute they used to wait.
func TestEventsHeldByAKilledProcessComeBackSoon(t *testing.T) {
	t.Parallel()
	nats := eventstest.StartServer(t)
	bus := connectBus(t, nats.URL)
	ctx := context.Background()
	var sent []events.Envelope
	for i := range 5 {
		env := newEvent(t, fmt.Sprintf("held-%d", i))
		data, err := json.Marshal(env)
		require.NoError(t, err)
		_, err = bus.JetStream().Publish(ctx, testSubject, data)
		require.NoError(t, err)
		sent = append(sent, env)
	}

	child := exec.Command(os.Args[0], "-test.run=^TestHelperHangingConsumer$", "-test.count=1")
	child.Env = append(os.Environ(), "MARQUEE_HELPER_NATS="+nats.URL)
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	holding := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "holding "); ok {
				holding <- id
				return
			}
		}
	}()
	select {
	case <-holding:
	case <-time.After(30 * time.Second):
		t.Fatal("the helper process never took an event")
	}
	time.Sleep(events.DefaultAckWait) // it holds them for a while, reporting them in progress
	require.NoError(t, child.Process.Kill())
	_ = child.Wait()
	killed := time.Now()

	db := sqldbtest.Open(t, sqldb.SQLite)
	prepare(t, db)
	c := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Name: hangingConsumer, Stream: testStream}, Handler: applyEffect}, nil)
	servicetest.Background(t, c.Run)
	require.Eventually(t, func() bool {
		for _, env := range sent {
			if effectCount(t, db, env.ID) != 1 {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond)
	took := time.Since(killed)
	t.Logf("every event held by the killed process applied %s after the kill", took.Round(time.Millisecond))
	// the old ack wait was 30 s; the bound leaves room for a loaded machine
	require.Less(t, took, 10*time.Second, "the events waited out a long ack wait")
}

// A batch that takes longer than the ack wait is not redelivered meanwhile:
// the consumer reports the events it holds as in progress.
func TestASlowBatchIsNotRedelivered(t *testing.T) {
	t.Parallel()
	db, outbox, bus := onSQLite(t)
	ctx := context.Background()
	first := true
	c := events.NewConsumer(db, bus, events.Subscription{Config: events.ConsumerConfig{Name: "test-slow", Stream: testStream, AckWait: 2 * time.Second},
		Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
			if first {
				first = false
				time.Sleep(5 * time.Second) // two and a half ack waits
			}
			return applyEffect(ctx, tx, env)
		}}, nil)
	servicetest.Background(t, c.Run)
	relay := events.NewRelay(db, outbox, bus, nil)
	servicetest.Background(t, relay.Run)
	envs := []events.Envelope{newEvent(t, "a"), newEvent(t, "b"), newEvent(t, "c")}
	addEvents(t, ctx, db, outbox, envs...)
	waitPublished(t, outbox)
	waitLagZero(t, c)
	for _, env := range envs {
		require.Equal(t, 1, effectCount(t, db, env.ID))
	}
	cons, err := bus.JetStream().Consumer(ctx, testStream, "test-slow")
	require.NoError(t, err)
	info, err := cons.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(3), info.Delivered.Consumer, "each event delivered once")
}
