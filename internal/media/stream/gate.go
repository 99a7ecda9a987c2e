package stream

import (
	"errors"
	"time"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
)

// ErrRevoked is Check's error for a token whose session ended or whose user
// may no longer watch.
var ErrRevoked = errors.New("stream token: revoked")

// SessionEnded is media's event of a playback session that ended (the owner
// stopped it, or its lease ran out); subject: the session id; data:
// SessionEndedEvent. Every process serving /stream refuses the session's
// token once it has it.
const SessionEnded = "media.playback.ended"

// SessionEndedEvent is the data of media.playback.ended.
type SessionEndedEvent struct {
	SessionID string    `json:"session_id"`
	UserID    string    `json:"user_id"`
	MovieID   string    `json:"movie_id"`
	EndedAt   time.Time `json:"ended_at"`
	Reason    string    `json:"reason"` // "stopped" or "expired"
}

// Gate decides whether a token may fetch: a good signature, not expired,
// and neither its session nor (since it was issued) its user revoked.
type Gate struct {
	ring *Ring
	ttl  time.Duration
	// revoked is the access tokens' set, here with the stream tokens'
	// lifetime: users (with the moment) and sessions.
	revoked *auth.Revocations
}

// NewGate returns a gate for the tokens ring signs with lifetime ttl.
func NewGate(ring *Ring, ttl time.Duration) *Gate {
	return &Gate{ring: ring, ttl: ttl, revoked: auth.NewRevocations(ttl)}
}

// Ring is the gate's key ring (to sign with).
func (g *Gate) Ring() *Ring { return g.ring }

// TTL is the lifetime of the gate's tokens.
func (g *Gate) TTL() time.Duration { return g.ttl }

// Check verifies token and that it is not revoked.
func (g *Gate) Check(token string) (Claims, error) {
	c, err := g.ring.Verify(token)
	if err != nil {
		return Claims{}, err
	}
	if g.revoked.Len() > 0 { // skips the id formatting while nothing is revoked
		// Tokens carry no issue time: every token lives ttl, so it was issued ttl before it expires.
		if g.revoked.IsSessionRevoked(c.SessionID.String()) || g.revoked.IsRevoked(c.UserID.String(), c.Expires.Add(-g.ttl)) {
			return Claims{}, ErrRevoked
		}
	}
	return c, nil
}

// RevokeSession refuses the session's token from now on (in this process;
// the event reaches the others).
func (g *Gate) RevokeSession(sessionID string, at time.Time) { g.revoked.RevokeSession(sessionID, at) }

// Feeds keep the revocations current in every process: ended sessions,
// subscriptions that no longer give access, deleted users. The window is a
// token's lifetime: a revocation older than that concerns expired tokens only.
func (g *Gate) Feeds() []events.Feed {
	window := g.ttl + time.Minute
	return []events.Feed{
		{Subject: SessionEnded, Window: window, Apply: func(env events.Envelope) {
			if ev, err := events.Decode[SessionEndedEvent](env); err == nil {
				g.revoked.RevokeSession(ev.SessionID, ev.EndedAt)
			}
		}},
		{Subject: billingapi.SubscriptionExpired, Window: window, Apply: func(env events.Envelope) {
			if ev, err := events.Decode[billingapi.SubscriptionEvent](env); err == nil && !ev.Active {
				g.revoked.Revoke(ev.UserID, ev.At)
			}
		}},
		{Subject: identityapi.UserDeleted, Window: window, Apply: func(env events.Envelope) {
			if ev, err := events.Decode[identityapi.UserEvent](env); err == nil {
				at := env.Time
				if ev.TokensRevokedAt != nil {
					at = *ev.TokensRevokedAt
				}
				g.revoked.Revoke(ev.ID, at)
			}
		}},
	}
}
