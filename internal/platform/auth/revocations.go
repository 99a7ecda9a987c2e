package auth

import (
	"sync"
	"sync/atomic"
	"time"
)

// Revocations is the set of users whose access tokens issued up to some
// moment must no longer be accepted (deleted users; demoted administrators;
// a new password), and of sessions (refresh-token families, the sid claim)
// that ended: logout, a reused refresh token.
// Access tokens are self-contained and live AccessTTL, so an entry only has to
// outlive the tokens it kills: it is dropped ttl (plus a minute of clock
// leeway) after the revocation, when every such token has expired anyway.
//
// The identity service revokes directly in its own process; every process
// (identity's replicas too) feeds its set from identity's events. The
// verifier consults it after checking the signature: a token of subject U
// issued at or before U's revocation time is invalid, and so is every token
// of a revoked session.
type Revocations struct {
	ttl time.Duration
	now func() time.Time

	n        atomic.Int64 // entries; lets IsRevoked skip the lock while the set is empty (nearly always)
	mu       sync.RWMutex
	at       map[string]time.Time // user id → revoked at
	sessions map[string]time.Time // session id → revoked at
}

// revocationLeeway covers the verifier's clock leeway on expiry.
const revocationLeeway = time.Minute

// NewRevocations returns an empty set whose entries live ttl (the access-token lifetime).
func NewRevocations(ttl time.Duration) *Revocations {
	return &Revocations{ttl: ttl, now: time.Now, at: map[string]time.Time{}, sessions: map[string]time.Time{}}
}

// Revoke makes every access token of userID issued at or before at invalid.
// A later revocation of the same user replaces an earlier one.
// A nil set ignores it.
func (r *Revocations) Revoke(userID string, at time.Time) {
	if r != nil {
		r.add(r.at, userID, at)
	}
}

// RevokeSession makes every access token of the session (sid claim) invalid.
// A session never issues tokens after it ends, so at only decides how long
// the entry is kept.
func (r *Revocations) RevokeSession(sessionID string, at time.Time) {
	if r != nil && sessionID != "" {
		r.add(r.sessions, sessionID, at)
	}
}

func (r *Revocations) add(m map[string]time.Time, id string, at time.Time) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, set := range []map[string]time.Time{r.at, r.sessions} {
		for k, t := range set { // revocations are rare: sweeping here keeps the set small
			if r.expired(t, now) {
				delete(set, k)
			}
		}
	}
	if prev, ok := m[id]; !ok || at.After(prev) {
		m[id] = at
	}
	r.n.Store(int64(len(r.at) + len(r.sessions)))
}

// IsRevoked reports whether a token of userID issued at issuedAt is revoked.
// JWT iat has whole seconds, so a token issued in the same second as the
// revocation counts as revoked (the cautious side). A zero issuedAt (a token
// without iat) is revoked whenever the user has an entry.
func (r *Revocations) IsRevoked(userID string, issuedAt time.Time) bool {
	if r == nil || r.n.Load() == 0 {
		return false
	}
	r.mu.RLock()
	at, ok := r.at[userID]
	r.mu.RUnlock()
	if !ok || r.expired(at, r.now()) {
		return false
	}
	return !issuedAt.After(at)
}

// IsSessionRevoked reports whether the session's tokens are revoked.
func (r *Revocations) IsSessionRevoked(sessionID string) bool {
	if r == nil || r.n.Load() == 0 || sessionID == "" {
		return false
	}
	r.mu.RLock()
	at, ok := r.sessions[sessionID]
	r.mu.RUnlock()
	return ok && !r.expired(at, r.now())
}

// Len is the number of users and sessions in the set (for tests and metrics).
func (r *Revocations) Len() int { return int(r.n.Load()) }

func (r *Revocations) expired(at, now time.Time) bool {
	return now.Sub(at) > r.ttl+revocationLeeway
}
