// Package gateway is the public edge: it routes each API operation to the
// service that owns it (in this process, or over HTTP to another one), and
// serves the merged OpenAPI document and its docs page.
package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Backend is one service as the gateway sees it.
type Backend struct {
	Service string
	Spec    []byte       // the service's OpenAPI 3 document: its paths are what the gateway routes to it
	Local   http.Handler // the service's handler when it runs in this process
	Remote  string       // the service's base URL when it runs elsewhere
}

// Gateway routes API requests to backends.
type Gateway struct {
	mux     *http.ServeMux
	spec    []byte
	remotes map[string]string // service → base URL, for the services that run elsewhere
}

//go:embed docs.html
var docsPage []byte

// docsCSP lets the docs page run its own inline script and style (allowed
// by their hashes, so no other inline code could run) and fetch the document.
var docsCSP = "default-src 'none'; script-src " + inlineHash(docsPage, "script") +
	"; style-src " + inlineHash(docsPage, "style") +
	"; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// inlineHash is the CSP source for the first inline <tag> element of page.
func inlineHash(page []byte, tag string) string {
	_, rest, ok := bytes.Cut(page, []byte("<"+tag+">"))
	body, _, ok2 := bytes.Cut(rest, []byte("</"+tag+">"))
	if !ok || !ok2 {
		panic("docs.html has no inline " + tag) // the page is embedded: a test catches this
	}
	sum := sha256.Sum256(body)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

// Document is one service's OpenAPI document.
type Document struct {
	Service string
	Spec    []byte
}

// Servers is the merged document's server list: the API is served from
// wherever the document was fetched (a relative URL, so one document fits
// every deployment).
var Servers = []any{map[string]any{"url": "/", "description": "the Marquee server this document came from"}}

// Merge builds the public document from the services' documents, as New
// serves it. Two services claiming the same operation, or defining a shared
// component differently, is an error.
func Merge(info map[string]any, docs []Document) ([]byte, error) {
	merged, _, err := merge(info, docs)
	if err != nil {
		return nil, err
	}
	return json.Marshal(merged)
}

// merge returns the merged document and each service's operations ("GET /api/x").
func merge(info map[string]any, docs []Document) (map[string]any, map[string][]string, error) {
	paths := map[string]any{}
	components := map[string]any{}
	merged := map[string]any{
		"openapi":    "3.0.3",
		"info":       info,
		"servers":    Servers,
		"paths":      paths,
		"components": components,
	}
	owner := map[string]string{} // "GET /api/x" → service
	ops := map[string][]string{}
	for _, d := range docs {
		var doc map[string]any
		if err := json.Unmarshal(d.Spec, &doc); err != nil {
			return nil, nil, fmt.Errorf("openapi document of %s: %w", d.Service, err)
		}
		docPaths, _ := doc["paths"].(map[string]any)
		for _, p := range sortedKeys(docPaths) {
			item, _ := docPaths[p].(map[string]any)
			mergedItem, _ := paths[p].(map[string]any)
			if mergedItem == nil {
				mergedItem = map[string]any{}
				paths[p] = mergedItem
			}
			for _, k := range sortedKeys(item) {
				op := item[k]
				if !isMethod(k) {
					mergedItem[k] = op // path-level parameters
					continue
				}
				pattern := strings.ToUpper(k) + " " + p
				if other, dup := owner[pattern]; dup {
					return nil, nil, fmt.Errorf("operation %s is claimed by both %s and %s", pattern, other, d.Service)
				}
				owner[pattern] = d.Service
				mergedItem[k] = op
				ops[d.Service] = append(ops[d.Service], pattern)
			}
		}
		if err := mergeComponents(components, doc["components"], d.Service); err != nil {
			return nil, nil, err
		}
		if tags, ok := doc["tags"].([]any); ok {
			merged["tags"] = mergeTags(merged["tags"], tags)
		}
	}
	return merged, ops, nil
}

// New merges the backends' documents and registers one route per operation.
// Two services claiming the same operation is a configuration error.
func New(info map[string]any, backends []Backend) (*Gateway, error) {
	g := &Gateway{mux: http.NewServeMux(), remotes: map[string]string{}}
	docs := make([]Document, len(backends))
	for i, b := range backends {
		docs[i] = Document{Service: b.Service, Spec: b.Spec}
	}
	merged, ops, err := merge(info, docs)
	if err != nil {
		return nil, err
	}
	for _, b := range backends {
		h, err := b.handler()
		if err != nil {
			return nil, err
		}
		if b.Local == nil {
			g.remotes[b.Service] = strings.TrimRight(b.Remote, "/")
		}
		for _, pattern := range ops[b.Service] {
			g.mux.Handle(pattern, httpx.Routed(h))
		}
	}
	spec, err := json.Marshal(merged)
	if err != nil {
		return nil, err
	}
	g.spec = spec
	g.mux.Handle("GET /api/openapi.json", httpx.Routed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=60")
		_, _ = w.Write(g.spec)
	})))
	g.mux.Handle("GET /api/docs", httpx.Routed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", docsCSP)
		_, _ = w.Write(docsPage)
	})))
	return g, nil
}

// CheckRemotes asks each service that runs elsewhere whether it is ready
// (its /readyz answers 200), all at once, within ctx; the result has one
// entry per remote service, nil when ready. Services sharing a process are
// asked once.
func (g *Gateway) CheckRemotes(ctx context.Context) map[string]error {
	bases := map[string]bool{}
	for _, base := range g.remotes {
		bases[base] = true
	}
	byURL := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for base := range bases {
		wg.Go(func() {
			err := checkReady(ctx, base)
			mu.Lock()
			byURL[base] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	out := make(map[string]error, len(g.remotes))
	for svc, base := range g.remotes {
		out[svc] = byURL[base]
	}
	return out
}

func checkReady(ctx context.Context, base string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := readinessClient.Do(req)
	if err != nil {
		return fmt.Errorf("unreachable: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: /readyz answered %d", resp.StatusCode)
	}
	return nil
}

// readinessClient has its own connections, so probes are not stuck behind API traffic.
var readinessClient = &http.Client{Timeout: 3 * time.Second}

// Spec is the merged OpenAPI document.
func (g *Gateway) Spec() []byte { return g.spec }

// ServeHTTP routes a request; what no route takes gets a problem, 404 or 405.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := g.mux.Handler(r)
	if pattern != "" {
		g.mux.ServeHTTP(w, r)
		return
	}
	// Let the mux decide between 404 and 405 (it knows the other methods of a path), then answer as a problem.
	rec := &statusOnly{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if allow := rec.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	status := rec.status
	if status != http.StatusMethodNotAllowed {
		status = http.StatusNotFound
	}
	detail := "No such resource."
	if status == http.StatusMethodNotAllowed {
		detail = "This resource does not take " + r.Method + "."
	}
	httpx.WriteProblem(w, r, httpx.Problem{Status: status, Detail: detail})
}

type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int)        { s.status = code }

func (b Backend) handler() (http.Handler, error) {
	if b.Local != nil {
		return b.Local, nil
	}
	if b.Remote == "" {
		return nil, fmt.Errorf("service %s runs neither here nor at a configured URL (set MARQUEE_%s_URL)", b.Service, strings.ToUpper(b.Service))
	}
	target, err := url.Parse(b.Remote)
	if err != nil {
		return nil, fmt.Errorf("URL of %s: %w", b.Service, err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
			// the client as this process established it (trusted proxies
			// already resolved): the service trusts the gateway, not the hops before it
			if ip := httpx.ClientIP(pr.In); ip.IsValid() {
				pr.Out.Header.Set("X-Forwarded-For", ip.String())
			}
			pr.Out.Host = pr.In.Host
			httpx.Propagate(pr.In.Context(), pr.Out.Header) // one request id and trace across processes
		},
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Del(httpx.RequestIDHeader) // the same id, which this process's answer carries already
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			httpx.LoggerFrom(r.Context()).Warn("service unreachable", "service", b.Service, "error", err.Error())
			httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusBadGateway, Detail: "The " + b.Service + " service is not reachable right now."})
		},
	}
	return proxy, nil
}

func mergeComponents(dst map[string]any, src any, service string) error {
	srcMap, _ := src.(map[string]any)
	for kind, v := range srcMap {
		entries, _ := v.(map[string]any)
		d, _ := dst[kind].(map[string]any)
		if d == nil {
			d = map[string]any{}
			dst[kind] = d
		}
		for name, def := range entries {
			if prev, ok := d[name]; ok && !reflect.DeepEqual(prev, def) {
				return fmt.Errorf("components/%s/%s of %s differs from another service's definition", kind, name, service)
			}
			d[name] = def
		}
	}
	return nil
}

// mergeTags appends the tags whose names are not there yet.
func mergeTags(have any, add []any) []any {
	out, _ := have.([]any)
	seen := map[any]bool{}
	for _, t := range out {
		if m, ok := t.(map[string]any); ok {
			seen[m["name"]] = true
		}
	}
	for _, t := range add {
		if m, ok := t.(map[string]any); ok && !seen[m["name"]] {
			seen[m["name"]] = true
			out = append(out, t)
		}
	}
	return out
}

func isMethod(k string) bool {
	for _, m := range methods {
		if k == m {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
