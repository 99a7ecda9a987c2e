// Package cache keeps ready-to-write HTTP answers in process memory (otter),
// for the hot reads of the services: a hit costs a map lookup and one write.
package cache

import (
	"hash/crc32"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// Response is a ready-to-write JSON answer: the body and its header values,
// prebuilt so a cache hit allocates nothing.
type Response struct {
	body   []byte
	length []string // Content-Length
	etag   []string // ETag
}

// NewResponse prepares an answer with the given weak ETag value (without W/ and quotes).
func NewResponse(body []byte, etag string) *Response {
	return &Response{body: body, length: []string{strconv.Itoa(len(body))}, etag: []string{`W/"` + etag + `"`}}
}

// NewResponseHashed prepares an answer whose ETag is a hash of the body.
func NewResponseHashed(body []byte) *Response {
	return NewResponse(body, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 36))
}

var jsonContentType = []string{"application/json"}

// Write answers with the response, or 304 when the client already has it.
func (resp *Response) Write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Etag"] = resp.etag
	if inm, ok := r.Header["If-None-Match"]; ok && len(inm) == 1 && inm[0] == resp.etag[0] {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Length"] = resp.length
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp.body)
}

// Responses keeps answers by key. Entries live for a TTL, which bounds how
// stale a replica can be about a change made elsewhere; changes made in this
// process invalidate the entries they touch right after their commit.
//
// A reader that loaded an answer from the database stores it only when no
// change committed since it started loading (the epoch check, done under the
// entry's lock), so an old answer can never overwrite an invalidation.
type Responses struct {
	c     *otter.Cache[string, *Response]
	epoch atomic.Uint64
}

// NewResponses returns a cache bounded by ttl and by maxBytes of bodies and keys.
func NewResponses(ttl time.Duration, maxBytes uint64) *Responses {
	return &Responses{c: otter.Must(&otter.Options[string, *Response]{
		MaximumWeight:    maxBytes,
		Weigher:          func(k string, v *Response) uint32 { return uint32(len(k) + len(v.body) + 96) },
		ExpiryCalculator: otter.ExpiryWriting[string, *Response](ttl),
	})}
}

// Get returns the cached answer for key.
func (rc *Responses) Get(key string) (*Response, bool) { return rc.c.GetIfPresent(key) }

// Begin returns the token a loader passes to Put.
func (rc *Responses) Begin() uint64 { return rc.epoch.Load() }

// Put stores resp unless a change committed since Begin returned token.
func (rc *Responses) Put(key string, resp *Response, token uint64) {
	rc.c.Compute(key, func(old *Response, found bool) (*Response, otter.ComputeOp) {
		if rc.epoch.Load() != token {
			return old, otter.CancelOp
		}
		return resp, otter.WriteOp
	})
}

// Invalidate drops keys after a committed change (call it from tx.AfterCommit).
func (rc *Responses) Invalidate(keys ...string) {
	rc.epoch.Add(1)
	for _, k := range keys {
		rc.c.Invalidate(k)
	}
}

// InvalidateAll drops every entry.
func (rc *Responses) InvalidateAll() {
	rc.epoch.Add(1)
	rc.c.InvalidateAll()
}
