// Command streambench measures segment throughput through /stream/{token}/...
// side by side with wrk, in one run, against the same file:
//
//   - a real `marquee serve` (embedded defaults: SQLite, embedded NATS, local
//     files), so the whole HTTP stack is in the path: request id, access log,
//     security headers, metrics, gateway, token check, revocation set, local
//     Storage with sendfile. The video is a short clip uploaded and transcoded
//     through the API and played by a sandbox subscriber; its first segment
//     is then replaced by -size random bytes;
//   - the bare /stream handler in this process (token check, layout check, a
//     revocation set of 1,000 sessions, the same Storage), which tells what
//     the stack around it costs;
//   - plain net/http: http.ServeContent of the same file and nothing else,
//     the floor of Go's HTTP server on this machine;
//   - Debian's nginx serving the same file with sendfile.
//
// It prints the rates and the ratios to nginx (issue 11: at least 0.9).
//
// Rounds of short runs, the order turning, spread the machine's changing
// load over the three; the servers' CPU time per request (from /proc) is
// the steadier figure on a shared machine.
//
//	go run ./internal/media/stream/streambench [-d 5s] [-rounds 3] [-c 32] [-t 2] [-size 1048576] [-marquee path]
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/media/storage"
	"github.com/marquee-dev/marquee/internal/media/stream"
	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/media/uploadclient"
)

func main() {
	duration := flag.Duration("d", 5*time.Second, "how long each wrk run lasts")
	rounds := flag.Int("rounds", 3, "rounds of one wrk run against each server")
	conns := flag.Int("c", 32, "wrk connections")
	threads := flag.Int("t", 2, "wrk threads")
	size := flag.Int("size", 1<<20, "segment size in bytes (a 4 s 720p segment is about 1 MiB)")
	nginx := flag.String("nginx", "/usr/sbin/nginx", "the nginx binary")
	marquee := flag.String("marquee", "", "the marquee binary (default: go build ./cmd/marquee)")
	flag.Parse()
	if err := run(*duration, *rounds, *conns, *threads, *size, *nginx, *marquee); err != nil {
		log.Fatal(err)
	}
}

func run(duration time.Duration, rounds, conns, threads, size int, nginxBin, marqueeBin string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "streambench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	segment := make([]byte, size)
	_, _ = rand.Read(segment)

	// the whole stack: a marquee serve with a played video
	if marqueeBin == "" {
		marqueeBin = filepath.Join(dir, "marquee")
		build := exec.Command("go", "build", "-o", marqueeBin, "./cmd/marquee")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build marquee (run from the repository's root, or pass -marquee): %w", err)
		}
	}
	played, stop, err := servePlayedVideo(ctx, marqueeBin, filepath.Join(dir, "marquee-data"))
	if err != nil {
		return err
	}
	defer stop()
	segmentFile := filepath.Join(played.dataDir, "media", filepath.FromSlash(played.segmentKey))
	if err := replaceFile(segmentFile, segment); err != nil {
		return err
	}
	marqueeURL := played.base + played.segmentPath

	// the bare handler, on a copy of the same file
	files, err := storage.Open(ctx, "", filepath.Join(dir, "bare"))
	if err != nil {
		return err
	}
	video := uuid.New()
	prefix := "videos/" + video.String() + "/"
	if err := files.Put(ctx, prefix+"720p/seg_00001.m4s", bytes.NewReader(segment), int64(size), ""); err != nil {
		return err
	}
	key := make([]byte, stream.MinKeyLen)
	_, _ = rand.Read(key)
	ring, err := stream.NewRing(key)
	if err != nil {
		return err
	}
	gate := stream.NewGate(ring, 6*time.Hour)
	// a revocation set that is not empty, as in production
	for range 1000 {
		gate.RevokeSession(uuid.NewString(), time.Now())
	}
	token := ring.Sign(stream.Claims{SessionID: uuid.New(), UserID: uuid.New(), MovieID: uuid.New(), VideoID: video,
		MaxHeight: 1080, Expires: time.Now().Add(time.Hour)})
	h := stream.NewHandler(gate, files, func(context.Context, uuid.UUID) (string, error) { return prefix, nil })
	mux := http.NewServeMux()
	mux.Handle(stream.TopPattern, h)
	mux.Handle(stream.RenditionPattern, h)
	goLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(goLn) }()
	defer srv.Close()
	bareURL := "http://" + goLn.Addr().String() + "/stream/" + token + "/720p/seg_00001.m4s"

	// the floor of Go's net/http here: ServeContent of the same file, nothing else
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	plain := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(segmentFile)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "video/iso.segment")
		http.ServeContent(w, r, "", time.Time{}, f)
	})}
	go func() { _ = plain.Serve(plainLn) }()
	defer plain.Close()
	plainURL := "http://" + plainLn.Addr().String() + "/seg.m4s"

	// nginx: the very file marquee serves, under the same URL
	nginxLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	nginxPort := nginxLn.Addr().(*net.TCPAddr).Port
	nginxLn.Close()
	conf := filepath.Join(dir, "nginx.conf")
	streamDir, _ := strings.CutSuffix(played.segmentPath, filepath.Base(segmentFile))
	// nginx's workers run as the invoking user (as root they would be nobody,
	// who cannot read a private temporary folder)
	if err := os.WriteFile(conf, fmt.Appendf(nil, `%[5]s
worker_processes auto;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp; uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
  types { video/iso.segment m4s; }
  server {
    listen 127.0.0.1:%[2]d;
    location %[3]s { alias %[4]s/; }
  }
}
`, dir, nginxPort, streamDir, filepath.Dir(segmentFile), userDirective()), 0o600); err != nil {
		return err
	}
	ng := exec.Command(nginxBin, "-c", conf, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	ng.Stderr = os.Stderr
	if err := ng.Start(); err != nil {
		return fmt.Errorf("start nginx: %w", err)
	}
	defer func() { _ = ng.Process.Signal(os.Interrupt); _ = ng.Wait() }()
	nginxURL := fmt.Sprintf("http://127.0.0.1:%d%s", nginxPort, played.segmentPath)

	for _, u := range []string{marqueeURL, bareURL, plainURL, nginxURL} {
		if err := waitFor(u, segment); err != nil {
			return err
		}
	}
	// what marquee serve spends with nothing to serve (relays, consumers, the
	// runtime), so its share of the CPU time per request can be told apart
	idleBefore := cpuTicks([]int{played.pid})
	time.Sleep(5 * time.Second)
	idleTicksPerSecond := float64(cpuTicks([]int{played.pid})-idleBefore) / 5

	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("segment %d bytes, wrk -t%d -c%d, %d rounds of %s each (the order turning), GOMAXPROCS=%s, load average before: %s\n",
		size, threads, conns, rounds, duration, os.Getenv("GOMAXPROCS"), strings.Join(strings.Fields(string(load))[:3], " "))
	targets := []*target{
		{name: "marquee serve", url: marqueeURL, pids: func() []int { return []int{played.pid} }},
		{name: "bare handler", url: bareURL, pids: func() []int { return []int{os.Getpid()} }},
		{name: "plain net/http", url: plainURL, pids: func() []int { return []int{os.Getpid()} }},
		{name: "nginx", url: nginxURL, pids: func() []int { return append([]int{ng.Process.Pid}, children(ng.Process.Pid)...) }},
	}
	for round := range rounds {
		for i := range targets {
			t := targets[(i+round)%len(targets)]
			before, machineBefore := cpuTicks(t.pids()), readMachine()
			n, err := wrk(t.url, duration, conns, threads)
			if err != nil {
				return err
			}
			t.requests += n
			t.ticks += cpuTicks(t.pids()) - before
			t.machine = t.machine.add(readMachine().sub(machineBefore))
			if err := played.heartbeat(); err != nil { // a lease not renewed for 45 s ends the session
				return err
			}
		}
	}
	load, _ = os.ReadFile("/proc/loadavg")
	nginx := targets[len(targets)-1]
	for _, t := range targets {
		rate := float64(t.requests) / (float64(rounds) * duration.Seconds())
		fmt.Printf("%-16s %7.0f requests/s (%5.0f MB/s) %.2f × nginx; server CPU %4.0f µs/request, nginx's %.2f of it; machine (wrk, kernel and server) %4.0f µs and %.1f context switches per request\n",
			t.name+":", rate, rate*float64(size)/1e6, float64(t.requests)/float64(nginx.requests), t.cpuPerRequest(), nginx.cpuPerRequest()/t.cpuPerRequest(),
			float64(t.machine.busyTicks)*10_000/float64(max(t.requests, 1)), float64(t.machine.switches)/float64(max(t.requests, 1)))
	}
	fmt.Printf("marquee serve idle: %.0f ms CPU/s, ≈ %.0f µs of its CPU time per request above\n", idleTicksPerSecond*10,
		idleTicksPerSecond*10_000*float64(rounds)*duration.Seconds()/float64(targets[0].requests))
	fmt.Printf("load average after: %s (target: marquee serve at least 0.9 × nginx)\n", strings.Join(strings.Fields(string(load))[:3], " "))
	return nil
}

// target is one server under wrk, and what it did over the rounds.
type target struct {
	name, url string
	pids      func() []int // the server's processes (for their CPU time)
	requests  int
	ticks     int // CPU time of the server's processes while wrk ran against it, in clock ticks
	machine   machineCounters
}

// machineCounters are the whole machine's busy CPU time (clock ticks, all
// CPUs) and context switches: wrk shares the two cores with the server, so
// what a server makes the client and the kernel do shows only here.
type machineCounters struct{ busyTicks, switches int }

func (a machineCounters) add(b machineCounters) machineCounters {
	return machineCounters{a.busyTicks + b.busyTicks, a.switches + b.switches}
}

func (a machineCounters) sub(b machineCounters) machineCounters {
	return machineCounters{a.busyTicks - b.busyTicks, a.switches - b.switches}
}

// readMachine reads /proc/stat: the "cpu" line (busy = user, nice, system,
// irq and softirq; not idle, iowait, steal, nor guest, which user counts
// already) and the "ctxt" line.
func readMachine() machineCounters {
	raw, _ := os.ReadFile("/proc/stat")
	var m machineCounters
	for line := range strings.SplitSeq(string(raw), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 7 && f[0] == "cpu":
			for _, i := range []int{1, 2, 3, 6, 7} {
				n, _ := strconv.Atoi(f[i])
				m.busyTicks += n
			}
		case len(f) == 2 && f[0] == "ctxt":
			m.switches, _ = strconv.Atoi(f[1])
		}
	}
	return m
}

// cpuPerRequest is the server's CPU time per request in µs (clock ticks are 10 ms on Linux).
func (t *target) cpuPerRequest() float64 {
	if t.requests == 0 {
		return 0
	}
	return float64(t.ticks) * 10_000 / float64(t.requests)
}

// cpuTicks sums user and system time of the processes (all their threads), in clock ticks.
func cpuTicks(pids []int) int {
	total := 0
	for _, pid := range pids {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// the fields after the command's closing parenthesis; utime and stime are the 12th and 13th
		_, rest, _ := strings.Cut(string(raw), ") ")
		f := strings.Fields(rest)
		if len(f) > 12 {
			u, _ := strconv.Atoi(f[11])
			s, _ := strconv.Atoi(f[12])
			total += u + s
		}
	}
	return total
}

// children are the processes pid started (nginx's workers).
func children(pid int) []int {
	raw, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	var out []int
	for _, f := range strings.Fields(string(raw)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// playedVideo is a video a subscriber plays on a running marquee serve.
type playedVideo struct {
	base, dataDir string
	pid           int
	segmentPath   string // /stream/{token}/360p/{segment}
	segmentKey    string // the segment's key in the media storage
	heartbeat     func() error
}

// servePlayedVideo starts `marquee serve` on dataDir with its defaults,
// uploads a 2 s clip as an administrator, waits until it is ready, and plays
// it as a sandbox subscriber of the standard plan.
func servePlayedVideo(ctx context.Context, bin, dataDir string) (*playedVideo, func(), error) {
	const adminEmail, password = "bench@example.com", "stream bench passphrase"
	env := append(os.Environ(), "MARQUEE_DATA_DIR="+dataDir, "MARQUEE_LOG_FORMAT=json")
	admin := exec.Command(bin, "admin", "create", "--email", adminEmail, "--password", password)
	admin.Env = env
	if out, err := admin.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("marquee admin create: %w: %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	serve := exec.Command(bin, "serve")
	serve.Env = append(env, "MARQUEE_HTTP_ADDR="+addr)
	var logs bytes.Buffer
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() { _ = serve.Process.Signal(os.Interrupt); _ = serve.Wait() }
	fail := func(err error) (*playedVideo, func(), error) {
		stop()
		return nil, nil, fmt.Errorf("%w\nmarquee serve's log:\n%s", err, logs.String())
	}
	c := apiClient{base: "http://" + addr}
	if err := c.until(time.Minute, func() (bool, error) { s, err := c.do("GET", "/readyz", "", nil, nil); return s == 200, err }); err != nil {
		return fail(fmt.Errorf("marquee serve was not ready: %w", err))
	}
	adminTok, err := c.login(adminEmail, password)
	if err != nil {
		return fail(err)
	}
	var movie struct{ ID string }
	if s, err := c.do("POST", "/api/movies", adminTok, map[string]any{"title": "Stream bench"}, &movie); s != 201 {
		return fail(fmt.Errorf("create a movie: %d %v", s, err))
	}
	clip := filepath.Join(dataDir, "bench-clip.mp4")
	if err := transcode.MakeDemoClip(ctx, clip, 2*time.Second, 360); err != nil {
		return fail(err)
	}
	if err := c.until(30*time.Second, func() (bool, error) {
		s, err := c.do("GET", "/api/movies/"+movie.ID+"/video", "", nil, nil)
		return s == 200, err
	}); err != nil {
		return fail(err)
	}
	up := uploadclient.Client{Base: c.base, Token: adminTok, StateDir: filepath.Join(dataDir, "upload-state")}
	if _, err := up.Upload(ctx, movie.ID, clip); err != nil {
		return fail(err)
	}
	var video struct {
		ID    string
		State string
		Error *string
	}
	if err := c.until(2*time.Minute, func() (bool, error) {
		_, err := c.do("GET", "/api/movies/"+movie.ID+"/video", "", nil, &video)
		if video.State == "failed" {
			return false, fmt.Errorf("the clip failed: %v", *video.Error)
		}
		return video.State == "ready", err
	}); err != nil {
		return fail(err)
	}

	if s, err := c.do("POST", "/api/auth/register", "", map[string]any{"email": "viewer@example.com", "password": password, "display_name": "Viewer"}, nil); s != 201 {
		return fail(fmt.Errorf("register: %d %v", s, err))
	}
	viewer, err := c.login("viewer@example.com", password)
	if err != nil {
		return fail(err)
	}
	if err := c.subscribe(viewer, "standard"); err != nil {
		return fail(err)
	}
	var play struct {
		SessionID   string `json:"session_id"`
		ManifestURL string `json:"manifest_url"`
	}
	if err := c.until(30*time.Second, func() (bool, error) {
		s, err := c.do("POST", "/api/movies/"+movie.ID+"/play", viewer, nil, &play)
		return s == 201, err
	}); err != nil {
		return fail(fmt.Errorf("play: %w", err))
	}
	playlistPath := strings.TrimSuffix(play.ManifestURL, "master.m3u8") + "360p/index.m3u8"
	playlist, err := c.get(playlistPath)
	if err != nil {
		return fail(err)
	}
	segment := ""
	for line := range strings.Lines(playlist) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			segment = line
			break
		}
	}
	if segment == "" {
		return fail(fmt.Errorf("no segment in %s", playlist))
	}
	return &playedVideo{
		base: c.base, dataDir: dataDir, pid: serve.Process.Pid,
		segmentPath: strings.TrimSuffix(playlistPath, "index.m3u8") + segment,
		segmentKey:  "videos/" + video.ID + "/360p/" + segment,
		heartbeat: func() error {
			s, err := c.do("PUT", "/api/playback/"+play.SessionID, viewer, map[string]any{"position_seconds": 1}, nil)
			if s != 200 && s != 204 {
				return fmt.Errorf("heartbeat: %d %v", s, err)
			}
			return nil
		},
	}, stop, nil
}

// apiClient calls marquee's API.
type apiClient struct{ base string }

func (c apiClient) do(method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

func (c apiClient) get(path string) (string, error) {
	resp, err := http.Get(c.base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	return string(raw), err
}

// until polls cond every 100 ms until it holds, an error that is not an
// HTTP answer stops it, or d has passed.
func (c apiClient) until(d time.Duration, cond func() (bool, error)) error {
	var last error
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ok, err := cond()
		if ok {
			return nil
		}
		last = err
	}
	return fmt.Errorf("not within %s: %v", d, last)
}

func (c apiClient) login(email, password string) (string, error) {
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	if s, err := c.do("POST", "/api/auth/login", "", map[string]any{"email": email, "password": password}, &tokens); s != 200 {
		return "", fmt.Errorf("login %s: %d %v", email, s, err)
	}
	return tokens.AccessToken, nil
}

// subscribe makes the user a subscriber of the plan (by slug) through the sandbox's checkout.
func (c apiClient) subscribe(token, planSlug string) error {
	var plans struct {
		Items []struct{ ID, Slug string }
	}
	if _, err := c.do("GET", "/api/plans", "", nil, &plans); err != nil {
		return err
	}
	planID := ""
	for _, p := range plans.Items {
		if p.Slug == planSlug {
			planID = p.ID
		}
	}
	var checkout struct {
		CheckoutURL string `json:"checkout_url"`
	}
	if s, err := c.do("POST", "/api/orders", token, map[string]any{"plan_id": planID}, &checkout); s != 201 {
		return fmt.Errorf("order: %d %v", s, err)
	}
	req, err := http.NewRequest("POST", c.base+checkout.CheckoutURL+"/pay", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("pay: %d", resp.StatusCode)
	}
	return c.until(30*time.Second, func() (bool, error) {
		s, err := c.do("GET", "/api/subscription", token, nil, nil)
		return s == 200, err
	})
}

// replaceFile writes b over path atomically (a temporary file renamed over it).
func replaceFile(path string, b []byte) error {
	tmp := path + ".bench"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func waitFor(url string, want []byte) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && bytes.Equal(body, want) {
				return nil
			}
			err = fmt.Errorf("%s answered %d with %d bytes, not the segment", url, resp.StatusCode, len(body))
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var requestsDone = regexp.MustCompile(`([0-9]+) requests in`)

// wrk runs wrk against url and answers the number of requests it completed.
func wrk(url string, d time.Duration, conns, threads int) (int, error) {
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s", url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w: %s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return 0, fmt.Errorf("wrk saw errors against %s:\n%s", url, out)
	}
	m := requestsDone.FindSubmatch(out)
	if m == nil {
		return 0, errors.New("wrk printed no count:\n" + string(out))
	}
	return strconv.Atoi(string(m[1]))
}

func userDirective() string {
	if os.Geteuid() == 0 {
		return "user root;"
	}
	return ""
}
