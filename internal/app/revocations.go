package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
)

// identityRevocations keeps this process's revocation set current from
// identity's events: deleted and demoted users, ended sessions, new
// passwords. Every process follows it, identity's replicas too (a replica
// learns of what another one decided only from the stream). Only the last
// access-token lifetime matters (window): older tokens have expired anyway.
func identityRevocations(set *auth.Revocations, window time.Duration) events.Feed {
	_, all := events.StreamFor(identityapi.Source)
	return events.Feed{Subject: all, Window: window, Apply: func(env events.Envelope) {
		switch env.Type {
		case identityapi.SessionRevoked:
			var ev identityapi.SessionEvent
			if env.Decode(&ev) != nil {
				return
			}
			if ev.SessionID == "" {
				set.Revoke(ev.UserID, ev.RevokedAt)
			} else {
				set.RevokeSession(ev.SessionID, ev.RevokedAt)
			}
		case identityapi.UserUpdated, identityapi.UserDeleted:
			var ev identityapi.UserEvent
			if env.Decode(&ev) == nil && ev.TokensRevokedAt != nil {
				set.Revoke(ev.ID, *ev.TokensRevokedAt)
			}
		}
	}}
}

// waitForFeeds returns once every feed has replayed its window, or ctx's
// error. It says in the log why the process is not serving yet.
func waitForFeeds(ctx context.Context, f *events.Follower, log *slog.Logger) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-f.CaughtUp():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			log.Warn("not serving yet: replaying the recent revocations (access and stream tokens) from NATS")
		}
	}
}
