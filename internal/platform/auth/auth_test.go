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
