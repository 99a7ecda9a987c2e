package catalog_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/obs"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// BenchmarkGetMovie compares GET /api/admin/catalog/movies/{id} (the
// catalog's own read, with an administrator's token) through the router (and
// through the usual middleware chain) with a bare net/http handler writing
// the same bytes, over real connections:
//
//	go test -run '^$' -bench GetMovie ./internal/catalog/
func BenchmarkGetMovie(b *testing.B) {
	e := newEnv(b, sqldb.SQLite)
	ann := e.createPerson("Ann")
	m := e.createMovie(catalogapi.MovieWrite{Title: "Heat", ReleaseDate: "1995-12-15", RuntimeMinutes: intp(170),
		GenreIDs: []string{genre(e.t, "drama").ID}, Cast: []catalogapi.CastWrite{{PersonID: ann.ID, Character: "Eady"}},
		Overview: "A group of professional bank robbers start to feel the heat from police when they unknowingly leave a clue at their latest heist."})
	_, r := e.getMovie(m.ID, "")
	body := r.Body

	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	chain := httpx.Chain(e.router, httpx.Observe(slog.New(slog.NewJSONHandler(io.Discard, nil)), obs.NewMetrics()), httpx.Recover, httpx.Timeout(30*time.Second))
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"router", e.router}, {"middleware", chain}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := httptest.NewServer(bc.h)
			defer srv.Close()
			client := srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			url := srv.URL + "/api/admin/catalog/movies/" + m.ID
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, url, nil)
					req.Header.Set("Authorization", "Bearer "+e.admin)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
	b.Run("handler-only", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, "/api/admin/catalog/movies/"+m.ID, nil)
		req.Header.Set("Authorization", "Bearer "+e.admin)
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			e.router.ServeHTTP(w, req)
		}
		require.Equal(b, http.StatusOK, w.status)
	})
}

type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(s int)           { d.status = s }
