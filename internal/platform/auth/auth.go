// Package auth verifies access tokens (EdDSA JWTs issued by the identity
// service) and carries the caller's principal through the request context.
package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Roles.
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

// Access says who may call a route. Every route declares one.
type Access string

const (
	Public Access = "public" // tokens are never read: no principal, no 401, no CSRF check
	Anyone Access = "anyone" // a token is optional: a valid one is read, the handler may use it
	Signed Access = "user"   // any signed-in user
	Owner  Access = "owner"  // a signed-in user; the handler checks ownership (admins pass too)
	Admin  Access = "admin"  // administrators only
)

// Principal is the authenticated caller.
type Principal struct {
	UserID    string
	Role      string
	SessionID string // the sid claim: the login session (refresh-token family) the token belongs to; may be empty
}

// IsAdmin reports whether the caller is an administrator.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// CanActFor reports whether the caller is userID or an administrator.
func (p Principal) CanActFor(userID string) bool { return p.UserID == userID || p.IsAdmin() }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller, if the request carried a valid token.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ErrInvalidToken is returned for any token that must not be trusted.
var ErrInvalidToken = errors.New("invalid access token")

// KeySource finds the public key for a key id.
type KeySource interface {
	PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error)
}

// StaticKeys is a fixed key set (tests; services that share the process with identity).
type StaticKeys struct {
	mu   sync.RWMutex
	keys map[string]ed25519.PublicKey
}

// NewStaticKeys returns an empty key set.
func NewStaticKeys() *StaticKeys { return &StaticKeys{keys: map[string]ed25519.PublicKey{}} }

// Set adds or replaces the key kid.
func (s *StaticKeys) Set(kid string, key ed25519.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[kid] = key
}

// PublicKey returns the key kid or an error.
func (s *StaticKeys) PublicKey(_ context.Context, kid string) (ed25519.PublicKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// Claims are the access token's claims.
type Claims struct {
	Role      string `json:"role"`
	SessionID string `json:"sid,omitempty"`
	jwt.RegisteredClaims
}

// Verifier checks access tokens: EdDSA signature by a known key id, expiry,
// issuer, audience, a subject and a known role.
type Verifier struct {
	keys        KeySource
	issuer      string
	audience    string
	parser      *jwt.Parser
	revocations *Revocations // nil: none
	cache       *TokenCache  // nil: every token is fully verified
	skew        time.Duration
}

// DefaultClockSkew is how far the verifier's clock may disagree with the
// issuer's (exp, nbf and iat are checked with this much leeway).
const DefaultClockSkew = 5 * time.Second

// VerifierOption configures a Verifier.
type VerifierOption func(*Verifier)

// WithRevocations makes the verifier refuse the tokens a user had before
// their revocation (deleted accounts, demoted administrators).
func WithRevocations(r *Revocations) VerifierOption { return func(v *Verifier) { v.revocations = r } }

// WithTokenCache remembers verified tokens, so a token seen before costs a
// map lookup instead of an Ed25519 verification. Revocations are still
// checked on every request.
func WithTokenCache(c *TokenCache) VerifierOption { return func(v *Verifier) { v.cache = c } }

// WithClockSkew sets the leeway on exp, nbf and iat (DefaultClockSkew; 0 allows none).
func WithClockSkew(d time.Duration) VerifierOption { return func(v *Verifier) { v.skew = max(d, 0) } }

// NewVerifier returns a verifier for tokens of issuer meant for audience.
func NewVerifier(keys KeySource, issuer, audience string, opts ...VerifierOption) *Verifier {
	v := &Verifier{keys: keys, issuer: issuer, audience: audience, skew: DefaultClockSkew}
	for _, opt := range opts {
		opt(v)
	}
	v.parser = jwt.NewParser(
		// only EdDSA: rejects alg "none" and HMAC tokens signed with a public key
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.skew),
	)
	return v
}

// Verify returns the principal of a valid token, or an error wrapping ErrInvalidToken.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	now := time.Now()
	if e, ok := v.cache.Get(token, now); ok {
		if v.revoked(e.Principal, e.IssuedAt) {
			return Principal{}, fmt.Errorf("%w: revoked", ErrInvalidToken)
		}
		return e.Principal, nil
	}
	var claims Claims
	_, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		return v.keys.PublicKey(ctx, kid)
	})
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.Subject == "" {
		return Principal{}, fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	if claims.Role != RoleAdmin && claims.Role != RoleUser {
		return Principal{}, fmt.Errorf("%w: unknown role %q", ErrInvalidToken, claims.Role)
	}
	var issuedAt time.Time
	if claims.IssuedAt != nil {
		issuedAt = claims.IssuedAt.Time
	}
	p := Principal{UserID: claims.Subject, Role: claims.Role, SessionID: claims.SessionID}
	if v.revoked(p, issuedAt) {
		return Principal{}, fmt.Errorf("%w: revoked", ErrInvalidToken)
	}
	v.cache.Add(token, CachedToken{Principal: p, IssuedAt: issuedAt, ExpiresAt: claims.ExpiresAt.Time}, now)
	return p, nil
}

func (v *Verifier) revoked(p Principal, issuedAt time.Time) bool {
	return v.revocations.IsRevoked(p.UserID, issuedAt) || v.revocations.IsSessionRevoked(p.SessionID)
}

// Sign makes an access token for p with the private key kid. The identity
// service issues tokens with it; tests mint them through authtest.
func Sign(key ed25519.PrivateKey, kid, issuer, audience string, p Principal, ttl time.Duration, now time.Time) (string, error) {
	claims := Claims{
		Role: p.Role, SessionID: p.SessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: p.UserID, Audience: jwt.ClaimStrings{audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = kid
	return t.SignedString(key)
}
