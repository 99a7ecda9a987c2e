package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
)

// revocationFeed keeps this process's revocation set current from identity's
// events: deleted and demoted users, ended sessions, new passwords. Every
// process follows it, identity's replicas too (a replica learns of what
// another one decided only from the stream). Only the last access-token
// lifetime matters (older tokens have expired anyway), so an ephemeral
// ordered consumer replays that window and then follows; no inbox is needed
// because revoking twice changes nothing.
//
// A process must not serve before it has replayed the window, or a restart
// would make it accept tokens revoked minutes ago: Run waits for caughtUp.
type revocationFeed struct {
	bus    *events.Bus
	set    *auth.Revocations
	window time.Duration
	log    *slog.Logger

	once     sync.Once
	caughtUp chan struct{}
}

func newRevocationFeed(bus *events.Bus, set *auth.Revocations, window time.Duration, log *slog.Logger) *revocationFeed {
	return &revocationFeed{bus: bus, set: set, window: window, log: log.With("component", "revocations"), caughtUp: make(chan struct{})}
}

// run follows the feed until ctx ends, starting over (with a fresh replay)
// when it is interrupted.
func (f *revocationFeed) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := f.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		f.log.Warn("revocation feed interrupted", "error", err.Error())
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// wait returns once the window has been replayed, or ctx's error. It says in
// the log why the process is not serving yet.
func (f *revocationFeed) wait(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-f.caughtUp:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			f.log.Warn("not serving yet: replaying the revocations of the last access-token lifetime from NATS")
		}
	}
}

func (f *revocationFeed) follow(ctx context.Context) error {
	name, subject := events.StreamFor(identityapi.Source)
	if err := f.bus.EnsureStream(ctx, name, subject); err != nil {
		return err
	}
	stream, err := f.bus.Stream(ctx, name)
	if err != nil {
		return err
	}
	since := time.Now().Add(-f.window)
	// Caught up once the newest event of the stream (now) has been applied, or
	// at once when that event is older than the window: then nothing is replayed.
	info, err := stream.Info(ctx)
	if err != nil {
		return err
	}
	last := info.State.LastSeq
	if last == 0 {
		f.markCaughtUp()
	} else if msg, err := stream.GetMsg(ctx, last); errors.Is(err, jetstream.ErrMsgNotFound) || (err == nil && msg.Time.Before(since)) {
		f.markCaughtUp()
	} else if err != nil {
		return fmt.Errorf("read the newest identity event: %w", err)
	}
	cons, err := f.bus.OrderedConsumer(ctx, name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, // one subject: older servers take no more
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
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		f.apply(msg.Data())
		if meta, err := msg.Metadata(); err == nil && (meta.Sequence.Stream >= last || meta.NumPending == 0) {
			f.markCaughtUp()
		}
	}
}

// apply revokes what one identity event says must be; other events are ignored.
func (f *revocationFeed) apply(data []byte) {
	var env events.Envelope
	if json.Unmarshal(data, &env) != nil {
		return
	}
	switch env.Type {
	case identityapi.SessionRevoked:
		var ev identityapi.SessionEvent
		if env.Decode(&ev) != nil {
			return
		}
		if ev.SessionID == "" {
			f.set.Revoke(ev.UserID, ev.RevokedAt)
		} else {
			f.set.RevokeSession(ev.SessionID, ev.RevokedAt)
		}
	case identityapi.UserUpdated, identityapi.UserDeleted:
		var ev identityapi.UserEvent
		if env.Decode(&ev) == nil && ev.TokensRevokedAt != nil {
			f.set.Revoke(ev.ID, *ev.TokensRevokedAt)
		}
	}
}

func (f *revocationFeed) markCaughtUp() { f.once.Do(func() { close(f.caughtUp) }) }
