// Package stream is how a player reaches a video's files: signed stream
// tokens (a key ring of HMAC-SHA256 keys), the set of revoked sessions and
// users that every process serving /stream keeps from events, and the
// /stream/{token}/... handler, authorised by the token alone.
package stream

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/google/uuid"
)

// A token is base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload))).
// The payload is a fixed binary record rather than JSON: the handler checks a
// token on every segment request, and decoding JSON would cost more than the
// HMAC itself (the benchmark's budget is a microsecond per check, on one core).
//
//	[0]      format (1)
//	[1:5]    kid: the first 4 bytes of SHA-256(key)
//	[5:21]   sid  playback session id
//	[21:37]  uid  user id
//	[37:53]  mid  movie id
//	[53:69]  vid  video id: which files (a movie's video may be replaced while a session plays)
//	[69:71]  h    max height, big-endian
//	[71:79]  exp  Unix seconds, big-endian
const (
	tokenFormat  = 1
	payloadLen   = 79
	payloadChars = (payloadLen*8 + 5) / 6 // unpadded base64
	sigChars     = (sha256.Size*8 + 5) / 6
	tokenLen     = payloadChars + 1 + sigChars
)

// b64 is strict so that each token has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// MinKeyLen is the shortest key the ring takes (the HMAC-SHA256 output size).
const MinKeyLen = 32

// Errors of Verify. Callers answer all of them alike (403): they only tell
// tests and logs apart.
var (
	ErrMalformed = errors.New("stream token: malformed")
	ErrSignature = errors.New("stream token: bad signature or unknown key")
	ErrExpired   = errors.New("stream token: expired")
)

// Claims is what a token grants: the session's user may fetch the files of
// one video, renditions up to MaxHeight, until Expires.
type Claims struct {
	SessionID uuid.UUID
	UserID    uuid.UUID
	MovieID   uuid.UUID
	VideoID   uuid.UUID
	MaxHeight int
	Expires   time.Time
}

// Ring holds the signing keys: the first signs, every one verifies. A key
// retired from the front keeps verifying until the tokens it signed have
// expired; its holder then drops it (Ring only knows what it was given).
type Ring struct {
	keys []*ringKey
	now  func() time.Time
}

type ringKey struct {
	id    uint32
	key   []byte
	state sync.Pool // of *scratch keyed with this key: HMAC state reused, no allocation per check
}

// scratch is one check's working memory.
type scratch struct {
	mac     hash.Hash
	text    [tokenLen]byte
	payload [payloadLen + 2]byte // base64 decoding may write a little past the end
	sig     [sha256.Size + 2]byte
	sum     [sha256.Size]byte
}

// NewRing makes a ring of keys, newest (the signer) first.
func NewRing(keys ...[]byte) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("stream keys: at least one is required")
	}
	r := &Ring{now: time.Now}
	seen := map[uint32]bool{}
	for i, k := range keys {
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("stream keys: key %d has %d bytes, at least %d are required", i+1, len(k), MinKeyLen)
		}
		digest := sha256.Sum256(k)
		id := binary.BigEndian.Uint32(digest[:4])
		if seen[id] {
			continue // the same key twice (or a 2^-32 collision, which would only cost it the older key's tokens)
		}
		seen[id] = true
		rk := &ringKey{id: id, key: append([]byte(nil), k...)}
		rk.state.New = func() any { return &scratch{mac: hmac.New(sha256.New, rk.key)} }
		r.keys = append(r.keys, rk)
	}
	return r, nil
}

// Sign makes the token of c with the newest key.
func (r *Ring) Sign(c Claims) string {
	k := r.keys[0]
	var p [payloadLen]byte
	p[0] = tokenFormat
	binary.BigEndian.PutUint32(p[1:5], k.id)
	copy(p[5:21], c.SessionID[:])
	copy(p[21:37], c.UserID[:])
	copy(p[37:53], c.MovieID[:])
	copy(p[53:69], c.VideoID[:])
	binary.BigEndian.PutUint16(p[69:71], uint16(min(max(c.MaxHeight, 0), 0xffff)))
	binary.BigEndian.PutUint64(p[71:79], uint64(c.Expires.Unix()))
	out := make([]byte, 0, tokenLen)
	out = b64.AppendEncode(out, p[:])
	mac := hmac.New(sha256.New, k.key)
	mac.Write(out)
	out = append(out, '.')
	return string(b64.AppendEncode(out, mac.Sum(nil)))
}

// Verify checks a token's signature (in constant time) and expiry and
// returns its claims. It allocates nothing.
func (r *Ring) Verify(token string) (Claims, error) {
	if len(token) != tokenLen || token[payloadChars] != '.' {
		return Claims{}, ErrMalformed
	}
	// The kid is in the payload's first 5 bytes = its first 8 characters;
	// decode them to pick the key before the HMAC.
	var head [6]byte
	var head64 [8]byte
	copy(head64[:], token[:8])
	if n, err := b64.Decode(head[:], head64[:]); err != nil || n != 6 || head[0] != tokenFormat {
		return Claims{}, ErrMalformed
	}
	k := r.key(binary.BigEndian.Uint32(head[1:5]))
	if k == nil {
		return Claims{}, ErrSignature
	}
	s := k.state.Get().(*scratch)
	defer k.state.Put(s)
	copy(s.text[:], token)
	if n, err := b64.Decode(s.sig[:], s.text[payloadChars+1:]); err != nil || n != sha256.Size {
		return Claims{}, ErrMalformed
	}
	s.mac.Reset()
	s.mac.Write(s.text[:payloadChars])
	if !hmac.Equal(s.mac.Sum(s.sum[:0]), s.sig[:sha256.Size]) {
		return Claims{}, ErrSignature
	}
	if n, err := b64.Decode(s.payload[:], s.text[:payloadChars]); err != nil || n != payloadLen {
		return Claims{}, ErrMalformed
	}
	p := s.payload[:payloadLen]
	c := Claims{
		SessionID: uuid.UUID(p[5:21]),
		UserID:    uuid.UUID(p[21:37]),
		MovieID:   uuid.UUID(p[37:53]),
		VideoID:   uuid.UUID(p[53:69]),
		MaxHeight: int(binary.BigEndian.Uint16(p[69:71])),
		Expires:   time.Unix(int64(binary.BigEndian.Uint64(p[71:79])), 0),
	}
	if !r.now().Before(c.Expires) {
		return Claims{}, ErrExpired
	}
	return c, nil
}

func (r *Ring) key(id uint32) *ringKey {
	for _, k := range r.keys { // a handful at most: a scan beats a map
		if k.id == id {
			return k
		}
	}
	return nil
}
