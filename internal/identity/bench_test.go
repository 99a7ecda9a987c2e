package identity_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/identity/password"
	"github.com/marquee-dev/marquee/internal/platform/auth"
)

// benchHarness runs the service with the production argon2id parameters and no rate limits.
func benchHarness(b *testing.B) (*harness, identityapi.LoginRequest) {
	cfg := identity.Config{Issuer: issuer, Audience: audience, Password: password.Default, Limits: &identity.Limits{}}
	h := newHarness(b, cfg)
	email := uniqueEmail("bench")
	h.register(email, "Bench", goodPass)
	return h, identityapi.LoginRequest{Email: email, Password: goodPass}
}

func reportLatencies(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	at := func(q float64) float64 {
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(d[len(d)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkLogin measures POST /api/auth/login end to end (HTTP, SQLite,
// argon2id with password.Default, refresh family + token insert, JWT
// signing), one login at a time. Target: p99 < 150 ms.
func BenchmarkLogin(b *testing.B) {
	h, body := benchHarness(b)
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		r := h.do(req{method: "POST", path: "/api/auth/login", body: body})
		lat = append(lat, time.Since(start))
		if r.Status != http.StatusOK {
			b.Fatalf("login: %d %s", r.Status, r.Body)
		}
	}
	reportLatencies(b, lat)
}

// BenchmarkLoginParallel runs GOMAXPROCS logins at a time (two on the
// reference machine: every core busy hashing), the p99 a client sees under load.
func BenchmarkLoginParallel(b *testing.B) {
	h, body := benchHarness(b)
	var (
		mu  sync.Mutex
		lat []time.Duration
	)
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			r := h.do(req{method: "POST", path: "/api/auth/login", body: body})
			mine = append(mine, time.Since(start))
			if r.Status != http.StatusOK {
				b.Errorf("login: %d %s", r.Status, r.Body)
				return
			}
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	reportLatencies(b, lat)
}

// BenchmarkVerifyIssuedToken verifies a real access token issued by the
// service with the in-process key source (what every request through the
// router pays). Run with -cpu 1 for the per-core figure.
func BenchmarkVerifyIssuedToken(b *testing.B) {
	cfg := testConfig()
	h := newHarness(b, cfg)
	tok := h.user("Verify")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.verifier.Verify(ctx, tok.AccessToken); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkVerifyIssuedTokenCached is the hot path of the proposed verifier
// hook (auth.TokenCache hit + auth.Revocations check) for the same token:
// what a request pays once its token has been verified before.
func BenchmarkVerifyIssuedTokenCached(b *testing.B) {
	h := newHarness(b, testConfig())
	tok := h.user("Cached")
	ctx := context.Background()
	cache := auth.NewTokenCache(0)
	p, err := h.verifier.Verify(ctx, tok.AccessToken)
	require.NoError(b, err)
	iat, err := parseClaims(b, tok.AccessToken).GetIssuedAt()
	require.NoError(b, err)
	exp, err := parseClaims(b, tok.AccessToken).GetExpirationTime()
	require.NoError(b, err)
	cache.Add(tok.AccessToken, auth.CachedToken{Principal: p, IssuedAt: iat.Time, ExpiresAt: exp.Time}, time.Now())
	h.rev.Revoke("someone-else", time.Now()) // a non-empty set, as after a deletion
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e, ok := cache.Get(tok.AccessToken, time.Now())
			if !ok || h.rev.IsRevoked(e.Principal.UserID, e.IssuedAt) {
				b.Error("cache miss or revoked")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}
