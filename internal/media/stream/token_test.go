package stream

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, MinKeyLen)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

func sampleClaims() Claims {
	return Claims{
		SessionID: uuid.New(), UserID: uuid.New(), MovieID: uuid.New(), VideoID: uuid.New(),
		MaxHeight: 720, Expires: time.Now().Add(time.Hour).Truncate(time.Second),
	}
}

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	ring, err := NewRing(newKey(t))
	require.NoError(t, err)
	c := sampleClaims()
	tok := ring.Sign(c)
	require.Len(t, tok, tokenLen)
	got, err := ring.Verify(tok)
	require.NoError(t, err)
	require.Equal(t, c.SessionID, got.SessionID)
	require.Equal(t, c.UserID, got.UserID)
	require.Equal(t, c.MovieID, got.MovieID)
	require.Equal(t, c.VideoID, got.VideoID)
	require.Equal(t, 720, got.MaxHeight)
	require.True(t, c.Expires.Equal(got.Expires))
}

func TestTokenRefused(t *testing.T) {
	t.Parallel()
	ring, err := NewRing(newKey(t))
	require.NoError(t, err)
	other, err := NewRing(newKey(t))
	require.NoError(t, err)
	tok := ring.Sign(sampleClaims())
	expired := sampleClaims()
	expired.Expires = time.Now().Add(-time.Second)

	flip := func(i int) string { // change one character of the token
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for name, tc := range map[string]struct {
		token string
		want  error
	}{
		"empty":               {"", ErrMalformed},
		"truncated":           {tok[:len(tok)-1], ErrMalformed},
		"no dot":              {strings.Replace(tok, ".", "x", 1), ErrMalformed},
		"payload tampered":    {flip(40), ErrSignature},
		"height tampered":     {flip(payloadChars - 10), ErrSignature},
		"signature tampered":  {flip(len(tok) - 5), ErrSignature},
		"signature not b64":   {tok[:len(tok)-1] + "*", ErrMalformed},
		"another ring's key":  {other.Sign(sampleClaims()), ErrSignature},
		"expired":             {ring.Sign(expired), ErrExpired},
		"unknown format byte": {"B" + tok[1:], ErrMalformed},
	} {
		_, err := ring.Verify(tc.token)
		require.ErrorIs(t, err, tc.want, name)
	}
}

// The newest key signs; older ones still verify what they signed; a ring
// without a key refuses its tokens.
func TestRingRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := newKey(t), newKey(t)
	before, err := NewRing(oldKey)
	require.NoError(t, err)
	oldToken := before.Sign(sampleClaims())

	after, err := NewRing(newKey, oldKey)
	require.NoError(t, err)
	_, err = after.Verify(oldToken)
	require.NoError(t, err, "an older key verifies")
	newToken := after.Sign(sampleClaims())
	_, err = before.Verify(newToken)
	require.ErrorIs(t, err, ErrSignature, "the newest key signs")

	retired, err := NewRing(newKey)
	require.NoError(t, err)
	_, err = retired.Verify(oldToken)
	require.ErrorIs(t, err, ErrSignature)
	_, err = retired.Verify(newToken)
	require.NoError(t, err)

	_, err = NewRing()
	require.Error(t, err)
	_, err = NewRing(bytes.Repeat([]byte("k"), MinKeyLen-1))
	require.ErrorContains(t, err, "at least 32")
}

func TestVerifyAllocatesNothing(t *testing.T) {
	ring, err := NewRing(newKey(t))
	require.NoError(t, err)
	tok := ring.Sign(sampleClaims())
	_, _ = ring.Verify(tok) // fills the pool
	require.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := ring.Verify(tok); err != nil {
			panic(err)
		}
	}))
}

// BenchmarkVerify measures token checks on one core (issue 11: at least
// 1,000,000 per second per core): go test ./internal/media/stream -run '^$' -bench Verify -cpu 1
func BenchmarkVerify(b *testing.B) {
	ring, err := NewRing(newKey(b), newKey(b))
	require.NoError(b, err)
	tok := ring.Sign(sampleClaims())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}
