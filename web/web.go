// Package web serves the Marquee web app (React + TypeScript, built by Vite
// into web/dist) from the binary itself, so `marquee serve` needs no separate
// web server.
//
// Handler answers GET and HEAD:
//   - a file of the build (/assets/index-3f2a1b.js, /favicon.svg) with its
//     content type; files under /assets/ carry a content hash in their names
//     and are cached for a year (immutable), everything else is revalidated;
//   - any other path that is not under /api/ with index.html (the app's
//     router takes it from there), with Cache-Control: no-cache and an ETag,
//     so a new deployment is picked up on the next load;
//   - a missing /assets/ file is a 404 (a stale page asking for an old chunk
//     must not get HTML back as JavaScript).
//
// Compressible files are served gzip-encoded to clients that accept it
// (compressed once, on first use). When the app has not been built (a fresh
// clone: web/dist holds only .gitkeep), every page is a short notice saying
// how to build it.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

//go:embed all:dist
var dist embed.FS

// Handler serves the built app from the embedded dist directory.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // cannot happen: dist is embedded
		panic(err)
	}
	return NewHandler(sub)
}

// NewHandler serves the app found in files (the contents of a Vite build:
// index.html at its root). Tests use it with an fstest.MapFS.
func NewHandler(files fs.FS) http.Handler {
	return &handler{files: files, cache: map[string]*asset{}}
}

type handler struct {
	files fs.FS
	mu    sync.Mutex
	cache map[string]*asset // by clean path without the leading slash
}

// asset is one file, read once, with its gzip form when that is worth it.
type asset struct {
	name        string
	body        []byte
	gz          []byte // nil when not compressible or not smaller
	etag        string
	contentType string
	modTime     time.Time
}

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	cacheShort      = "public, max-age=3600"
)

// notBuilt is what every page shows when dist has no index.html.
const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Marquee</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Marquee</h1>
<p>The web app has not been built into this binary. Run <code>make build</code>
(it runs <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code> before <code>go build</code>).</p>
<p>The API is here: <a href="/api/docs">/api/docs</a>.</p>
</body></html>
`

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusMethodNotAllowed, Detail: "The web app's pages take only GET and HEAD."})
		return
	}
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") {
		// The gateway owns /api; reaching here means no API route matched.
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusNotFound, Detail: "No such resource."})
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")

	if name != "" && name != "index.html" && !hidden(name) {
		if a := h.load(name); a != nil {
			cache := cacheShort
			if strings.HasPrefix(name, "assets/") {
				cache = cacheImmutable
			}
			h.serve(w, r, a, cache)
			return
		}
		if strings.HasPrefix(name, "assets/") {
			httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusNotFound, Detail: "No such file in this version of the web app."})
			return
		}
	}

	// The app's own routes (/, /movies/…, /admin/…): index.html.
	index := h.load("index.html")
	if index == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
		_, _ = w.Write([]byte(notBuilt))
		return
	}
	hdr := w.Header()
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "same-origin")
	// media-src blob:: hls.js plays through Media Source Extensions, whose
	// object URL (blob:) is the video element's source.
	hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https: http:; "+
		"style-src 'self'; script-src 'self'; connect-src 'self'; font-src 'self'; media-src 'self' blob:; "+
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
	h.serve(w, r, index, cacheRevalidate)
}

// hidden names are never served: dotfiles (the .gitkeep that keeps dist in git).
func hidden(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, a *asset, cache string) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", cache)
	hdr.Set("X-Content-Type-Options", "nosniff")
	body := a.body
	etag := a.etag
	if a.gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body = a.gz
			etag = strings.TrimSuffix(a.etag, `"`) + `-gz"`
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, a.name, a.modTime, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		for _, param := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(k, "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}

// load returns the file at name (read and compressed once), or nil when it
// does not exist or is a directory.
func (h *handler) load(name string) *asset {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a, ok := h.cache[name]; ok {
		return a
	}
	a := h.read(name)
	h.cache[name] = a // nil too: dist never changes at run time
	return a
}

func (h *handler) read(name string) *asset {
	f, err := h.files.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return nil
	}
	body, err := fs.ReadFile(h.files, name)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(body)
	a := &asset{
		name:        path.Base(name),
		body:        body,
		etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
		contentType: contentType(name),
		modTime:     st.ModTime(), // zero for embedded files: no Last-Modified
	}
	if compressible(a.contentType) && len(body) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
	}
	return a
}

var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := types[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") ||
		strings.HasPrefix(contentType, "application/json") ||
		strings.HasPrefix(contentType, "application/manifest+json") ||
		strings.HasPrefix(contentType, "image/svg+xml")
}
