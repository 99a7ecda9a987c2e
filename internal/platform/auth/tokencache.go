package auth

import (
	"sync"
	"time"
)

// TokenCache remembers access tokens that passed full verification, so that
// the next request with the same token skips the Ed25519 signature check (about
// 50 µs of CPU, the whole cost of Verify) and pays one map lookup instead. Only
// the exact token string that was verified is found; a cached token is dropped
// when it expires. Revocations must still be consulted on every hit.
//
// It is bounded: when full it first drops expired entries, then an arbitrary
// half (map order), so a flood of distinct tokens costs memory at most max.
type TokenCache struct {
	max int

	mu sync.RWMutex
	m  map[string]CachedToken
}

// CachedToken is what a verification established.
type CachedToken struct {
	Principal Principal
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// NewTokenCache returns a cache of at most max tokens (10,000 if max ≤ 0).
func NewTokenCache(max int) *TokenCache {
	if max <= 0 {
		max = 10_000
	}
	return &TokenCache{max: max, m: make(map[string]CachedToken)}
}

// Get returns the cached verification of token, if it has not expired at now.
func (c *TokenCache) Get(token string, now time.Time) (CachedToken, bool) {
	if c == nil {
		return CachedToken{}, false
	}
	c.mu.RLock()
	e, ok := c.m[token]
	c.mu.RUnlock()
	if !ok || !now.Before(e.ExpiresAt) {
		return CachedToken{}, false
	}
	return e, true
}

// Add records a token that has just passed verification.
func (c *TokenCache) Add(token string, e CachedToken, now time.Time) {
	if c == nil || !now.Before(e.ExpiresAt) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, v := range c.m {
			if !now.Before(v.ExpiresAt) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max/2 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[token] = e
}

// Len is the number of cached tokens.
func (c *TokenCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
