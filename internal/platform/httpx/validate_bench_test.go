package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// BenchmarkRequestValidation prints what checking a request against the
// document adds to the router, per request shape: go test -run '^$' -bench
// RequestValidation -benchmem ./internal/platform/httpx/
func BenchmarkRequestValidation(b *testing.B) {
	ok := func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(http.StatusNoContent); return nil }
	routers := map[string]http.Handler{}
	for _, validated := range []bool{false, true} {
		rt := httpx.NewRouter(nil)
		rt.Handle("GET /things", auth.Anyone, ok)
		rt.Handle("PUT /things/{id}", auth.Anyone, ok)
		rt.Handle("DELETE /things/{id}", auth.Anyone, ok)
		name := "plain"
		if validated {
			if err := rt.ValidateRequests([]byte(spec)); err != nil {
				b.Fatal(err)
			}
			name = "validated"
		}
		routers[name] = rt
	}
	for _, tc := range []struct{ name, method, target, body string }{
		{"read", "GET", "/things", ""},
		{"read-with-query", "GET", "/things?limit=5&sort=year&rating_min=7.5", ""},
		{"write", "PUT", "/things/1", `{"title":"X","runtime_minutes":96,"cast":[{"person_id":"01a1fd79-97ef-7207-9ec7-5861e9a04b44","character":"Ida"}]}`},
	} {
		for _, name := range []string{"plain", "validated"} {
			h := routers[name]
			b.Run(tc.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var req *http.Request
					if tc.body != "" {
						req = httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
						req.Header.Set("Content-Type", "application/json")
					} else {
						req = httptest.NewRequest(tc.method, tc.target, nil)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusNoContent {
						b.Fatalf("%d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
