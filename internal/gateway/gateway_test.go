package gateway_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/gateway"
)

const specA = `{"openapi":"3.0.3","info":{"title":"a","version":"1"},
 "paths":{"/api/things":{"get":{"summary":"list","responses":{"200":{"description":"ok"}}}},
          "/api/things/{id}":{"get":{"summary":"one","responses":{"200":{"description":"ok"}}}}},
 "components":{"schemas":{"Problem":{"type":"object"},"Thing":{"type":"object"}}}}`

const specB = `{"openapi":"3.0.3","info":{"title":"b","version":"1"},
 "paths":{"/api/things":{"post":{"summary":"create","responses":{"201":{"description":"ok"}}}}},
 "components":{"schemas":{"Problem":{"type":"object"}}}}`

func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(name + " " + r.Method + " " + r.URL.Path))
	})
}

func TestRoutesEachOperationToItsService(t *testing.T) {
	t.Parallel()
	remote := httptest.NewServer(named("remote-b"))
	defer remote.Close()
	g, err := gateway.New(map[string]any{"title": "t", "version": "1"}, []gateway.Backend{
		{Service: "a", Spec: []byte(specA), Local: named("a")},
		{Service: "b", Spec: []byte(specB), Remote: remote.URL},
	})
	require.NoError(t, err)
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/api/things", "a GET /api/things"},
		{"GET", "/api/things/42", "a GET /api/things/42"},
		{"POST", "/api/things", "remote-b POST /api/things"},
	} {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		require.Equal(t, http.StatusOK, rec.Code, tc.path)
		require.Equal(t, tc.want, rec.Body.String())
	}

	var doc map[string]any
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	things := doc["paths"].(map[string]any)["/api/things"].(map[string]any)
	require.Contains(t, things, "get")
	require.Contains(t, things, "post", "operations of one path from two services are merged")
	require.Contains(t, doc["components"].(map[string]any)["schemas"], "Thing")
}

func TestUnknownRoutesAreProblems(t *testing.T) {
	t.Parallel()
	g, err := gateway.New(map[string]any{}, []gateway.Backend{{Service: "a", Spec: []byte(specA), Local: named("a")}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/api/nope", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))

	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("DELETE", "/api/things", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.Contains(t, rec.Header().Get("Allow"), "GET")
}

func TestConflictsAndMissingBackendsAreErrors(t *testing.T) {
	t.Parallel()
	_, err := gateway.New(map[string]any{}, []gateway.Backend{
		{Service: "a", Spec: []byte(specA), Local: named("a")},
		{Service: "a2", Spec: []byte(specA), Local: named("a2")},
	})
	require.ErrorContains(t, err, "claimed by both")

	_, err = gateway.New(map[string]any{}, []gateway.Backend{{Service: "b", Spec: []byte(specB)}})
	require.ErrorContains(t, err, "MARQUEE_B_URL")
}

func TestUnreachableServiceIsA502Problem(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(named("x"))
	url := dead.URL
	dead.Close()
	g, err := gateway.New(map[string]any{}, []gateway.Backend{{Service: "b", Spec: []byte(specB), Remote: url}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("POST", "/api/things", nil))
	require.Equal(t, http.StatusBadGateway, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
}

func TestTheDocumentHasServersAndTheDocsPageAPolicyAllowingOnlyItsOwnCode(t *testing.T) {
	t.Parallel()
	g, err := gateway.New(map[string]any{"title": "t", "version": "1"}, []gateway.Backend{{Service: "a", Spec: []byte(specA), Local: named("a")}})
	require.NoError(t, err)
	var doc struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	require.NoError(t, json.Unmarshal(g.Spec(), &doc))
	require.Equal(t, "/", doc.Servers[0].URL)
	merged, err := gateway.Merge(map[string]any{"title": "t", "version": "1"}, []gateway.Document{{Service: "a", Spec: []byte(specA)}})
	require.NoError(t, err)
	require.JSONEq(t, string(g.Spec()), string(merged), "marquee openapi prints what the gateway serves")

	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/api/docs", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	csp := rec.Header().Get("Content-Security-Policy")
	require.Contains(t, csp, "frame-ancestors 'none'")
	require.NotContains(t, csp, "unsafe-inline")
	page := rec.Body.String()
	for _, tag := range []string{"script", "style"} {
		_, rest, ok := strings.Cut(page, "<"+tag+">")
		require.True(t, ok, tag)
		code, _, _ := strings.Cut(rest, "</"+tag+">")
		sum := sha256.Sum256([]byte(code))
		require.Contains(t, csp, tag+"-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'", "the page's inline %s may run", tag)
	}
}
