package servicetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
)

// Response is an answer read in full, so a test can look at it as often as
// it likes after the connection is gone.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the JSON body into v; a failure shows the body.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// Problem decodes the answer as a problem, checking it is served as
// application/problem+json and names the status it came with, as every
// service's errors must.
func (r Response) Problem(t testing.TB) httpx.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), "body: %s", r.Body)
	var p httpx.Problem
	r.Decode(t, &p)
	require.Equal(t, r.Status, p.Status)
	return p
}

// Fields lists the field names of a validation problem.
func (r Response) Fields(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, fe := range r.Problem(t).Errors {
		out = append(out, fe.Field)
	}
	return out
}

// NewRequest builds a request the way the web app sends one: body is
// JSON-encoded, unless it is a string, which goes as it is so tests can send
// malformed JSON; token, when not empty, goes as a bearer token.
func NewRequest(t testing.TB, ctx context.Context, method, url, token string, body any) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			raw, err := json.Marshal(body)
			require.NoError(t, err)
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// Send sends req with client and reads the whole answer.
func Send(t testing.TB, client *http.Client, req *http.Request) Response {
	t.Helper()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Server is a service's routes behind a real HTTP server: the router checks
// Minter's tokens and every request against the service's OpenAPI document,
// and Client checks every answer against it.
type Server struct {
	*httptest.Server
	Router *httpx.Router
	Client *http.Client
	Minter *authtest.Minter
}

// Serve starts a Server of the routes that routes registers, until the test
// ends; checker is the package's (RunCheckingEveryOperation counts its answers).
func Serve(t testing.TB, openAPI []byte, checker func() (*openapicheck.Checker, error), routes func(*httpx.Router)) Server {
	t.Helper()
	minter := authtest.New(t)
	rt := httpx.NewRouter(minter.Verifier())
	routes(rt)
	require.NoError(t, rt.ValidateRequests(openAPI))
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	c, err := checker()
	require.NoError(t, err)
	return Server{Server: srv, Router: rt, Client: c.Client(t), Minter: minter}
}

// Trickle describes a request body that arrives slowly: Pieces pieces of
// PieceSize bytes, Gap apart. After StallAfter pieces (when 0 or more) it
// sends nothing more until the answer comes.
type Trickle struct {
	Pieces, PieceSize int
	Gap               time.Duration
	StallAfter        int
}

// SendTrickling sends req with a body written as tr describes, on a
// connection of its own, and returns the status (0: the connection was cut,
// and body says why), the body, and how long the answer took.
func SendTrickling(t testing.TB, req *http.Request, tr Trickle) (status int, body string, took time.Duration) {
	t.Helper()
	pr, pw := io.Pipe()
	req.Body, req.ContentLength = pr, int64(tr.Pieces*tr.PieceSize)
	answered := make(chan struct{})
	go func() {
		defer pw.Close()
		piece := bytes.Repeat([]byte{'x'}, tr.PieceSize)
		for i := range tr.Pieces {
			if i == tr.StallAfter {
				<-answered
				return
			}
			if _, err := pw.Write(piece); err != nil {
				return
			}
			time.Sleep(tr.Gap)
		}
	}()
	start := time.Now()
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	took = time.Since(start)
	close(answered)
	if err != nil {
		return 0, err.Error(), took
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), took
}
