package stream

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
)

// revocationBound is how soon every process serving /stream must refuse a
// revoked token (issue 11: 10 s).
const revocationBound = 10 * time.Second

// streamProcess is what a process serving /stream keeps: its own gate (the
// shared key ring) fed by its own follower of the bus.
func streamProcess(t *testing.T, url string, ring *Ring) *Gate {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	bus, err := events.Connect(ctx, url)
	require.NoError(t, err)
	gate := NewGate(ring, time.Hour)
	f := events.NewFollower(bus, slog.New(slog.DiscardHandler), gate.Feeds()...)
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; _ = bus.Close() })
	select {
	case <-f.CaughtUp():
	case <-time.After(30 * time.Second):
		t.Fatal("the feeds never caught up")
	}
	return gate
}

func publish(t *testing.T, url, typ, subject string, data any) {
	t.Helper()
	bus, err := events.Connect(context.Background(), url)
	require.NoError(t, err)
	defer bus.Close()
	env, err := events.New("test", typ, subject, data)
	require.NoError(t, err)
	raw, err := json.Marshal(env)
	require.NoError(t, err)
	service, _, _ := strings.Cut(typ, ".")
	name, all := events.StreamFor(service)
	require.NoError(t, bus.EnsureStream(context.Background(), name, all))
	_, err = bus.JetStream().Publish(context.Background(), bus.Names().Subject(typ), raw)
	require.NoError(t, err)
}

func refusedWithin(t *testing.T, token string, gates ...*Gate) {
	t.Helper()
	for _, g := range gates {
		require.Eventually(t, func() bool {
			_, err := g.Check(token)
			return err != nil
		}, revocationBound, 50*time.Millisecond)
		_, err := g.Check(token)
		require.ErrorIs(t, err, ErrRevoked)
	}
}

// Two processes serving /stream, one NATS server: an ended session, an
// expired subscription and a deleted user stop their tokens in both within
// 10 s, other tokens go on, and a process started afterwards refuses them
// from the start (it replays the window before serving).
func TestRevocationsReachEveryStreamProcess(t *testing.T) {
	t.Parallel()
	nats := eventstest.StartServer(t)
	ring, err := NewRing(newKey(t))
	require.NoError(t, err)
	a, b := streamProcess(t, nats.URL, ring), streamProcess(t, nats.URL, ring)

	ended, bystander, lapsed, deleted := sampleClaims(), sampleClaims(), sampleClaims(), sampleClaims()
	tokens := map[*Claims]string{}
	for _, c := range []*Claims{&ended, &bystander, &lapsed, &deleted} {
		tokens[c] = ring.Sign(*c)
		for _, g := range []*Gate{a, b} {
			_, err := g.Check(tokens[c])
			require.NoError(t, err)
		}
	}

	publish(t, nats.URL, SessionEnded, ended.SessionID.String(), SessionEndedEvent{
		SessionID: ended.SessionID.String(), UserID: ended.UserID.String(), EndedAt: time.Now(), Reason: "stopped"})
	refusedWithin(t, tokens[&ended], a, b)

	publish(t, nats.URL, billingapi.SubscriptionExpired, lapsed.UserID.String(), billingapi.SubscriptionEvent{
		Subscription: billingapi.Subscription{UserID: lapsed.UserID.String(), Status: billingapi.SubExpired}, Active: false, At: time.Now()})
	refusedWithin(t, tokens[&lapsed], a, b)

	now := time.Now()
	publish(t, nats.URL, identityapi.UserDeleted, deleted.UserID.String(), identityapi.UserEvent{
		ID: deleted.UserID.String(), DeletedAt: &now, TokensRevokedAt: &now})
	refusedWithin(t, tokens[&deleted], a, b)

	for _, g := range []*Gate{a, b} {
		_, err := g.Check(tokens[&bystander])
		require.NoError(t, err, "other sessions go on")
	}
	later := streamProcess(t, nats.URL, ring)
	for _, c := range []*Claims{&ended, &lapsed, &deleted} {
		_, err := later.Check(tokens[c])
		require.ErrorIs(t, err, ErrRevoked, "a process started later replayed the revocations")
	}
	_, err = later.Check(tokens[&bystander])
	require.NoError(t, err)

	// a user who subscribes again after the expiry gets tokens that work
	again := lapsed
	again.Expires = time.Now().Add(time.Hour + 2*time.Second)
	_, err = a.Check(ring.Sign(again))
	require.NoError(t, err)
}
