package password_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity/password"
)

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, err := password.NewHasher(password.ForTests, 0)
	require.NoError(t, err)
	enc, err := h.Hash(ctx, "correct horse battery")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$"), enc)
	enc2, _ := h.Hash(ctx, "correct horse battery")
	require.NotEqual(t, enc, enc2, "salted")

	ok, rehash, err := h.Verify(ctx, "correct horse battery", enc)
	require.NoError(t, err)
	require.True(t, ok)
	require.False(t, rehash)
	ok, _, err = h.Verify(ctx, "correct horse batterz", enc)
	require.NoError(t, err)
	require.False(t, ok)

	// a hash made with other parameters verifies and asks to be redone
	stronger := password.ForTests
	stronger.Memory, stronger.Time = 128, 2
	h2, err := password.NewHasher(stronger, 1)
	require.NoError(t, err)
	ok, rehash, err = h2.Verify(ctx, "correct horse battery", enc)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, rehash)

	require.NoError(t, h.VerifyDummy(ctx, "whatever"))

	for _, bad := range []string{
		"", "plaintext", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // would allocate ~100 GB
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		_, _, err := h.Verify(ctx, "x", bad)
		require.ErrorIs(t, err, password.ErrMalformedHash, bad)
	}

	_, err = password.NewHasher(password.Params{Memory: 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	require.Error(t, err)
}

func TestHasherBoundsConcurrencyAndHonoursContext(t *testing.T) {
	t.Parallel()
	h, err := password.NewHasher(password.ForTests, 1)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// with the only slot free the hash still runs; a cancelled wait returns at once
	_, err = h.Hash(context.Background(), "x")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { _, err := h.Hash(ctx, "x"); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			require.ErrorIs(t, err, context.Canceled)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("hash did not return")
	}
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	require.Greater(t, password.CommonCount(), 3000, "a few thousand common passwords are embedded")
	for pw, want := range map[string]string{
		"short":                          "at least 10",
		"password123":                    "commonly used",
		"PASSWORD123":                    "commonly used",
		"qwertyuiop":                     "commonly used",
		"1234567890":                     "commonly used",
		"1qaz2wsx3edc":                   "commonly used",
		"iloveyou2024":                   "commonly used",
		"Sunshine1987!!":                 "commonly used", // a listed word decorated
		"!!liverpool2000":                "commonly used",
		"p@ssw0rd123":                    "commonly used",
		"aaaaaaaaaaaa":                   "commonly used",
		"abcabcabcabc":                   "commonly used",
		"7777777777":                     "commonly used",
		"ann.smith@example.com":          "e-mail address or name",
		"Ann.Smith2024":                  "e-mail address or name",
		strings.Repeat("x", 120) + "yz":  "",
		strings.Repeat("xy", 200):        "at most 256",
		"correct horse battery staple 9": "",
		"Sunshine-Trousers-42":           "",
		"ÄÖÜ-mein-Passwort":              "",
		"k9#Lm2vQ8r":                     "",
		"héllo wörld":                    "",
	} {
		got := password.Problem(pw, "ann.smith@example.com", "Ann")
		if want == "" {
			require.Empty(t, got, pw)
		} else {
			require.Contains(t, got, want, pw)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	h, err := password.NewHasher(password.Default, 0)
	require.NoError(b, err)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/hash")
}
