// Package openapicheck validates real HTTP exchanges against the OpenAPI
// document, so tests fail when the API and its description drift apart.
package openapicheck

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Checker validates responses against one document.
type Checker struct {
	doc    *openapi3.T
	router routers.Router

	mu      sync.Mutex
	checked map[string]int // "METHOD /path/template" → responses validated
}

// New parses and validates the document.
func New(spec []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load openapi document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi document is invalid: %w", err)
	}
	doc.Servers = nil // match any host
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &Checker{doc: doc, router: r, checked: map[string]int{}}, nil
}

// Check validates one response to req; body is the response body.
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is not in the API document: %w", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status, Header: header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s → %d does not match the API document: %w\nbody: %s", req.Method, req.URL.Path, status, err, truncate(body))
	}
	c.mu.Lock()
	c.checked[req.Method+" "+route.Path]++
	c.mu.Unlock()
	return nil
}

// Client returns an HTTP client whose every response is validated; a
// mismatch fails the test (the response is still returned).
func (c *Checker) Client(t testing.TB) *http.Client {
	return &http.Client{Transport: &transport{c: c, t: t, next: http.DefaultTransport}}
}

// Operations lists the document's operations ("GET /api/movies/{id}").
func (c *Checker) Operations() []string {
	var out []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	return out
}

// TokenUse says what an operation's security entry asks of an access
// token: "public" (security: [], never read), "optional" (an empty
// alternative beside bearerAuth) or "required"; "" for an unknown operation.
func (c *Checker) TokenUse(op string) string {
	method, path, _ := strings.Cut(op, " ")
	item := c.doc.Paths.Value(path)
	if item == nil || item.GetOperation(method) == nil {
		return ""
	}
	sec := c.doc.Security
	if o := item.GetOperation(method); o.Security != nil {
		sec = *o.Security
	}
	anonymous := false
	for _, alt := range sec {
		if len(alt) == 0 {
			anonymous = true
		}
	}
	switch {
	case len(sec) == 0 || (anonymous && len(sec) == 1):
		return "public"
	case anonymous:
		return "optional"
	default:
		return "required"
	}
}

// Checked reports how many responses of an operation were validated.
func (c *Checker) Checked(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked[op]
}

type transport struct {
	c    *Checker
	t    testing.TB
	next http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := tr.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	checkReq := req.Clone(req.Context())
	checkReq.Body = io.NopCloser(bytes.NewReader(reqBody))
	if err := tr.c.Check(checkReq, resp.StatusCode, resp.Header, body); err != nil {
		tr.t.Errorf("openapi: %v", err)
	}
	return resp, nil
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}
