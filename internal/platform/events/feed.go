package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Feed is an event type (or subject pattern) that every process follows on
// its own, unlike a Subscription, whose events one replica takes: sets kept
// in memory, such as revoked tokens. Only the last Window matters (older
// events no longer change anything), so an ephemeral ordered consumer
// replays that window and then follows; there is no inbox, so Apply must be
// idempotent (and cheap: it runs on the feed's goroutine).
type Feed struct {
	// Subject is one subject or pattern, e.g. identity.> or
	// media.playback.ended; its first token names the producing service's
	// stream. One subject per feed: older servers take no more per consumer.
	Subject string
	Window  time.Duration
	Apply   func(Envelope)
}

// Follower follows feeds until its context ends, starting one over (with a
// fresh replay) when it is interrupted. A process must not serve before each
// feed has replayed its window, or a restart would forget what was decided
// minutes ago: CaughtUp says when.
type Follower struct {
	bus   *Bus
	feeds []Feed
	log   *slog.Logger

	pending  sync.WaitGroup
	caughtUp chan struct{}
}

// NewFollower returns a follower of feeds on bus.
func NewFollower(bus *Bus, log *slog.Logger, feeds ...Feed) *Follower {
	f := &Follower{bus: bus, feeds: feeds, log: log.With("component", "feeds"), caughtUp: make(chan struct{})}
	f.pending.Add(len(feeds))
	go func() { f.pending.Wait(); close(f.caughtUp) }()
	return f
}

// CaughtUp is closed once every feed has replayed its window.
func (f *Follower) CaughtUp() <-chan struct{} { return f.caughtUp }

// Run follows every feed until ctx ends.
func (f *Follower) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, feed := range f.feeds {
		wg.Go(func() {
			var once sync.Once
			done := func() { once.Do(f.pending.Done) }
			for ctx.Err() == nil {
				err := f.follow(ctx, feed, done)
				if ctx.Err() != nil {
					break
				}
				f.log.Warn("feed interrupted", "subject", feed.Subject, "error", err.Error())
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
			done() // nobody waits for a stopped process any more
		})
	}
	wg.Wait()
}

func (f *Follower) follow(ctx context.Context, feed Feed, caughtUp func()) error {
	service, _, _ := strings.Cut(feed.Subject, ".")
	name, subject := StreamFor(service)
	if err := f.bus.EnsureStream(ctx, name, subject); err != nil {
		return err
	}
	since := time.Now().Add(-feed.Window)
	cons, err := f.bus.OrderedConsumer(ctx, name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{feed.Subject},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy, OptStartTime: &since,
	})
	if err != nil {
		return err
	}
	it, err := cons.Messages()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	// Caught up at once when the window holds nothing, or else with the
	// message after which nothing was pending.
	if info, err := cons.Info(ctx); err != nil {
		return err
	} else if info.NumPending == 0 && info.Delivered.Consumer == 0 {
		caughtUp()
	}
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		var env Envelope
		if json.Unmarshal(msg.Data(), &env) == nil {
			feed.Apply(env)
		}
		if meta, err := msg.Metadata(); err == nil && meta.NumPending == 0 {
			caughtUp()
		}
	}
}
