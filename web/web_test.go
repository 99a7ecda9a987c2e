package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

var app = fstest.MapFS{
	"index.html":              {Data: []byte(`<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>`)},
	"assets/index-abc123.js":  {Data: bytes.Repeat([]byte("console.log('marquee');\n"), 100)},
	"assets/index-abc123.css": {Data: []byte("body{margin:0}")},
	"favicon.svg":             {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	".gitkeep":                {Data: nil},
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h := NewHandler(app)
	tests := []struct {
		name        string
		method      string
		target      string
		status      int
		contentType string
		cache       string
		bodyHas     string
	}{
		{"root is the app", "GET", "/", 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"index.html itself", "GET", "/index.html", 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"app route falls back to index", "GET", "/movies/01a1fcd6-e3f3-7697-99cf-cc800eb56c86", 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"deep admin route falls back", "GET", "/admin/movies/new?x=1", 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"hashed script is immutable", "GET", "/assets/index-abc123.js", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log"},
		{"hashed css", "GET", "/assets/index-abc123.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "margin:0"},
		{"unhashed file is revalidated hourly", "GET", "/favicon.svg", 200, "image/svg+xml", "public, max-age=3600", "<svg"},
		{"missing asset is a 404, not HTML", "GET", "/assets/index-old999.js", 404, "application/problem+json", "no-store", `"status":404`},
		{"dotfiles are not served", "GET", "/.gitkeep", 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"path traversal stays inside", "GET", "/assets/../../web.go", 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"api paths are not the app", "GET", "/api/nothing-here", 404, "application/problem+json", "no-store", `"status":404`},
		{"writes are refused", "POST", "/", 405, "application/problem+json", "no-store", `"status":405`},
		{"HEAD works", "HEAD", "/assets/index-abc123.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := get(t, h, tc.method, tc.target, nil)
			require.Equal(t, tc.status, res.StatusCode)
			require.Equal(t, tc.contentType, res.Header.Get("Content-Type"))
			require.Equal(t, tc.cache, res.Header.Get("Cache-Control"))
			require.Contains(t, body(t, res), tc.bodyHas)
		})
	}
}

func TestHandlerIndexHeaders(t *testing.T) {
	t.Parallel()
	res := get(t, NewHandler(app), "GET", "/search?q=alien", nil)
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'self'")
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "media-src 'self' blob:", "the player's Media Source object URL")
	require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.NotEmpty(t, res.Header.Get("ETag"))
}

func TestHandlerGzip(t *testing.T) {
	t.Parallel()
	h := NewHandler(app)
	plain := get(t, h, "GET", "/assets/index-abc123.js", nil)
	require.Empty(t, plain.Header.Get("Content-Encoding"))
	require.Equal(t, "Accept-Encoding", plain.Header.Get("Vary"))
	want := body(t, plain)

	res := get(t, h, "GET", "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	require.NotEqual(t, plain.Header.Get("ETag"), res.Header.Get("ETag"), "each encoding has its own ETag")
	zr, err := gzip.NewReader(res.Body)
	require.NoError(t, err)
	got, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, want, string(got))

	refused := get(t, h, "GET", "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "gzip;q=0"})
	require.Empty(t, refused.Header.Get("Content-Encoding"))

	tiny := get(t, h, "GET", "/assets/index-abc123.css", map[string]string{"Accept-Encoding": "gzip"})
	require.Empty(t, tiny.Header.Get("Content-Encoding"), "small files are not worth compressing")
}

func TestHandlerRevalidation(t *testing.T) {
	t.Parallel()
	h := NewHandler(app)
	first := get(t, h, "GET", "/", nil)
	etag := first.Header.Get("ETag")
	again := get(t, h, "GET", "/some/route", map[string]string{"If-None-Match": etag})
	require.Equal(t, http.StatusNotModified, again.StatusCode)
}

func TestHandlerNotBuilt(t *testing.T) {
	t.Parallel()
	h := NewHandler(fstest.MapFS{".gitkeep": {}})
	res := get(t, h, "GET", "/movies/x", nil)
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, body(t, res), "make build")
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
}

func TestEmbeddedBuild(t *testing.T) {
	t.Parallel()
	// Whatever is in dist (the build, or only .gitkeep on a fresh clone), the root answers.
	res := get(t, Handler(), "GET", "/", nil)
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "text/html")
}
