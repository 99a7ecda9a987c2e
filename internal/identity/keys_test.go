package identity_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
)

func kidOf(t testing.TB, token string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	require.NoError(t, err)
	return tok.Header["kid"].(string)
}

func jwksOf(t testing.TB, h *harness) auth.JWKSet {
	t.Helper()
	r := h.do(req{method: "GET", path: identityapi.JWKSPath})
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, r.Header.Get("Cache-Control"), "max-age=")
	var set auth.JWKSet
	r.Decode(t, &set)
	return set
}

func kids(set auth.JWKSet) []string {
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid)
	}
	return out
}

func TestSigningKeyRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	ctx := context.Background()
	set := jwksOf(t, h)
	require.Len(t, set.Keys, 1, "a fresh database gets its first key")
	k1 := set.Keys[0]
	require.Equal(t, auth.JWK{Kty: "OKP", Crv: "Ed25519", X: k1.X, Kid: k1.Kid, Use: "sig", Alg: "EdDSA"}, k1)
	_, err := k1.Ed25519()
	require.NoError(t, err)

	email := uniqueEmail("rot")
	h.register(email, "Rot", goodPass)
	old := h.login(email, goodPass)
	require.Equal(t, k1.Kid, kidOf(t, old.AccessToken))

	// another process verifies through the JWKS over HTTP
	remote := auth.NewVerifier(auth.NewJWKSKeys(h.srv.URL+identityapi.JWKSPath, auth.JWKSMinRefetch(0)), issuer, audience)
	_, err = remote.Verify(ctx, old.AccessToken)
	require.NoError(t, err)

	// a second identity process on the same database (scaled out)
	peer, err := identity.New(h.db, nil, testConfig(), nil, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	k2, err := h.svc.RotateSigningKey(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{k2, k1.Kid}, kids(jwksOf(t, h)), "newest first; the retired key stays published")

	fresh := h.login(email, goodPass)
	require.Equal(t, k2, kidOf(t, fresh.AccessToken), "the newest key signs")
	for name, tok := range map[string]string{"old": old.AccessToken, "new": fresh.AccessToken} {
		_, err := h.verifier.Verify(ctx, tok)
		require.NoError(t, err, name)
		_, err = remote.Verify(ctx, tok)
		require.NoError(t, err, "%s: the remote key source refetches on the unknown kid", name)
		r := h.do(req{method: "GET", path: "/api/me", token: tok})
		require.Equal(t, http.StatusOK, r.Status, name)
		_, err = peer.Keys().PublicKey(ctx, kidOf(t, tok))
		require.NoError(t, err, "%s: the peer reloads on an unknown kid", name)
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestRunRotatesOldKeysAndDropsExpiredOnes(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Now()}
	cfg := testConfig()
	cfg.Now = c.Now
	cfg.KeyMaxAge = 30 * 24 * time.Hour
	cfg.MaintainEvery = 5 * time.Millisecond
	h := newHarness(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})

	k1 := h.svc.JWKS().Keys[0].Kid
	time.Sleep(30 * time.Millisecond)
	require.Equal(t, []string{k1}, kids(h.svc.JWKS()), "a young key is kept")

	c.Advance(31 * 24 * time.Hour)
	require.Eventually(t, func() bool { return len(h.svc.JWKS().Keys) == 2 }, 5*time.Second, 5*time.Millisecond, "rotated once older than KeyMaxAge")
	k2 := h.svc.JWKS().Keys[0].Kid
	require.NotEqual(t, k1, k2)
	time.Sleep(30 * time.Millisecond)
	require.Len(t, h.svc.JWKS().Keys, 2, "rotated once, not on every tick")
	_, err := h.svc.Keys().PublicKey(ctx, k1)
	require.NoError(t, err, "the retired key still verifies")

	// once every token the retired key signed has expired (15 min + reload slack), it is withdrawn
	c.Advance(10 * time.Minute)
	time.Sleep(30 * time.Millisecond)
	require.Len(t, h.svc.JWKS().Keys, 2)
	c.Advance(10 * time.Minute)
	require.Eventually(t, func() bool { return len(h.svc.JWKS().Keys) == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{k2}, kids(h.svc.JWKS()))
	_, err = h.svc.Keys().PublicKey(ctx, k1)
	require.Error(t, err)
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	tight := identity.Limits{}
	tight.LoginPerAccount.Burst, tight.LoginPerAccount.Period = 3, time.Hour
	tight.LoginPerAddress.Burst, tight.LoginPerAddress.Period = 6, time.Hour
	tight.RegisterPerAccount.Burst, tight.RegisterPerAccount.Period = 2, time.Hour
	tight.RegisterPerAddress.Burst, tight.RegisterPerAddress.Period = 4, time.Hour

	t.Run("login per account", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.Limits = &tight
		h := newHarness(t, cfg)
		email := uniqueEmail("victim")
		h.register(email, "Victim", goodPass)
		for range 3 {
			r := h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: "wrong-password!"}})
			require.Equal(t, http.StatusUnauthorized, r.Status)
		}
		// the right password does not help any more: the account is being guessed at
		r := h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: "  " + email, Password: goodPass}})
		require.Equal(t, http.StatusTooManyRequests, r.Status)
		require.Equal(t, "1200", r.Header.Get("Retry-After"), "one attempt back every 20 minutes")
		p := r.Problem(t)
		require.Contains(t, p.Detail, "1200 seconds")
		// other accounts from the same address are still fine
		other := uniqueEmail("other")
		h.register(other, "Other", goodPass)
		h.login(other, goodPass)
	})

	t.Run("login per address", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.Limits = &tight
		h := newHarness(t, cfg)
		for i := range 6 {
			r := h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: uniqueEmail("stuffed"), Password: "guess-number-" + string(rune('a'+i))}})
			require.Equal(t, http.StatusUnauthorized, r.Status)
		}
		r := h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: uniqueEmail("stuffed"), Password: "guess"}})
		require.Equal(t, http.StatusTooManyRequests, r.Status)
		secs := r.Header.Get("Retry-After")
		require.Equal(t, "600", secs)
	})

	t.Run("register", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.Limits = &tight
		h := newHarness(t, cfg)
		email := uniqueEmail("probe")
		h.register(email, "Probe", goodPass)
		r := h.do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: email, Password: goodPass, DisplayName: "P"}})
		require.Equal(t, http.StatusConflict, r.Status)
		r = h.do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: email, Password: goodPass, DisplayName: "P"}})
		require.Equal(t, http.StatusTooManyRequests, r.Status, "probing one address")
		require.NotEmpty(t, r.Header.Get("Retry-After"))
		h.register(uniqueEmail("a"), "A", goodPass)
		r = h.do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: uniqueEmail("b"), Password: goodPass, DisplayName: "B"}})
		require.Equal(t, http.StatusTooManyRequests, r.Status, "mass registration from one address")
	})

	t.Run("current password guesses count as logins", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.Limits = &tight
		h := newHarness(t, cfg)
		tok := h.user("Stolen") // 1 login attempt
		for range 2 {
			r := h.do(req{method: "PATCH", path: "/api/me", token: tok.AccessToken, body: identityapi.UpdateMeRequest{Password: ptr("An0ther-g00d-one"), CurrentPassword: ptr("guess-guess-guess")}})
			require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		}
		r := h.do(req{method: "PATCH", path: "/api/me", token: tok.AccessToken, body: identityapi.UpdateMeRequest{Password: ptr("An0ther-g00d-one"), CurrentPassword: ptr(goodPass)}})
		require.Equal(t, http.StatusTooManyRequests, r.Status)
		require.NotEmpty(t, r.Header.Get("Retry-After"))
	})
}

// TestRevocationsFedFromEvents shows how another process keeps its set: from
// the identity.user.deleted payload alone.
func TestRevocationsFedFromEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	admin := h.admin()
	u := h.user("Fed")
	r := h.do(req{method: "DELETE", path: "/api/users/" + u.User.ID, token: admin.AccessToken})
	require.Equal(t, http.StatusNoContent, r.Status)
	elsewhere := auth.NewRevocations(15 * time.Minute)
	applied := 0
	// a logout and a reused refresh token end one session each
	out := h.user("Out")
	r = h.do(req{method: "POST", path: "/api/auth/logout", body: identityapi.RefreshRequest{RefreshToken: out.RefreshToken}})
	require.Equal(t, http.StatusNoContent, r.Status)
	copied := h.user("Copied")
	for range 2 {
		h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: copied.RefreshToken}})
	}
	for _, env := range h.outboxEvents() {
		if env.Type == identityapi.SessionRevoked {
			var ev identityapi.SessionEvent
			require.NoError(t, env.Decode(&ev))
			elsewhere.RevokeSession(ev.SessionID, ev.RevokedAt)
			applied++
			continue
		}
		var ev identityapi.UserEvent
		require.NoError(t, env.Decode(&ev))
		if ev.TokensRevokedAt != nil {
			elsewhere.Revoke(ev.ID, *ev.TokensRevokedAt)
			applied++
		}
	}
	require.Equal(t, 3, applied, "the deletion, the logout and the reuse revoke")
	iat, err := parseClaims(t, u.AccessToken).GetIssuedAt()
	require.NoError(t, err)
	require.True(t, elsewhere.IsRevoked(u.User.ID, iat.Time))
	require.False(t, elsewhere.IsRevoked(admin.User.ID, time.Now()))
	require.True(t, elsewhere.IsSessionRevoked(parseClaims(t, out.AccessToken)["sid"].(string)))
	require.True(t, elsewhere.IsSessionRevoked(parseClaims(t, copied.AccessToken)["sid"].(string)))
	require.False(t, elsewhere.IsSessionRevoked(parseClaims(t, admin.AccessToken)["sid"].(string)))
}
