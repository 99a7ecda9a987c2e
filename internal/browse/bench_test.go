package browse_test

import (
	"context"
	"encoding/json"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// The benchmarks load a synthetic read model (MARQUEE_BENCH_MOVIES movies,
// default 100,000, and ratings from MARQUEE_BENCH_REVIEWS reviews, default
// 1,000,000) straight into the store on each engine, then time requests
// through the router (handler level, one at a time) and report p50/p99:
//
//	MARQUEE_TEST_POSTGRES_URL=postgres://... go test -run '^$' -bench 'BenchmarkReads' -benchtime 2000x -timeout 30m ./internal/browse/
//	go test -run '^$' -bench 'BenchmarkMovieByIDVersusBareHandler' -benchtime 1x ./internal/browse/
//
// They only run with -bench; `go test` stays fast.

func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// timed runs fn b.N times and reports the latency percentiles in milliseconds.
func timed(b *testing.B, fn func(i int)) {
	b.Helper()
	durs := make([]time.Duration, 0, b.N)
	runtime.GC() // the loader's garbage is not this measurement's
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		fn(i)
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durs)
	pct := func(p float64) float64 {
		return float64(durs[min(len(durs)-1, int(p*float64(len(durs))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(durs[len(durs)-1].Microseconds())/1000, "max-ms")
}

// serve answers one request through the router, requiring 200.
func serve(b *testing.B, h http.Handler, path string) []byte {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func BenchmarkReads(b *testing.B) {
	movies := benchSize("MARQUEE_BENCH_MOVIES", 100_000)
	reviews := benchSize("MARQUEE_BENCH_REVIEWS", 1_000_000)
	for _, engine := range sqldbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			e := newEnv(b, engine, browse.Config{TopRatedMinVotes: 25})
			data, err := e.svc.LoadSynthetic(context.Background(), browse.SyntheticSpec{Movies: movies, Reviews: reviews, BigCast: 1000, Seed: 1})
			require.NoError(b, err)
			b.Logf("%s: loaded %d movies, %d people, ratings of %d reviews in %v", engine, movies, len(data.PersonIDs), reviews, data.Took.Round(time.Millisecond))
			h := e.router
			rng := rand.New(rand.NewSource(2))

			// search: word prefixes of real titles and names, as typed
			var queries []string
			for i := 0; i < 2000; i++ {
				var words []string
				if i%3 == 0 {
					words = strings.Fields(data.Names[rng.Intn(len(data.Names))])
				} else {
					words = strings.Fields(data.Titles[rng.Intn(len(data.Titles))])
				}
				if words[0] == "The" && len(words) > 1 {
					words = words[1:]
				}
				q := words[0]
				if len(words) > 1 {
					q += " " + words[1][:min(len(words[1]), 2+rng.Intn(3))]
				} else {
					q = q[:min(len(q), 3+rng.Intn(3))]
				}
				queries = append(queries, q)
			}
			b.Run("search", func(b *testing.B) {
				timed(b, func(i int) { serve(b, h, "/api/search?q="+url.QueryEscape(queries[i%len(queries)])) })
			})

			// top rated: the first page, and pages further down through their cursors
			var topCursors []string
			next := ""
			for i := 0; i < 50; i++ {
				var page struct {
					NextCursor *string `json:"next_cursor"`
				}
				require.NoError(b, json.Unmarshal(serve(b, h, "/api/movies/top-rated?limit=20"+next), &page))
				if page.NextCursor == nil {
					break
				}
				topCursors = append(topCursors, *page.NextCursor)
				next = "&cursor=" + url.QueryEscape(*page.NextCursor)
			}
			b.Run("top-rated", func(b *testing.B) {
				timed(b, func(i int) {
					path := "/api/movies/top-rated?limit=20"
					if i%2 == 1 && len(topCursors) > 0 {
						path += "&cursor=" + url.QueryEscape(topCursors[i%len(topCursors)])
					}
					serve(b, h, path)
				})
			})

			// a genre with thousands of movies, one page, under every sort and order
			big := data.Genres[0]
			b.Logf("genre %s has %d movies", big.Slug, data.GenreMovies[big.ID])
			var lists []string
			for _, sort := range []string{"title", "year", "rating", "popularity", "created"} {
				for _, order := range []string{"asc", "desc"} {
					base := "/api/movies?limit=20&genre=" + big.Slug + "&sort=" + sort + "&order=" + order
					lists = append(lists, base)
					var page struct {
						NextCursor *string `json:"next_cursor"`
					}
					require.NoError(b, json.Unmarshal(serve(b, h, base), &page))
					lists = append(lists, base+"&cursor="+url.QueryEscape(*page.NextCursor))
				}
			}
			b.Run("genre-page", func(b *testing.B) {
				timed(b, func(i int) { serve(b, h, lists[i%len(lists)]) })
			})
			small := data.Genres[len(data.Genres)-1]
			b.Run("small-genre-by-rating", func(b *testing.B) {
				timed(b, func(i int) { serve(b, h, "/api/movies?limit=20&sort=rating&genre="+small.Slug) })
			})
			b.Run("list-filtered", func(b *testing.B) {
				filters := []string{"year_from=1990&year_to=1999&sort=rating", "rating_min=8&sort=popularity", "sort=year&order=asc",
					"genre=" + big.Slug + "&rating_min=7&sort=year", "person=" + data.PersonIDs[0] + "&sort=year"}
				timed(b, func(i int) { serve(b, h, "/api/movies?limit=20&"+filters[i%len(filters)]) })
			})
			b.Run("movie-by-id", func(b *testing.B) {
				hot := data.MovieIDs[:min(1000, len(data.MovieIDs))]
				timed(b, func(i int) { serve(b, h, "/api/movies/"+hot[rng.Intn(len(hot))]) })
			})
			b.Run("movie-by-id-cold", func(b *testing.B) {
				timed(b, func(i int) { serve(b, h, "/api/movies/"+data.MovieIDs[rng.Intn(len(data.MovieIDs))]) })
			})
			b.Run("actor-filmography", func(b *testing.B) {
				timed(b, func(i int) { serve(b, h, "/api/actors/"+data.PersonIDs[rng.Intn(200)]) })
			})
			b.Run("actors-page", func(b *testing.B) {
				timed(b, func(i int) { serve(b, h, "/api/actors?limit=20&sort=name") })
			})
			b.Run("genres", func(b *testing.B) {
				timed(b, func(i int) { serve(b, h, "/api/genres") })
			})
		})
	}
}

// BenchmarkMovieByIDVersusBareHandler compares GET /api/movies/{id} through
// the router (token check, cache of encoded documents) with a bare net/http
// handler writing the same bytes, side by side over real keep-alive
// connections, alternating fixed windows; it reports both rates and their
// ratio (the target is at least 0.5). Run with -benchtime 1x.
func BenchmarkMovieByIDVersusBareHandler(b *testing.B) {
	e := newEnv(b, sqldb.SQLite)
	data, err := e.svc.LoadSynthetic(context.Background(), browse.SyntheticSpec{Movies: 2000, Reviews: 20000, Seed: 3})
	require.NoError(b, err)
	hot := data.MovieIDs[:500]
	bodies := map[string][]byte{}
	for _, id := range hot {
		bodies["/api/movies/"+id] = serve(b, e.router, "/api/movies/"+id)
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[r.URL.Path])
	})
	start := func(h http.Handler) (string, func()) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(b, err)
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		return "http://" + ln.Addr().String(), func() { _ = srv.Close() }
	}
	routerURL, stopRouter := start(e.router)
	defer stopRouter()
	bareURL, stopBare := start(bare)
	defer stopBare()

	const clients = 16
	window := 2 * time.Second
	measure := func(base string) float64 {
		tr := &http.Transport{MaxIdleConnsPerHost: clients}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		var n atomic.Int64
		deadline := time.Now().Add(window)
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Go(func() {
				for i := c; time.Now().Before(deadline); i++ {
					resp, err := client.Get(base + "/api/movies/" + hot[i%len(hot)])
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
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return float64(n.Load()) / window.Seconds()
	}
	var router, bareRate float64
	for round := 0; round < 3; round++ {
		bareRate += measure(bareURL)
		router += measure(routerURL)
	}
	b.ReportMetric(router/3, "browse-req/s")
	b.ReportMetric(bareRate/3, "bare-req/s")
	b.ReportMetric(router/bareRate, "ratio")
	b.Logf("GET /api/movies/{id}: browse %.0f req/s, bare %.0f req/s, ratio %.2f", router/3, bareRate/3, router/bareRate)
}
