package browse

import (
	"hash/crc32"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// movieCache keeps the encoded public JSON document of recently read movies,
// so GET /api/movies/{id} answers from memory (the same design as the
// catalog's). A second instance keeps the pages of the top-rated list. Entries live for a short TTL, which bounds how stale a replica
// can be about an event another replica applied; events applied in this
// process invalidate the entries they touch right after commit.
//
// A reader that loaded a document from the database only stores it when no
// event committed since it started loading (the epoch check, done under the
// entry's lock), so an old document can never overwrite an invalidation.
type movieCache struct {
	c     *otter.Cache[string, *cachedDoc]
	epoch atomic.Uint64
}

// cachedDoc is a ready-to-write answer: the body and its header values,
// prebuilt so a cache hit allocates nothing.
type cachedDoc struct {
	body   []byte
	length []string // Content-Length
	etag   []string // ETag
}

// newCachedDoc prepares an answer; the ETag changes with the catalog
// document's version and with the rating summary's.
func newCachedDoc(id string, version, ratingVersion int64, body []byte) *cachedDoc {
	return &cachedDoc{
		body:   body,
		length: []string{strconv.Itoa(len(body))},
		etag:   []string{`W/"` + id + "-" + strconv.FormatInt(version, 10) + "-" + strconv.FormatInt(ratingVersion, 10) + `"`},
	}
}

// newCachedPage prepares a list answer (ETag: a hash of the body).
func newCachedPage(body []byte) *cachedDoc {
	return &cachedDoc{
		body:   body,
		length: []string{strconv.Itoa(len(body))},
		etag:   []string{`W/"` + strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 36) + `"`},
	}
}

func newMovieCache(ttl time.Duration, maxBytes uint64) *movieCache {
	c := otter.Must(&otter.Options[string, *cachedDoc]{
		MaximumWeight:    maxBytes,
		Weigher:          func(k string, v *cachedDoc) uint32 { return uint32(len(k) + len(v.body) + 96) },
		ExpiryCalculator: otter.ExpiryWriting[string, *cachedDoc](ttl),
	})
	return &movieCache{c: c}
}

func (mc *movieCache) get(id string) (*cachedDoc, bool) { return mc.c.GetIfPresent(id) }

// begin returns the token a loader passes to put.
func (mc *movieCache) begin() uint64 { return mc.epoch.Load() }

// put stores doc unless an event committed since begin returned token.
func (mc *movieCache) put(id string, doc *cachedDoc, token uint64) {
	mc.c.Compute(id, func(old *cachedDoc, found bool) (*cachedDoc, otter.ComputeOp) {
		if mc.epoch.Load() != token {
			return old, otter.CancelOp
		}
		return doc, otter.WriteOp
	})
}

// invalidate drops ids after a committed change (call it from tx.AfterCommit).
func (mc *movieCache) invalidate(ids ...string) {
	mc.epoch.Add(1)
	for _, id := range ids {
		mc.c.Invalidate(id)
	}
}

// invalidateAll drops every entry (after a rebuild).
func (mc *movieCache) invalidateAll() {
	mc.epoch.Add(1)
	mc.c.InvalidateAll()
}
