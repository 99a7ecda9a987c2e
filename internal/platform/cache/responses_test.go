package cache_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/cache"
)

func TestAStaleLoadNeverOverwritesAnInvalidation(t *testing.T) {
	t.Parallel()
	rc := cache.NewResponses(time.Minute, 1<<20)
	token := rc.Begin() // a reader starts loading version 1
	rc.Invalidate("m1") // a write commits meanwhile
	rc.Put("m1", cache.NewResponse([]byte(`{"v":1}`), "m1-1"), token)
	_, ok := rc.Get("m1")
	require.False(t, ok, "the stale document was not stored")

	token = rc.Begin()
	rc.Put("m1", cache.NewResponse([]byte(`{"v":2}`), "m1-2"), token)
	got, ok := rc.Get("m1")
	require.True(t, ok)

	rec := httptest.NewRecorder()
	got.Write(rec, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, 200, rec.Code)
	require.Equal(t, `{"v":2}`, rec.Body.String())
	require.Equal(t, `W/"m1-2"`, rec.Header().Get("ETag"))

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("If-None-Match", `W/"m1-2"`)
	rec = httptest.NewRecorder()
	got.Write(rec, req)
	require.Equal(t, 304, rec.Code)
	require.Empty(t, rec.Body.String())

	rc.InvalidateAll()
	_, ok = rc.Get("m1")
	require.False(t, ok)
}
