// Package servicetest is the test plumbing the services share: running
// things for as long as a test lasts, calling a service over HTTP, and
// moving events through outboxes and a bus. It knows no service, so every
// service's tests can use it without depending on one another; builders of
// a service's own events and requests stay in that service's tests.
package servicetest

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// How long tests wait for something asynchronous (a relay, a consumer) and
// how often they look: generous, because CI machines are slow and shared.
const (
	WaitFor = 15 * time.Second
	Tick    = 5 * time.Millisecond
)

// Background runs fn until the test ends, then cancels it and checks it
// returned nil, so a runner that fails or does not stop fails the test
// instead of outliving it.
func Background(t testing.TB, fn func(ctx context.Context) error) {
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

// Logger writes to the test's log, so what the code under test logged shows
// next to a failure and stays quiet when the test passes.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Clock is a service's time source under test: each reading moves it on by
// a millisecond, so things written one after the other get distinct,
// ordered times without the test sleeping.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock whose first reading is a millisecond after start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now moves the clock on by a millisecond and reads it.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}
