package identity

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/identity/store"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// keyRing holds the signing keys of access tokens, loaded from the identity
// database so that every identity process of a site signs with the same
// keys. The newest live key signs. Rotation adds a key and retires the
// others; a retired key stays published in the JWKS, and keeps verifying,
// until every token it may have signed has expired: its retirement + the
// access-token lifetime + the time the other identity processes may take to
// notice the rotation (they reload every reloadEvery) + clock leeway.
type keyRing struct {
	db          *sqldb.DB
	store       store.Store
	accessTTL   time.Duration
	maxAge      time.Duration
	reloadEvery time.Duration
	now         func() time.Time

	mu      sync.RWMutex
	signing store.SigningKey             // newest live key
	verify  map[string]ed25519.PublicKey // keys that still verify
	jwks    auth.JWKSet

	reloadMu     sync.Mutex // one reload for an unknown kid at a time
	missReloadAt time.Time  // last such reload (guarded by reloadMu)
}

// keyClockLeeway is added to every key's retention, for clock differences between processes.
const keyClockLeeway = time.Minute

// retention is how long a retired key keeps verifying.
func (k *keyRing) retention() time.Duration {
	return k.accessTTL + 2*k.reloadEvery + keyClockLeeway
}

// load reads the keys; when there are none yet it creates the first one.
func (k *keyRing) load(ctx context.Context) error {
	keys, err := k.store.SigningKeys(ctx, k.db)
	if err != nil {
		return err
	}
	if len(keys) == 0 || keys[0].RetiredAt != nil {
		if _, err := k.rotate(ctx); err != nil {
			return err
		}
		return nil
	}
	k.install(keys)
	return nil
}

// install makes keys (newest first) the ring's content.
func (k *keyRing) install(keys []store.SigningKey) {
	now := k.now()
	verify := make(map[string]ed25519.PublicKey, len(keys))
	set := auth.JWKSet{Keys: []auth.JWK{}}
	var signing store.SigningKey
	for _, key := range keys {
		if key.RetiredAt == nil && signing.Kid == "" {
			signing = key
		}
		if key.RetiredAt != nil && now.Sub(*key.RetiredAt) > k.retention() {
			continue
		}
		pub := key.PrivateKey.Public().(ed25519.PublicKey)
		verify[key.Kid] = pub
		set.Keys = append(set.Keys, auth.Ed25519JWK(key.Kid, pub))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.signing, k.verify, k.jwks = signing, verify, set
}

// signer returns the key that signs new tokens.
func (k *keyRing) signer() (kid string, priv ed25519.PrivateKey, err error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.signing.Kid == "" {
		return "", nil, fmt.Errorf("no signing key loaded")
	}
	return k.signing.Kid, k.signing.PrivateKey, nil
}

// JWKS returns the published key set.
func (k *keyRing) JWKS() auth.JWKSet {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.jwks
}

// PublicKey implements auth.KeySource for verifiers in this process. An
// unknown kid (another identity process rotated) reloads the keys from the
// database, at most once a second however many forged kids arrive.
func (k *keyRing) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	k.mu.RLock()
	pub, ok := k.verify[kid]
	k.mu.RUnlock()
	if ok {
		return pub, nil
	}
	k.reloadMu.Lock()
	if now := k.now(); k.missReloadAt.IsZero() || now.Sub(k.missReloadAt) >= time.Second {
		k.missReloadAt = now
		if keys, err := k.store.SigningKeys(ctx, k.db); err == nil {
			k.install(keys)
		}
	}
	k.reloadMu.Unlock()
	k.mu.RLock()
	pub, ok = k.verify[kid]
	k.mu.RUnlock()
	if ok {
		return pub, nil
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// rotate creates a key that signs from now on and retires the others.
func (k *keyRing) rotate(ctx context.Context) (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate signing key: %w", err)
	}
	now := k.now()
	key := store.SigningKey{Kid: "k-" + uuid.Must(uuid.NewV7()).String(), PrivateKey: priv, CreatedAt: now}
	var keys []store.SigningKey
	err = k.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if err := k.store.AddSigningKey(ctx, tx, key); err != nil {
			return err
		}
		if err := k.store.RetireSigningKeys(ctx, tx, key.Kid, now); err != nil {
			return err
		}
		// keys whose every token has expired are of no use any more
		if _, err := k.store.DeleteSigningKeysRetiredBefore(ctx, tx, now.Add(-k.retention())); err != nil {
			return err
		}
		keys, err = k.store.SigningKeys(ctx, tx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("rotate signing key: %w", err)
	}
	k.install(keys)
	return key.Kid, nil
}

// maintain reloads the keys and rotates when the signing key is older than maxAge.
func (k *keyRing) maintain(ctx context.Context) (rotated bool, err error) {
	keys, err := k.store.SigningKeys(ctx, k.db)
	if err != nil {
		return false, err
	}
	if len(keys) == 0 || keys[0].RetiredAt != nil || k.now().Sub(keys[0].CreatedAt) >= k.maxAge {
		_, err := k.rotate(ctx)
		return err == nil, err
	}
	k.install(keys)
	return false, nil
}
