package main_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/platform/testbin"
)

// The scaled-out shape of docs/DEPLOY.md with real processes on loopback:
//
//	nginx (deploy/nginx/marquee.conf, TLS) ─┬─ gateway A ─┐   identity A, identity B
//	                                        └─ gateway B ─┴─ catalog
//	                                                         reviews+social+browse+billing+notify+media
//	                                                         media B (streams only, same files)
//
// all on one PostgreSQL database (a schema per service), their own NATS
// JetStream server and Redis. It runs the user's path through nginx, uploads
// and plays a clip and ends the session (the other media process refuses its
// stream within 10 s), kills a gateway with SIGKILL during reads (nginx
// passes every read to the other), kills the read side with SIGKILL during
// writes (every accepted write shows after its restart), follows one request
// id from nginx to a gateway's log and checks that a demoted administrator is
// refused.
func TestScaleOutBehindNginx(t *testing.T) {
	t.Parallel()
	c := newCluster(t)

	idA := c.node("identity-a", "identity")
	idB := c.node("identity-b", "identity")
	catalog := c.node("catalog", "catalog", "MARQUEE_IDENTITY_URL="+idA.url)
	// the media processes share their files (a shared volume, or S3 in production)
	mediaFiles := "MARQUEE_DATA_DIR=" + t.TempDir()
	read := c.node("reviews+social+browse+billing+notify+media", "reviews,social,browse,billing,notify,media", "MARQUEE_IDENTITY_URL="+idB.url, mediaFiles)
	mediaB := c.node("media-b", "media", "MARQUEE_IDENTITY_URL="+idA.url, "MARQUEE_BILLING_URL="+read.url, mediaFiles)
	backends := []string{"MARQUEE_CATALOG_URL=" + catalog.url, "MARQUEE_REVIEWS_URL=" + read.url,
		"MARQUEE_SOCIAL_URL=" + read.url, "MARQUEE_BROWSE_URL=" + read.url, "MARQUEE_BILLING_URL=" + read.url, "MARQUEE_NOTIFY_URL=" + read.url, "MARQUEE_MEDIA_URL=" + read.url}
	gwA := c.node("gateway-a", "gateway", append(backends, "MARQUEE_IDENTITY_URL="+idA.url)...)
	gwB := c.node("gateway-b", "gateway", append(backends, "MARQUEE_IDENTITY_URL="+idB.url)...)

	// as docs/DEPLOY.md says: migrations once, a first administrator, then the
	// processes (identity A first: it creates the signing key the others share)
	c.command("migrate")
	c.command("admin", "create", "--email", "root@example.com", "--password", "scaled out admin pass")
	c.startAll(idA)
	c.startAll(idB, catalog, read, mediaB, gwA, gwB)
	edge := c.nginx(gwA, gwB)

	// the user's path, every request through nginx
	adminTok, _ := edge.login(t, "root@example.com", "scaled out admin pass")
	edge.register(t, "ann@example.com", "ann's long passphrase", "Ann")
	annTok, annID := edge.login(t, "ann@example.com", "ann's long passphrase")
	edge.register(t, "bob@example.com", "bob's long passphrase", "Bob")
	bobTok, bobID := edge.login(t, "bob@example.com", "bob's long passphrase")

	status, movie := edge.do(t, "POST", "/api/movies", adminTok, map[string]any{"title": "Distributed"})
	require.Equal(t, 201, status, "%v", movie)
	movieID := movie["id"].(string)
	edge.eventually(t, 200, "/api/movies/"+movieID, "browse learns of the movie from the catalog's event")
	var review map[string]any
	require.Eventually(t, func() bool { // reviews learns of the movie from the same event
		status, review = edge.do(t, "POST", "/api/movies/"+movieID+"/reviews", annTok, map[string]any{"rating": 9, "body": "Scales."})
		return status == 201
	}, 10*time.Second, 50*time.Millisecond, "review: %d %v", status, review)
	status, _ = edge.do(t, "PUT", "/api/users/"+annID+"/follow", bobTok, nil)
	require.Contains(t, []int{200, 201, 204}, status)
	require.Eventually(t, func() bool {
		_, feed := edge.do(t, "GET", "/api/feed", bobTok, nil)
		items, _ := feed["items"].([]any)
		return len(items) == 1 && items[0].(map[string]any)["id"] == review["id"]
	}, 10*time.Second, 50*time.Millisecond, "Bob's feed shows Ann's review")

	t.Run("EndedSessionStopsStreamingOnEveryMediaProcess", func(t *testing.T) {
		clip := filepath.Join(t.TempDir(), "clip.mp4")
		require.NoError(t, transcode.MakeDemoClip(context.Background(), clip, 2*time.Second, 360))
		body, err := os.ReadFile(clip)
		require.NoError(t, err)
		status, film := edge.do(t, "POST", "/api/movies", adminTok, map[string]any{"title": "Streamed twice"})
		require.Equal(t, 201, status, "%v", film)
		filmID := film["id"].(string)
		require.Eventually(t, func() bool { s, _ := edge.do(t, "GET", "/api/movies/"+filmID+"/video", "", nil); return s == 200 },
			10*time.Second, 20*time.Millisecond, "media learns of the movie")
		tusUpload(t, edge.client, edge.url, adminTok, filmID, body) // through nginx's upload location
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			_, v := edge.do(t, "GET", "/api/movies/"+filmID+"/video", "", nil)
			require.NotEqual(t, "failed", v["state"], "%v", v)
			if v["state"] == "ready" {
				break
			}
			require.True(t, time.Now().Before(deadline), "the clip was not transcoded within 2 min: %v", v)
		}

		edge.subscribe(t, annTok, "standard")
		var play map[string]any
		require.Eventually(t, func() bool { // the movie joins the plans by an event
			status, play = edge.do(t, "POST", "/api/movies/"+filmID+"/play", annTok, nil)
			return status == 201
		}, 10*time.Second, 50*time.Millisecond, "play: %d %v", status, play)
		manifest, session := play["manifest_url"].(string), play["session_id"].(string)
		for _, n := range []*node{read, mediaB} {
			status, _ := call(t, http.DefaultClient, "GET", n.url+manifest, "", nil)
			require.Equal(t, 200, status, "%s serves the manifest", n.name)
		}

		status, _ = call(t, http.DefaultClient, "DELETE", read.url+"/api/playback/"+session, annTok, nil)
		require.Equal(t, 204, status)
		ended := time.Now()
		status, _ = call(t, http.DefaultClient, "GET", read.url+manifest, "", nil)
		require.Equal(t, 403, status, "the process that ended the session refuses its stream at once")
		for {
			status, _ := call(t, http.DefaultClient, "GET", mediaB.url+manifest, "", nil)
			if status == 403 {
				break
			}
			require.Equal(t, 200, status)
			require.Less(t, time.Since(ended), 10*time.Second, "media B still streams an ended session")
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("media B refused the ended session's stream %v after it ended", time.Since(ended).Round(time.Millisecond))
	})

	t.Run("OneRequestIdFromTheEdge", func(t *testing.T) {
		id := "scaleout-" + uuid.NewString()
		req, err := http.NewRequest("GET", edge.url+"/api/movies/"+movieID, nil)
		require.NoError(t, err)
		req.Header.Set("X-Request-Id", id)
		resp, err := edge.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, []string{id}, resp.Header.Values("X-Request-Id"), "the client's id comes back, once")
		require.Eventually(t, func() bool { // logs are flushed every 200 ms
			return strings.Contains(gwA.out.String()+gwB.out.String(), `"request_id":"`+id+`"`)
		}, 5*time.Second, 50*time.Millisecond, "the gateway that served it logged the id nginx passed")
	})

	t.Run("GatewayKilledDuringReads", func(t *testing.T) {
		var ok, failed, afterKill atomic.Int64
		var failures sync.Map
		var killed atomic.Bool
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					status, body, err := edge.get("/api/movies/" + movieID)
					if err != nil || status != 200 {
						failed.Add(1)
						failures.Store(fmt.Sprintf("%d %v %.200s", status, err, body), true)
						continue
					}
					ok.Add(1)
					if killed.Load() {
						afterKill.Add(1)
					}
				}
			})
		}
		time.Sleep(400 * time.Millisecond)
		gwA.kill(t)
		killed.Store(true)
		time.Sleep(1500 * time.Millisecond)
		close(stop)
		wg.Wait()
		var seen []string
		failures.Range(func(k, _ any) bool { seen = append(seen, k.(string)); return true })
		t.Logf("%d reads, %d after the kill; %d answered by the other gateway after gateway A had failed them",
			ok.Load(), afterKill.Load(), edge.retried())
		require.Zero(t, failed.Load(), "reads failed at nginx: %v", seen)
		require.Positive(t, afterKill.Load())
		c.startAll(gwA) // back for what follows (nginx tries it again after fail_timeout)
	})

	t.Run("ReadSideKilledDuringWrites", func(t *testing.T) {
		// movies to review, known to browse (and so, as their events are the same, soon to reviews)
		var targets []string
		for i := range 30 {
			status, m := edge.do(t, "POST", "/api/movies", adminTok, map[string]any{"title": fmt.Sprintf("Target %02d", i)})
			require.Equal(t, 201, status, "%v", m)
			targets = append(targets, m["id"].(string))
		}
		for _, id := range targets {
			edge.eventually(t, 200, "/api/movies/"+id, "browse has the target movie")
		}
		writers := map[string]string{annID: annTok, bobID: bobTok} // user id → token

		var mu sync.Mutex
		var created []string              // movies the catalog accepted (201)
		accepted := map[string][]string{} // movie → the writers whose review was accepted (201)
		refused := map[int]int{}          // other statuses of review writes → count
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // the catalog keeps taking writes while the read side is down
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, m := edge.do(t, "POST", "/api/movies", adminTok, map[string]any{"title": fmt.Sprintf("During %03d", i)})
				mu.Lock()
				if status == 201 {
					created = append(created, m["id"].(string))
				}
				mu.Unlock()
				time.Sleep(15 * time.Millisecond)
			}
		})
		for who, tok := range writers {
			wg.Go(func() {
				for _, id := range targets {
					for {
						select {
						case <-stop:
							return
						default:
						}
						status, _ := edge.do(t, "POST", "/api/movies/"+id+"/reviews", tok, map[string]any{"rating": 7})
						mu.Lock()
						if status == 201 {
							accepted[id] = append(accepted[id], who)
						} else {
							refused[status]++
						}
						mu.Unlock()
						if status == 201 || status == 409 { // 409: an earlier attempt was applied although its answer was lost
							break
						}
						time.Sleep(20 * time.Millisecond)
					}
					time.Sleep(30 * time.Millisecond)
				}
			})
		}
		time.Sleep(500 * time.Millisecond)
		read.kill(t)
		time.Sleep(time.Second)
		close(stop)
		wg.Wait()
		c.startAll(read)
		restarted := time.Now()

		mu.Lock()
		defer mu.Unlock()
		t.Logf("while the read side was killed: %d movies created, reviews accepted on %d movies, other answers %v",
			len(created), len(accepted), refused)
		require.NotEmpty(t, accepted)
		require.NotEmpty(t, created)
		converged := func() (bool, string) {
			listed := edge.movies(t)
			for _, id := range append(append([]string(nil), created...), targets...) {
				if _, ok := listed[id]; !ok {
					return false, "movie " + id + " created by the catalog is not listed by browse"
				}
			}
			for _, id := range targets {
				reviews := edge.reviewsOf(t, id)
				for _, who := range accepted[id] {
					if !reviews[who] {
						return false, fmt.Sprintf("%s's accepted review of %s is gone", who, id)
					}
				}
				if listed[id] != len(reviews) {
					return false, fmt.Sprintf("browse counts %d reviews of %s, the reviews service has %d", listed[id], id, len(reviews))
				}
			}
			return true, ""
		}
		bound := 2 * time.Second
		within(t, bound, converged, fmt.Sprintf("not converged %v after the read side was ready again", bound))
		t.Logf("converged %v after the read side was ready again", time.Since(restarted).Round(time.Millisecond))
	})

	t.Run("DemotedAdminIsRefusedEverywhere", func(t *testing.T) {
		c.command("admin", "create", "--email", "deputy@example.com", "--password", "deputy's long passphrase")
		deputyTok, deputyID := edge.login(t, "deputy@example.com", "deputy's long passphrase")
		status, m := edge.do(t, "POST", "/api/movies", deputyTok, map[string]any{"title": "Before demotion"})
		require.Equal(t, 201, status, "%v", m)
		status, m = edge.do(t, "PUT", "/api/users/"+deputyID, adminTok, map[string]any{"display_name": "Deputy", "role": "user"})
		require.Equal(t, 200, status, "%v", m)
		refused := func(base, method, path string, body any) func() bool {
			return func() bool {
				status, _ := call(t, http.DefaultClient, method, base+path, deputyTok, body)
				return status == 401 || status == 403
			}
		}
		require.Eventually(t, refused(catalog.url, "POST", "/api/movies", map[string]any{"title": "After demotion"}),
			2*time.Second, 20*time.Millisecond, "the catalog process still takes the demoted admin's writes")
		for _, id := range []*node{idA, idB} {
			require.Eventually(t, refused(id.url, "GET", "/api/users", nil), 2*time.Second, 20*time.Millisecond,
				"%s still lists users for the demoted admin", id.name)
		}
		for _, id := range []*node{idA, idB} {
			id.kill(t)
			c.startAll(id)
			require.True(t, refused(id.url, "GET", "/api/users", nil)(), "%s honours the demoted admin's token after a restart", id.name)
		}
	})

	c.stopAll(t)
}

// cluster is one scaled-out deployment of this test: its database, NATS
// server, Redis namespace, processes and nginx. When the test fails, every
// process's output is printed.
type cluster struct {
	t        *testing.T
	env      []string // shared by every process
	nodes    []*node
	logs     []func() (string, string)
	nginxBin string
}

// node is one `marquee serve --services ...` process; it can be killed and
// started again on the same address.
type node struct {
	name string
	args []string
	env  []string
	url  string
	out  *syncBuffer // every run's output
	cmd  *exec.Cmd
	done chan error
}

func newCluster(t *testing.T) *cluster {
	redisURL := os.Getenv("MARQUEE_TEST_REDIS_URL")
	if redisURL == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MARQUEE_TEST_REDIS_URL is not set; CI must run the scale-out test")
		}
		t.Skip("MARQUEE_TEST_REDIS_URL is not set")
	}
	nginxBin := testbin.Require(t, "nginx", "Debian's nginx; .ci/run installs it")
	natsBin := testbin.Require(t, "nats-server", "Debian's nats-server")
	c := &cluster{t: t, nginxBin: nginxBin}
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range c.logs {
				name, out := l()
				t.Logf("---- %s ----\n%s", name, tail(out, 40_000))
			}
		}
	})

	// a database of its own: MARQUEE_DATABASE_URL puts every service in its schema of it
	base := sqldbtest.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	admin, err := sqldb.Open(ctx, "scaleout", base)
	require.NoError(t, err)
	dbName := "scaleout_" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+dbName)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
		admin.Close()
	})
	dbURL, err := url.Parse(base)
	require.NoError(t, err)
	dbURL.Path = "/" + dbName

	// NATS JetStream of its own, so nothing of another test's streams is seen
	natsAddr := freeAddr(t)
	host, port, _ := net.SplitHostPort(natsAddr)
	natsOut := &syncBuffer{}
	nats := exec.Command(natsBin, "-a", host, "-p", port, "-js", "-sd", t.TempDir())
	nats.Stdout, nats.Stderr = natsOut, natsOut
	require.NoError(t, nats.Start())
	t.Cleanup(func() { _ = nats.Process.Kill(); _ = nats.Wait() })
	c.logs = append(c.logs, func() (string, string) { return "nats-server", natsOut.String() })
	waitListening(t, natsAddr, "nats-server", natsOut)

	c.env = []string{
		"MARQUEE_DATABASE_URL=" + dbURL.String(),
		"MARQUEE_NATS_URL=nats://" + natsAddr,
		"MARQUEE_REDIS_URL=" + redisURL,
		// Redis is shared with other tests: the deployment name keeps this run's keys apart
		"MARQUEE_DEPLOYMENT=scaleout-" + uuid.NewString()[:8],
		"MARQUEE_TRUSTED_PROXIES=127.0.0.1/32",
		"MARQUEE_SHUTDOWN_TIMEOUT=5s",
		"MARQUEE_LOG_FORMAT=json", // the request-id check reads the JSON log lines
		"MARQUEE_LOG_LEVEL=debug", // successful requests are logged at debug
	}
	return c
}

func (c *cluster) node(name, services string, env ...string) *node {
	addr := freeAddr(c.t)
	n := &node{name: name, args: []string{"serve", "--services", services}, url: "http://" + addr, out: &syncBuffer{},
		env: append(append([]string{"MARQUEE_HTTP_ADDR=" + addr, "MARQUEE_DATA_DIR=" + c.t.TempDir()}, c.env...), env...)}
	c.nodes = append(c.nodes, n)
	c.logs = append(c.logs, func() (string, string) { return name, n.out.String() })
	c.t.Cleanup(func() {
		if n.cmd != nil && n.cmd.ProcessState == nil {
			_ = n.cmd.Process.Kill()
			<-n.done
		}
	})
	return n
}

// startAll starts the nodes together and waits until every one is ready.
func (c *cluster) startAll(nodes ...*node) {
	c.t.Helper()
	for _, n := range nodes {
		fmt.Fprintf(n.out, "---- start %s\n", time.Now().Format(time.RFC3339Nano))
		n.cmd = exec.Command(binary, n.args...)
		n.cmd.Env = append(os.Environ(), n.env...)
		n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
		require.NoError(c.t, n.cmd.Start())
		n.done = make(chan error, 1)
		go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(n.cmd, n.done)
	}
	for _, n := range nodes {
		n.waitReady(c.t)
	}
}

func (n *node) waitReady(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-n.done:
			n.done <- err
			t.Fatalf("%s exited before it was ready: %v", n.name, err)
		default:
		}
		resp, err := http.Get(n.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s was not ready within 60 s", n.name)
}

// kill is kill -9: no graceful stop, no drained requests, no last relay round.
func (n *node) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, n.cmd.Process.Signal(syscall.SIGKILL))
	<-n.done
	fmt.Fprintf(n.out, "---- killed %s\n", time.Now().Format(time.RFC3339Nano))
}

// stopAll stops every process with SIGTERM and requires clean exits.
func (c *cluster) stopAll(t *testing.T) {
	for i := len(c.nodes) - 1; i >= 0; i-- {
		n := c.nodes[i]
		require.NoError(t, n.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case err := <-n.done:
			require.NoError(t, err, "%s must exit 0 on SIGTERM", n.name)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not stop within 10 s of SIGTERM", n.name)
		}
	}
}

// command runs a one-off marquee command (migrate, admin create) on the cluster's databases.
func (c *cluster) command(args ...string) {
	c.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), "MARQUEE_DATA_DIR="+c.t.TempDir()), c.env...)
	out, err := cmd.CombinedOutput()
	require.NoError(c.t, err, string(out))
}

// edge is nginx in front of the gateways, reached over TLS.
type edge struct {
	url       string
	client    *http.Client
	accessLog string
}

// nginx runs deploy/nginx/marquee.conf, unchanged but for its listen ports,
// its upstream servers (the two gateways) and its log paths, in the foreground.
func (c *cluster) nginx(gateways ...*node) *edge {
	t := c.t
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "marquee"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tls"), 0o755))
	certPEM := writeSelfSigned(t, filepath.Join(dir, "tls", "marquee.crt"), filepath.Join(dir, "tls", "marquee.key"))

	site, err := os.ReadFile("../../deploy/nginx/marquee.conf")
	require.NoError(t, err)
	proxy, err := os.ReadFile("../../deploy/nginx/proxy.conf")
	require.NoError(t, err)
	httpsAddr, httpAddr := freeAddr(t), freeAddr(t)
	conf := string(site)
	for from, to := range map[string]string{
		"server gateway-a:8080":      "server " + strings.TrimPrefix(gateways[0].url, "http://"),
		"server gateway-b:8080":      "server " + strings.TrimPrefix(gateways[1].url, "http://"),
		"listen 80;":                 "listen " + httpAddr + ";",
		"listen [::]:80;":            "",
		"listen 443 ssl http2;":      "listen " + httpsAddr + " ssl http2;",
		"listen [::]:443 ssl http2;": "",
		"/var/log/nginx/access.log":  filepath.Join(dir, "access.log"),
		"root /var/www/acme;":        "root " + dir + ";",
		"shared:marquee_tls:10m":     "shared:marquee_tls:1m",
	} {
		require.Contains(t, conf, from, "deploy/nginx/marquee.conf changed: update the test's substitutions")
		conf = strings.ReplaceAll(conf, from, to)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "marquee", "marquee.conf"), []byte(conf), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "marquee", "proxy.conf"), proxy, 0o644))
	// master_process off: one process, so a kill at the end leaves no worker behind
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 1024; }
http {
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include marquee/marquee.conf;
}
`, dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644))

	out := &syncBuffer{}
	cmd := exec.Command(c.nginxBin, "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c.logs = append(c.logs, func() (string, string) {
		errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		access, _ := os.ReadFile(filepath.Join(dir, "access.log"))
		return "nginx", out.String() + string(errLog) + "\n-- access log --\n" + string(access)
	})
	waitListening(t, httpsAddr, "nginx", out)

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(certPEM))
	e := &edge{url: "https://" + httpsAddr, accessLog: filepath.Join(dir, "access.log"), client: &http.Client{
		Timeout:   20 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 16},
		// the plain-HTTP port's redirect is checked below, not followed
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	resp, err := e.client.Get("http://" + httpAddr + "/api/movies")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusPermanentRedirect, resp.StatusCode, "plain HTTP is sent to HTTPS")
	resp, err = e.client.Get(e.url + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, resp.Header.Values("X-Request-Id"), 1, "one request id, from the edge")
	return e
}

func (e *edge) do(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	return call(t, e.client, method, e.url+path, token, body)
}

// call sends a JSON request; a transport error is status 0.
func call(t *testing.T, client *http.Client, method, url, token string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	defer resp.Body.Close()
	m := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (e *edge) get(path string) (int, string, error) {
	resp, err := e.client.Get(e.url + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func (e *edge) eventually(t *testing.T, want int, path, msg string) {
	t.Helper()
	require.Eventually(t, func() bool {
		status, _, _ := e.get(path)
		return status == want
	}, 10*time.Second, 20*time.Millisecond, msg)
}

func (e *edge) register(t *testing.T, email, password, name string) {
	t.Helper()
	status, m := e.do(t, "POST", "/api/auth/register", "", map[string]any{"email": email, "password": password, "display_name": name})
	require.Equal(t, 201, status, "%v", m)
}

func (e *edge) login(t *testing.T, email, password string) (token, userID string) {
	t.Helper()
	status, m := e.do(t, "POST", "/api/auth/login", "", map[string]any{"email": email, "password": password})
	require.Equal(t, 200, status, "%v", m)
	return m["access_token"].(string), m["user"].(map[string]any)["id"].(string)
}

// movies maps every movie browse lists to its rating count.
func (e *edge) movies(t *testing.T) map[string]int {
	out := map[string]int{}
	cursor := ""
	for {
		status, m := e.do(t, "GET", "/api/movies?limit=100&cursor="+url.QueryEscape(cursor), "", nil)
		if status != 200 {
			return out
		}
		items, _ := m["items"].([]any)
		for _, it := range items {
			mv := it.(map[string]any)
			summary, _ := mv["rating_summary"].(map[string]any)
			count, _ := summary["count"].(float64)
			out[mv["id"].(string)] = int(count)
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

// subscribe makes the user a subscriber of the plan (by its slug) through
// the sandbox's checkout page, and waits until the subscription shows.
func (e *edge) subscribe(t *testing.T, token, planSlug string) {
	t.Helper()
	status, plans := e.do(t, "GET", "/api/plans", "", nil)
	require.Equal(t, 200, status, "%v", plans)
	planID := ""
	for _, it := range plans["items"].([]any) {
		if p := it.(map[string]any); p["slug"] == planSlug {
			planID = p["id"].(string)
		}
	}
	require.NotEmpty(t, planID, "no plan %s", planSlug)
	status, checkout := e.do(t, "POST", "/api/orders", token, map[string]any{"plan_id": planID})
	require.Equal(t, 201, status, "%v", checkout)
	req, err := http.NewRequest("POST", e.url+checkout["checkout_url"].(string)+"/pay", nil)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.client.Do(req) // the client does not follow the redirect into the web app
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Eventually(t, func() bool { s, _ := e.do(t, "GET", "/api/subscription", token, nil); return s == 200 },
		10*time.Second, 50*time.Millisecond, "the subscription shows")
}

// reviewsOf is the set of the authors of a movie's reviews, as the reviews service has them.
func (e *edge) reviewsOf(t *testing.T, movieID string) map[string]bool {
	out := map[string]bool{}
	_, m := e.do(t, "GET", "/api/movies/"+movieID+"/reviews?limit=100", "", nil)
	items, _ := m["items"].([]any)
	for _, it := range items {
		author, _ := it.(map[string]any)["author"].(map[string]any)
		id, _ := author["id"].(string)
		out[id] = true
	}
	return out
}

// retried counts the requests nginx passed to a second gateway after the first failed them.
func (e *edge) retried() int {
	raw, _ := os.ReadFile(e.accessLog)
	n := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if i := strings.Index(line, "upstream="); i >= 0 && strings.Contains(strings.Fields(line[i:])[0], ",") {
			n++
		}
	}
	return n
}

// within polls cond until it holds, failing with its last reason after d.
func within(t *testing.T, d time.Duration, cond func() (bool, string), msg string) {
	t.Helper()
	var why string
	for deadline := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		var ok bool
		if ok, why = cond(); ok {
			return
		}
		if time.Now().After(deadline) {
			// how late it is tells a slow path (redelivery after an ack wait) from a loss
			late := "and not within another 40 s"
			for start := time.Now(); time.Since(start) < 40*time.Second; time.Sleep(100 * time.Millisecond) {
				if ok, _ := cond(); ok {
					late = fmt.Sprintf("it held %v later", time.Since(start).Round(100*time.Millisecond))
					break
				}
			}
			t.Fatalf("%s: %s (%s)", msg, why, late)
		}
	}
}

func waitListening(t *testing.T, addr, what string, out *syncBuffer) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return
		}
	}
	t.Fatalf("%s does not listen on %s:\n%s", what, addr, out.String())
}

// writeSelfSigned writes a certificate for 127.0.0.1 and its key, and returns the certificate.
func writeSelfSigned(t *testing.T, certPath, keyPath string) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "marquee test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	require.NoError(t, os.WriteFile(certPath, certPEM, 0o644))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certPEM
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
