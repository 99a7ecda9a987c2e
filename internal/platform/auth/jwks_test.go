package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/auth"
)

// jwksServer serves a mutable key set and counts fetches.
type jwksServer struct {
	mu      sync.Mutex
	set     auth.JWKSet
	fetches atomic.Int64
	fail    atomic.Bool
}

func (s *jwksServer) add(t *testing.T, kid string) ed25519.PrivateKey {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s.mu.Lock()
	s.set.Keys = append(s.set.Keys, auth.Ed25519JWK(kid, pub))
	s.mu.Unlock()
	return priv
}

func (s *jwksServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.fetches.Add(1)
	if s.fail.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(s.set)
}

func TestJWKSKeysFetchesCachesAndRefetchesOnUnknownKid(t *testing.T) {
	t.Parallel()
	js := &jwksServer{}
	srv := httptest.NewServer(js)
	t.Cleanup(srv.Close)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	priv1 := js.add(t, "k1")
	// a key of another kind is ignored, not fatal
	js.mu.Lock()
	js.set.Keys = append(js.set.Keys, auth.JWK{Kty: "RSA", Kid: "rsa", Use: "sig"})
	js.mu.Unlock()

	keys := auth.NewJWKSKeys(srv.URL, auth.JWKSClock(clock), auth.JWKSMinRefetch(5*time.Second), auth.JWKSMaxAge(10*time.Minute))
	v := auth.NewVerifier(keys, "iss", "aud")
	ctx := context.Background()
	sign := func(priv ed25519.PrivateKey, kid string) string {
		tok, err := auth.Sign(priv, kid, "iss", "aud", auth.Principal{UserID: "u1", Role: auth.RoleUser}, time.Hour, time.Now())
		require.NoError(t, err)
		return tok
	}

	for range 5 {
		_, err := v.Verify(ctx, sign(priv1, "k1"))
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, js.fetches.Load(), "keys are cached")

	_, err := keys.PublicKey(ctx, "rsa")
	require.Error(t, err)

	// a rotated key appears: the first token signed with it triggers a refetch...
	priv2 := js.add(t, "k2")
	advance(6 * time.Second)
	_, err = v.Verify(ctx, sign(priv2, "k2"))
	require.NoError(t, err)
	require.EqualValues(t, 2, js.fetches.Load())

	// ...but unknown kids (forged) cause at most one fetch per MinRefetch
	for range 20 {
		_, err := keys.PublicKey(ctx, "forged")
		require.Error(t, err)
	}
	require.EqualValues(t, 2, js.fetches.Load(), "refetched moments ago")
	advance(6 * time.Second)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { _, _ = keys.PublicKey(ctx, "forged") })
	}
	wg.Wait()
	require.EqualValues(t, 3, js.fetches.Load(), "concurrent misses share one fetch")

	// the identity service withdraws k1; after MaxAge the set is refreshed and k1 stops verifying
	js.mu.Lock()
	js.set.Keys = js.set.Keys[1:]
	js.mu.Unlock()
	advance(11 * time.Minute)
	_, err = v.Verify(ctx, sign(priv1, "k1"))
	require.ErrorIs(t, err, auth.ErrInvalidToken)
	_, err = v.Verify(ctx, sign(priv2, "k2"))
	require.NoError(t, err)

	// the identity service is down: known keys keep working from the stale set
	js.fail.Store(true)
	advance(11 * time.Minute)
	_, err = v.Verify(ctx, sign(priv2, "k2"))
	require.NoError(t, err)
	require.Error(t, keys.Refresh(ctx))
}

func TestJWKRejectsOtherKeyKinds(t *testing.T) {
	t.Parallel()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	good := auth.Ed25519JWK("k", pub)
	got, err := good.Ed25519()
	require.NoError(t, err)
	require.Equal(t, pub, got)
	for name, k := range map[string]auth.JWK{
		"rsa":         {Kty: "RSA", Crv: "", X: good.X, Kid: "k"},
		"x25519":      {Kty: "OKP", Crv: "X25519", X: good.X, Kid: "k"},
		"encryption":  {Kty: "OKP", Crv: "Ed25519", X: good.X, Kid: "k", Use: "enc"},
		"other alg":   {Kty: "OKP", Crv: "Ed25519", X: good.X, Kid: "k", Alg: "ES256"},
		"short key":   {Kty: "OKP", Crv: "Ed25519", X: good.X[:10], Kid: "k"},
		"not base64!": {Kty: "OKP", Crv: "Ed25519", X: "!!!", Kid: "k"},
	} {
		_, err := k.Ed25519()
		require.Error(t, err, name)
	}
}

func TestRevocations(t *testing.T) {
	t.Parallel()
	r := auth.NewRevocations(15 * time.Minute)
	at := time.Now().Truncate(time.Second).Add(500 * time.Millisecond)
	require.False(t, r.IsRevoked("u1", at.Add(-time.Hour)), "empty set")

	r.Revoke("u1", at)
	for name, tc := range map[string]struct {
		user string
		iat  time.Time
		want bool
	}{
		"issued before":                 {"u1", at.Add(-time.Minute), true},
		"issued in the same second":     {"u1", at.Truncate(time.Second), true},
		"issued after":                  {"u1", at.Add(time.Second), false},
		"no iat":                        {"u1", time.Time{}, true},
		"another user":                  {"u2", at.Add(-time.Minute), false},
		"another user, same second iat": {"u2", at, false},
	} {
		require.Equal(t, tc.want, r.IsRevoked(tc.user, tc.iat), name)
	}
	r.Revoke("u1", at.Add(-time.Hour))
	require.True(t, r.IsRevoked("u1", at.Add(-time.Minute)), "an earlier revocation does not shorten a later one")
	require.Equal(t, 1, r.Len())

	var nilSet *auth.Revocations
	require.False(t, nilSet.IsRevoked("u1", at), "a nil set revokes nothing")
}

func TestRevocationsExpireAfterTheTokenLifetime(t *testing.T) {
	t.Parallel()
	r := auth.NewRevocations(time.Millisecond) // entries outlive ttl by one minute of leeway
	old := time.Now().Add(-2 * time.Minute)
	r.Revoke("gone", old)
	require.False(t, r.IsRevoked("gone", old.Add(-time.Second)), "every token it covered has expired")
	r.Revoke("u2", time.Now())
	require.Equal(t, 1, r.Len(), "expired entries are swept")
}

func TestRevocationsAreSafeUnderConcurrency(t *testing.T) {
	t.Parallel()
	r := auth.NewRevocations(time.Hour)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				if i%2 == 0 {
					r.Revoke("u", time.Now())
				}
				_ = r.IsRevoked("u", time.Now().Add(-time.Duration(j)*time.Second))
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, r.Len())
}

func TestTokenCache(t *testing.T) {
	t.Parallel()
	c := auth.NewTokenCache(4)
	now := time.Now()
	p := auth.Principal{UserID: "u1", Role: auth.RoleUser}
	c.Add("t1", auth.CachedToken{Principal: p, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, now)
	got, ok := c.Get("t1", now)
	require.True(t, ok)
	require.Equal(t, p, got.Principal)
	_, ok = c.Get("t1", now.Add(time.Minute))
	require.False(t, ok, "expired")
	_, ok = c.Get("t2", now)
	require.False(t, ok)
	c.Add("dead", auth.CachedToken{ExpiresAt: now}, now)
	_, ok = c.Get("dead", now.Add(-time.Second))
	require.False(t, ok, "an expired token is not added")
	for i := range 20 {
		c.Add(string(rune('a'+i)), auth.CachedToken{Principal: p, ExpiresAt: now.Add(time.Minute)}, now)
	}
	require.LessOrEqual(t, c.Len(), 4, "bounded")
	var nilCache *auth.TokenCache
	_, ok = nilCache.Get("t1", now)
	require.False(t, ok)
}
