package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
)

func TestVerifyAcceptsAValidToken(t *testing.T) {
	t.Parallel()
	m := authtest.New(t)
	p, err := m.Verifier().Verify(context.Background(), m.Token(t, "u1", auth.RoleAdmin))
	require.NoError(t, err)
	require.Equal(t, auth.Principal{UserID: "u1", Role: auth.RoleAdmin}, p)
	require.True(t, p.IsAdmin())
}

func TestVerifyRejectsUntrustworthyTokens(t *testing.T) {
	t.Parallel()
	m := authtest.New(t)
	v := m.Verifier()
	now := time.Now()
	p := auth.Principal{UserID: "u1", Role: auth.RoleUser}
	sign := func(iss, aud string, ttl time.Duration, at time.Time) string {
		tok, err := auth.Sign(m.Private, m.Kid, iss, aud, p, ttl, at)
		require.NoError(t, err)
		return tok
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	forged, err := auth.Sign(otherKey, m.Kid, authtest.Issuer, authtest.Audience, p, time.Minute, now)
	require.NoError(t, err)

	claims := jwt.MapClaims{"iss": authtest.Issuer, "aud": authtest.Audience, "sub": "u1", "role": "admin",
		"exp": now.Add(time.Minute).Unix(), "iat": now.Unix()}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
	none.Header["kid"] = m.Kid
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	// HMAC keyed with the public key: the classic algorithm-confusion attack.
	hmac := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	hmac.Header["kid"] = m.Kid
	pub, _ := m.Keys.PublicKey(context.Background(), m.Kid)
	hmacTok, err := hmac.SignedString([]byte(pub))
	require.NoError(t, err)
	good := sign(authtest.Issuer, authtest.Audience, time.Minute, now)
	tampered := good[:len(good)-4] + flip(good[len(good)-4:])
	unknownKid := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	unknownKid.Header["kid"] = "nope"
	unknownKidTok, _ := unknownKid.SignedString(m.Private)
	badRole := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"iss": authtest.Issuer, "aud": authtest.Audience, "sub": "u1", "role": "root", "exp": now.Add(time.Minute).Unix(), "iat": now.Unix()})
	badRole.Header["kid"] = m.Kid
	badRoleTok, _ := badRole.SignedString(m.Private)

	for name, tok := range map[string]string{
		"alg none":        noneTok,
		"hmac":            hmacTok,
		"forged":          forged,
		"tampered":        tampered,
		"wrong audience":  sign(authtest.Issuer, "someone-else", time.Minute, now),
		"wrong issuer":    sign("evil", authtest.Audience, time.Minute, now),
		"expired":         sign(authtest.Issuer, authtest.Audience, time.Minute, now.Add(-time.Hour)),
		"unknown key id":  unknownKidTok,
		"unknown role":    badRoleTok,
		"garbage":         "not.a.token",
		"empty":           "",
		"base64 nonsense": base64.RawURLEncoding.EncodeToString([]byte("{}")) + "..",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(context.Background(), tok)
			require.ErrorIs(t, err, auth.ErrInvalidToken)
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func BenchmarkVerify(b *testing.B) {
	m := authtest.New(b)
	v := m.Verifier()
	tok := m.Token(b, "u1", auth.RoleUser)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// The verifier allows exactly the configured clock skew on exp, nbf and iat:
// a token just inside it passes, one just outside fails.
func TestVerifyAllowsNoMoreClockSkewThanConfigured(t *testing.T) {
	t.Parallel()
	m := authtest.New(t)
	p := auth.Principal{UserID: "u1", Role: auth.RoleUser}
	sign := func(ttl time.Duration, at time.Time) string {
		tok, err := auth.Sign(m.Private, m.Kid, authtest.Issuer, authtest.Audience, p, ttl, at)
		require.NoError(t, err)
		return tok
	}
	now := time.Now()
	for name, tc := range map[string]struct {
		skew    time.Duration
		token   string
		allowed bool
	}{
		"default 5 s: expired 3 s ago":      {auth.DefaultClockSkew, sign(time.Minute, now.Add(-time.Minute-3*time.Second)), true},
		"default 5 s: expired 8 s ago":      {auth.DefaultClockSkew, sign(time.Minute, now.Add(-time.Minute-8*time.Second)), false},
		"default 5 s: issued 3 s in future": {auth.DefaultClockSkew, sign(time.Minute, now.Add(3*time.Second)), true},
		"default 5 s: issued 8 s in future": {auth.DefaultClockSkew, sign(time.Minute, now.Add(8*time.Second)), false},
		"none: expired 2 s ago":             {0, sign(time.Minute, now.Add(-time.Minute-2*time.Second)), false},
		"none: issued 2 s in future":        {0, sign(time.Minute, now.Add(2*time.Second)), false},
		"30 s: expired 20 s ago":            {30 * time.Second, sign(time.Minute, now.Add(-time.Minute-20*time.Second)), true},
		"30 s: expired 40 s ago":            {30 * time.Second, sign(time.Minute, now.Add(-time.Minute-40*time.Second)), false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := auth.NewVerifier(m.Keys, authtest.Issuer, authtest.Audience, auth.WithClockSkew(tc.skew), auth.WithTokenCache(auth.NewTokenCache(0)))
			_, err := v.Verify(context.Background(), tc.token)
			if tc.allowed {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, auth.ErrInvalidToken)
			}
		})
	}
}

// A revoked session (logout, a reused refresh token) ends the tokens that
// carry its sid, cached or not, and no other session's.
func TestVerifyRefusesTokensOfARevokedSession(t *testing.T) {
	t.Parallel()
	m := authtest.New(t)
	rev := auth.NewRevocations(15 * time.Minute)
	v := auth.NewVerifier(m.Keys, authtest.Issuer, authtest.Audience, auth.WithRevocations(rev), auth.WithTokenCache(auth.NewTokenCache(0)))
	sign := func(sid string) string {
		tok, err := auth.Sign(m.Private, m.Kid, authtest.Issuer, authtest.Audience, auth.Principal{UserID: "u1", Role: auth.RoleUser, SessionID: sid}, time.Minute, time.Now())
		require.NoError(t, err)
		return tok
	}
	ended, other, legacy := sign("s1"), sign("s2"), sign("")
	got, err := v.Verify(context.Background(), ended)
	require.NoError(t, err, "cached now")
	require.Equal(t, "s1", got.SessionID)
	rev.RevokeSession("s1", time.Now())
	_, err = v.Verify(context.Background(), ended)
	require.ErrorIs(t, err, auth.ErrInvalidToken)
	_, err = v.Verify(context.Background(), other)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), legacy)
	require.NoError(t, err, "a token without sid is not caught by a session revocation")
	require.Equal(t, 1, rev.Len())
}
