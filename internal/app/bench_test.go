package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/obs"
)

// BenchmarkMovieByIDVersusBareHandler measures GET /api/movies/{id} through
// the whole marquee HTTP stack (gateway, middleware with JSON access logs to
// a file, metrics, router, token check, catalog) against a bare net/http
// handler writing the same bytes from memory, side by side in one run, with
// the same keep-alive client load. Run with -benchtime=1x; each side is
// measured for a fixed time, alternating, to even out machine noise.
func BenchmarkMovieByIDVersusBareHandler(b *testing.B) {
	dir := b.TempDir()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"MARQUEE_DATA_DIR": dir}[k]
	}, app.Services)
	require.NoError(b, err)
	logFile, err := os.Create(filepath.Join(dir, "access.log"))
	require.NoError(b, err)
	defer logFile.Close()
	ctx, cancel := context.WithCancel(context.Background())
	logOut := obs.NewBufferedWriter(logFile, 200*time.Millisecond) // as `marquee serve` logs
	defer logOut.Close()
	a, err := app.New(ctx, cfg, obs.NewLogger(logOut, "info"), app.Serving)
	require.NoError(b, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	defer func() { cancel(); <-done; a.Close() }()

	p := &platform{app: a, url: "http://" + ln.Addr().String(), client: http.DefaultClient}
	admin := p.admin(b)
	var actor struct{ ID string }
	if p.call(b, "POST", "/api/actors", admin, map[string]any{"name": "Bench Actor"}, &actor) != 201 {
		b.Fatal("create actor")
	}
	var m struct{ ID string }
	write := map[string]any{"title": "The Benchmark", "release_date": "2001-01-01", "runtime_minutes": 100,
		"overview": "A film measured many times.", "languages": []string{"en"},
		"cast": []map[string]any{{"person_id": actor.ID, "character": "Lead", "order": 0}}}
	if p.call(b, "POST", "/api/movies", admin, write, &m) != 201 {
		b.Fatal("create movie")
	}
	movieURL := p.url + "/api/movies/" + m.ID
	p.eventually(b, 200, "GET", "/api/movies/"+m.ID, "", nil, nil) // the read model has it
	resp, err := http.Get(movieURL)
	require.NoError(b, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(b, 200, resp.StatusCode)

	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})}
	go bare.Serve(bareLn)
	defer bare.Close()
	bareURL := "http://" + bareLn.Addr().String() + "/api/movies/" + m.ID

	const clients = 16
	window := 2 * time.Second
	var bareRPS, marqueeRPS float64
	for b.Loop() {
		for round := 0; round < 2; round++ {
			bareRPS += load(b, bareURL, clients, window)
			marqueeRPS += load(b, movieURL, clients, window)
		}
	}
	bareRPS /= 2 * float64(b.N)
	marqueeRPS /= 2 * float64(b.N)
	b.ReportMetric(bareRPS, "bare-req/s")
	b.ReportMetric(marqueeRPS, "marquee-req/s")
	b.ReportMetric(marqueeRPS/bareRPS, "ratio")
}

// load hits url from n keep-alive clients for d and returns requests per second.
func load(b *testing.B, url string, n int, d time.Duration) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var count atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}
