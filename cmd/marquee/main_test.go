package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/demo"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "marquee-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "marquee")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build marquee:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type proc struct {
	cmd  *exec.Cmd
	url  string
	out  *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// serve starts `marquee serve args...` on dataDir and waits until /readyz answers 200.
func serve(t testing.TB, dataDir string, args ...string) (*proc, time.Duration) {
	t.Helper()
	return serveEnv(t, dataDir, nil, args...)
}

// serveEnv is serve with extra environment variables.
func serveEnv(t testing.TB, dataDir string, env []string, args ...string) (*proc, time.Duration) {
	t.Helper()
	addr := freeAddr(t)
	p := &proc{url: "http://" + addr, out: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binary, append([]string{"serve"}, args...)...)
	p.cmd.Env = append(append(os.Environ(), "MARQUEE_DATA_DIR="+dataDir, "MARQUEE_HTTP_ADDR="+addr), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	started := time.Now()
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-p.done:
			t.Fatalf("marquee exited early (%v):\n%s", err, p.out.String())
		default:
		}
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, time.Since(started)
			}
		}
	}
	t.Fatalf("marquee never became ready:\n%s", p.out.String())
	return nil, 0
}

// stop sends SIGTERM and requires a clean exit (status 0) within 10 s.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "marquee must exit 0 on SIGTERM:\n%s", p.out.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("marquee did not stop within 10 s of SIGTERM:\n%s", p.out.String())
	}
}

func countMovies(t *testing.T, url string) int {
	t.Helper()
	n := 0
	cursor := ""
	for {
		resp, err := http.Get(url + "/api/movies?limit=100&cursor=" + cursor)
		require.NoError(t, err)
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		resp.Body.Close()
		n += len(page.Items)
		if page.NextCursor == nil {
			return n
		}
		cursor = *page.NextCursor
	}
}

func TestServeStopsCleanlyOnSIGTERM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, ready := serve(t, dir)
	t.Logf("ready after %v on an empty data dir", ready)
	for _, f := range []string{"catalog.db", "nats"} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, "%s lives under the data dir", f)
	}
	// a request in flight while the signal arrives still gets its answer
	resp, err := http.Get(p.url + "/api/genres")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	p.stop(t)
	require.Contains(t, p.out.String(), `"msg":"marquee stopping"`)
}

func TestDemoCatalogIsLoadedOnceAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rows, rejects, err := demo.Embedded()
	require.NoError(t, err)
	require.Equal(t, 3201, len(rows)+len(rejects))
	p, _ := serve(t, dir, "--demo")
	// the read model fills as browse consumes the catalog's events
	require.Eventually(t, func() bool { return countMovies(t, p.url) == len(rows) }, 60*time.Second, 200*time.Millisecond,
		"every good row of the demo catalog is served, and no faulty one")
	// once the process says the demo is in place, the top-rated row is full
	require.Eventually(t, func() bool { return strings.Contains(p.out.String(), "Demo in place after ") }, 3*time.Minute, 200*time.Millisecond)
	resp, err := http.Get(p.url + "/api/movies/top-rated")
	require.NoError(t, err)
	var top struct {
		Items []json.RawMessage `json:"items"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&top))
	resp.Body.Close()
	require.Len(t, top.Items, 20)
	p.stop(t)

	seed := exec.Command(binary, "seed", "--demo")
	seed.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+dir)
	out, err := seed.CombinedOutput()
	require.NoError(t, err, string(out))

	p, _ = serve(t, dir, "--demo")
	time.Sleep(time.Second) // give a second import's events, if there were any, time to arrive
	require.Equal(t, len(rows), countMovies(t, p.url), "running the import again adds nothing twice")
	p.stop(t)
}

func TestServicesFlagRunsOnlyTheNamedServices(t *testing.T) {
	t.Parallel()
	// the catalog checks tokens: without identity here or its URL it would 401 every one, so it refuses to start
	alone := exec.Command(binary, "serve", "--services", "catalog")
	alone.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+t.TempDir(), "MARQUEE_HTTP_ADDR="+freeAddr(t))
	out, err := alone.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "MARQUEE_IDENTITY_URL is not set", string(out))

	// identity's keys are fetched when a token arrives, so an address nobody answers on is enough here
	p, _ := serveEnv(t, t.TempDir(), []string{"MARQUEE_IDENTITY_URL=http://127.0.0.1:1", "MARQUEE_CONSUMR_PREFIX=typo-"}, "--services", "catalog")
	resp, err := http.Post(p.url+"/api/movies", "application/json", strings.NewReader(`{"title":"x"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode, "the catalog's routes are served (and guarded)")
	resp, err = http.Get(p.url + "/api/genres")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 404, resp.StatusCode, "browse does not run in this process")
	p.stop(t)
	require.Contains(t, p.out.String(), `"msg":"unknown MARQUEE_* variables are ignored","variables":["MARQUEE_CONSUMR_PREFIX (did you mean MARQUEE_CONSUMER_PREFIX?)"]`)

	bad := exec.Command(binary, "serve", "--services", "catalog,nonsense")
	bad.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+t.TempDir())
	out, err = bad.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `unknown service "nonsense"`)
}

func TestBadConfigurationIsAClearError(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+t.TempDir(), "MARQUEE_DATABASE_URL=mysql://nope")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.True(t, strings.Contains(string(out), "want postgres://"), string(out))
}

func TestConfigCommandPrintsTheEffectiveConfiguration(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "config")
	cmd.Env = append(os.Environ(), "MARQUEE_DATABASE_URL=postgres://marquee:hunter2@db:5432/marquee",
		"MARQUEE_HTTP_ADDR=:9090", "MARQUEE_HTTP_ADRR=:1", "MARQUEE_DEPLOYMENT=staging")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	for _, line := range []string{
		"MARQUEE_HTTP_ADDR=:9090 ",
		"MARQUEE_DATABASE_URL=postgres://marquee:xxxxx@db:5432/marquee ",
		"MARQUEE_DEPLOYMENT=staging ",
		"MARQUEE_AUTH_CLOCK_SKEW=5s ",
		"# unknown, ignored: MARQUEE_HTTP_ADRR (did you mean MARQUEE_HTTP_ADDR?)",
		"# catalog database: postgres://marquee:xxxxx@db:5432/marquee?search_path=catalog",
	} {
		require.Contains(t, string(out), line)
	}
	require.NotContains(t, string(out), "hunter2")

	bad := exec.Command(binary, "config", "--services", "reviews")
	bad.Env = append(os.Environ(), "MARQUEE_NATS_REPLICAS=0", "MARQUEE_LOG_FORMAT=xml")
	out, err = bad.CombinedOutput()
	require.Error(t, err)
	for _, want := range []string{"MARQUEE_NATS_REPLICAS=\"0\": want a whole number from 1 to 5", "MARQUEE_LOG_FORMAT=\"xml\": want text, json or auto"} {
		require.Contains(t, string(out), want)
	}
	missing := exec.Command(binary, "config", "--services", "reviews")
	missing.Env = os.Environ()
	out, err = missing.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "MARQUEE_IDENTITY_URL is not set and identity does not run in this process, so reviews could not check access tokens")
}

// ratingSummaries maps every movie's title to its rating count and average, read page by page.
func ratingSummaries(t *testing.T, url string) map[string]string {
	t.Helper()
	out := map[string]string{}
	cursor := ""
	for {
		resp, err := http.Get(url + "/api/movies?sort=title&limit=100&cursor=" + cursor)
		require.NoError(t, err)
		var page struct {
			Items []struct {
				Title         string `json:"title"`
				RatingSummary struct {
					Count   int      `json:"count"`
					Average *float64 `json:"average"`
				} `json:"rating_summary"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		resp.Body.Close()
		for _, it := range page.Items {
			avg := "none"
			if it.RatingSummary.Average != nil {
				avg = fmt.Sprintf("%.4f", *it.RatingSummary.Average)
			}
			out[it.Title] = fmt.Sprintf("%d/%s", it.RatingSummary.Count, avg)
		}
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

// seed --synthetic writes through the services' real paths (so the read model
// fills from events), and rebuild browse replays the streams into an equal model.
func TestSyntheticSeedAndRebuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := exec.Command(binary, "seed", "--synthetic", "300,3000")
	seed.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+dir)
	out, err := seed.CombinedOutput()
	require.NoError(t, err, string(out))

	p, _ := serve(t, dir)
	require.Eventually(t, func() bool { return countMovies(t, p.url) == 300 }, 60*time.Second, 200*time.Millisecond)
	var before map[string]string
	require.Eventually(t, func() bool {
		// settled: every review counted (3,000 minus the repeats the import skipped), twice in a row
		a := ratingSummaries(t, p.url)
		time.Sleep(300 * time.Millisecond)
		before = ratingSummaries(t, p.url)
		return maps.Equal(a, before) && len(before) == 300
	}, 60*time.Second, 100*time.Millisecond)
	p.stop(t)

	rebuild := exec.Command(binary, "rebuild", "browse")
	rebuild.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+dir)
	out, err = rebuild.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "browse read model rebuilt")

	p, _ = serve(t, dir)
	require.Equal(t, before, ratingSummaries(t, p.url), "the rebuilt model has every movie with the same rating summary")
	p.stop(t)
}

// TestUploadTakesFlagsAfterTheFile: `marquee upload FILE --movie ID` reads
// the flags after the file, and a wrong number of files is named.
func TestUploadTakesFlagsAfterTheFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"upload", "film.mp4", "--movie", "m1"}, "an administrator's --token"},
		{[]string{"upload", "--movie", "m1", "film.mp4"}, "an administrator's --token"},
		{[]string{"upload", "a.mp4", "--movie", "m1", "b.mp4"}, "one FILE expected, got 2"},
		{[]string{"upload", "--movie", "m1"}, "one FILE expected, got 0"},
	} {
		cmd := exec.Command(binary, tc.args...)
		cmd.Env = append(os.Environ(), "MARQUEE_TOKEN=")
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "%v", tc.args)
		require.Contains(t, string(out), tc.want, "%v", tc.args)
	}
}
