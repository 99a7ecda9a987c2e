package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
)

// followRevocations keeps this process's revocation set current when the
// identity service runs elsewhere. Only the last access-token lifetime
// matters (older tokens have expired anyway), so an ephemeral ordered
// consumer replays that window at start and then follows; no inbox is
// needed because revoking twice changes nothing.
func (a *App) followRevocations(ctx context.Context) {
	stream, subject := events.StreamFor(identityapi.Source)
	for ctx.Err() == nil {
		if err := a.bus.EnsureStream(ctx, stream, subject); err == nil {
			err = a.applyRevocations(ctx, stream)
			if err == nil || errors.Is(err, context.Canceled) {
				return
			}
			a.log.Warn("revocation feed interrupted", "error", err.Error())
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func (a *App) applyRevocations(ctx context.Context, stream string) error {
	since := time.Now().Add(-kit.AccessTTL - time.Minute)
	cons, err := a.bus.JetStream().OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"identity.user.>"}, // one subject: older servers take no more
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy, OptStartTime: &since,
	})
	if err != nil {
		return err
	}
	for {
		msg, err := cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		var env events.Envelope
		var ev identityapi.UserEvent
		if json.Unmarshal(msg.Data(), &env) == nil && env.Decode(&ev) == nil && ev.TokensRevokedAt != nil {
			a.revocations.Revoke(ev.ID, *ev.TokensRevokedAt)
		}
	}
}
