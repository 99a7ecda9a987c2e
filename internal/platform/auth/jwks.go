package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// JWK is one public key of a JSON Web Key Set (RFC 7517); Marquee publishes
// Ed25519 keys only (RFC 8037: kty OKP, crv Ed25519, x = the raw key).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKSet is the document at /.well-known/jwks.json.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// Ed25519JWK describes an Ed25519 public key as a signing JWK.
func Ed25519JWK(kid string, pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: kid, Use: "sig", Alg: "EdDSA"}
}

// Ed25519 returns the key of an Ed25519 signing JWK, or an error for any other kind.
func (k JWK) Ed25519() (ed25519.PublicKey, error) {
	if k.Kty != "OKP" || k.Crv != "Ed25519" {
		return nil, fmt.Errorf("jwk %q: kty %q crv %q is not an Ed25519 key", k.Kid, k.Kty, k.Crv)
	}
	if k.Use != "" && k.Use != "sig" {
		return nil, fmt.Errorf("jwk %q: use %q is not sig", k.Kid, k.Use)
	}
	if k.Alg != "" && k.Alg != "EdDSA" {
		return nil, fmt.Errorf("jwk %q: alg %q is not EdDSA", k.Kid, k.Alg)
	}
	raw, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("jwk %q: x is not a base64url Ed25519 public key", k.Kid)
	}
	return ed25519.PublicKey(raw), nil
}

// JWKSKeys is a KeySource for processes that do not run the identity service:
// it fetches the identity service's JWKS over HTTP and caches the keys. An
// unknown kid (a freshly rotated key) triggers a refetch, at most once per
// MinRefetch however many requests carry unknown kids, so forged kids cannot
// turn into a flood of fetches; the whole set is also refreshed after MaxAge so
// that withdrawn keys stop verifying. When a fetch fails, the keys already
// known keep working.
type JWKSKeys struct {
	url        string
	hc         *http.Client
	minRefetch time.Duration
	maxAge     time.Duration
	now        func() time.Time

	mu        sync.RWMutex
	keys      map[string]ed25519.PublicKey
	fetchedAt time.Time // last successful fetch

	fetchMu     sync.Mutex // one fetch at a time
	attemptedAt time.Time  // last fetch attempt (guarded by fetchMu)
}

// JWKSOption configures JWKSKeys.
type JWKSOption func(*JWKSKeys)

// JWKSHTTPClient sets the HTTP client (default: 10 s timeout).
func JWKSHTTPClient(hc *http.Client) JWKSOption { return func(j *JWKSKeys) { j.hc = hc } }

// JWKSMinRefetch sets the least time between two fetches (default 5 s).
func JWKSMinRefetch(d time.Duration) JWKSOption { return func(j *JWKSKeys) { j.minRefetch = d } }

// JWKSMaxAge sets how long a fetched set is used before it is fetched again (default 10 min).
func JWKSMaxAge(d time.Duration) JWKSOption { return func(j *JWKSKeys) { j.maxAge = d } }

// JWKSClock replaces time.Now (tests).
func JWKSClock(now func() time.Time) JWKSOption { return func(j *JWKSKeys) { j.now = now } }

// NewJWKSKeys returns a key source reading the JWKS at url (e.g.
// "http://identity:8080/.well-known/jwks.json"). It fetches lazily, on the first lookup.
func NewJWKSKeys(url string, opts ...JWKSOption) *JWKSKeys {
	j := &JWKSKeys{
		url: url, hc: &http.Client{Timeout: 10 * time.Second},
		minRefetch: 5 * time.Second, maxAge: 10 * time.Minute, now: time.Now,
		keys: map[string]ed25519.PublicKey{},
	}
	for _, opt := range opts {
		opt(j)
	}
	return j
}

// PublicKey returns the key kid, fetching the set when kid is unknown or the set is stale.
func (j *JWKSKeys) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	j.mu.RLock()
	key, ok := j.keys[kid]
	stale := j.now().Sub(j.fetchedAt) > j.maxAge
	j.mu.RUnlock()
	if ok && !stale {
		return key, nil
	}
	err := j.fetch(ctx, false)
	j.mu.RLock()
	key, ok = j.keys[kid]
	j.mu.RUnlock()
	if ok {
		return key, nil // possibly from the stale set when the refresh failed
	}
	if err != nil {
		return nil, fmt.Errorf("unknown key id %q (%w)", kid, err)
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// Refresh fetches the set now, whatever MinRefetch says (start-up, tests).
func (j *JWKSKeys) Refresh(ctx context.Context) error { return j.fetch(ctx, true) }

var errRefetchTooSoon = errors.New("jwks fetched moments ago")

func (j *JWKSKeys) fetch(ctx context.Context, force bool) error {
	j.fetchMu.Lock()
	defer j.fetchMu.Unlock()
	now := j.now()
	if !force && !j.attemptedAt.IsZero() && now.Sub(j.attemptedAt) < j.minRefetch {
		return errRefetchTooSoon // whoever fetched just now has the newest set
	}
	j.attemptedAt = now
	keys, err := j.get(ctx)
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.keys, j.fetchedAt = keys, now
	j.mu.Unlock()
	return nil
}

func (j *JWKSKeys) get(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks %s: %w", j.url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks %s: status %d", j.url, resp.StatusCode)
	}
	var set JWKSet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode jwks %s: %w", j.url, err)
	}
	keys := make(map[string]ed25519.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kid == "" {
			continue
		}
		if pub, err := k.Ed25519(); err == nil {
			keys[k.Kid] = pub
		}
	}
	return keys, nil
}
