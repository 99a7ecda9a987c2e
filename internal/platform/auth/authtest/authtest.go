// Package authtest mints real EdDSA access tokens with a throwaway key, for
// tests of services that check tokens.
package authtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/platform/auth"
)

// Issuer and Audience used by test tokens.
const (
	Issuer   = "marquee-test"
	Audience = "marquee"
)

// Minter holds a test signing key.
type Minter struct {
	Kid     string
	Private ed25519.PrivateKey
	Keys    *auth.StaticKeys
}

// New returns a minter whose key is already in m.Keys.
func New(t testing.TB) *Minter {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := auth.NewStaticKeys()
	kid := "test-" + uuid.NewString()[:8]
	keys.Set(kid, pub)
	return &Minter{Kid: kid, Private: priv, Keys: keys}
}

// Verifier checks tokens from this minter.
func (m *Minter) Verifier() *auth.Verifier { return auth.NewVerifier(m.Keys, Issuer, Audience) }

// Token mints a 15-minute token for userID with role.
func (m *Minter) Token(t testing.TB, userID, role string) string {
	t.Helper()
	tok, err := auth.Sign(m.Private, m.Kid, Issuer, Audience, auth.Principal{UserID: userID, Role: role}, 15*time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Admin mints a token for a fresh admin user id.
func (m *Minter) Admin(t testing.TB) string { return m.Token(t, uuid.NewString(), auth.RoleAdmin) }

// User mints a token for a fresh user id.
func (m *Minter) User(t testing.TB) string { return m.Token(t, uuid.NewString(), auth.RoleUser) }
