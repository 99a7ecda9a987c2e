// Command streambench measures segment throughput through /stream/{token}/...
// (token check, layout check, revocation set, local Storage with sendfile)
// against Debian's nginx serving the same files with sendfile, side by side
// with wrk, and prints the ratio (issue 11: at least 0.9).
//
//	go run ./internal/media/stream/streambench [-d 10s] [-c 32] [-size 1048576]
package main

import (
	"context"
	"crypto/rand"
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
)

func main() {
	duration := flag.Duration("d", 10*time.Second, "how long wrk runs against each server")
	conns := flag.Int("c", 32, "wrk connections")
	threads := flag.Int("t", 2, "wrk threads")
	size := flag.Int("size", 1<<20, "segment size in bytes (a 4 s 720p segment is about 1 MiB)")
	nginx := flag.String("nginx", "/usr/sbin/nginx", "the nginx binary")
	flag.Parse()
	if err := run(*duration, *conns, *threads, *size, *nginx); err != nil {
		log.Fatal(err)
	}
}

func run(duration time.Duration, conns, threads, size int, nginxBin string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "streambench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	files, err := storage.Open(ctx, "", dir)
	if err != nil {
		return err
	}
	video := uuid.New()
	prefix := "videos/" + video.String() + "/"
	segment := make([]byte, size)
	_, _ = rand.Read(segment)
	if err := files.Put(ctx, prefix+"720p/seg_00001.m4s", strings.NewReader(string(segment)), int64(size), ""); err != nil {
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

	// nginx: the same file under the same URL shape, sendfile on
	nginxLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	nginxPort := nginxLn.Addr().(*net.TCPAddr).Port
	nginxLn.Close()
	conf := filepath.Join(dir, "nginx.conf")
	root := filepath.Join(dir, "media", "videos", video.String())
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
    location /stream/%[3]s/ { alias %[4]s/; }
  }
}
`, dir, nginxPort, token, root, userDirective()), 0o600); err != nil {
		return err
	}
	ng := exec.Command(nginxBin, "-c", conf, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	ng.Stderr = os.Stderr
	if err := ng.Start(); err != nil {
		return fmt.Errorf("start nginx: %w", err)
	}
	defer func() { _ = ng.Process.Signal(os.Interrupt); _ = ng.Wait() }()

	path := "/stream/" + token + "/720p/seg_00001.m4s"
	goURL := "http://" + goLn.Addr().String() + path
	nginxURL := fmt.Sprintf("http://127.0.0.1:%d%s", nginxPort, path)
	for _, u := range []string{goURL, nginxURL} {
		if err := waitFor(u, size); err != nil {
			return err
		}
	}
	fmt.Printf("segment %d bytes, wrk -t%d -c%d -d%s, GOMAXPROCS=%s\n", size, threads, conns, duration, os.Getenv("GOMAXPROCS"))
	goRate, err := wrk(goURL, duration, conns, threads)
	if err != nil {
		return err
	}
	nginxRate, err := wrk(nginxURL, duration, conns, threads)
	if err != nil {
		return err
	}
	fmt.Printf("marquee /stream: %8.0f requests/s (%.0f MB/s)\n", goRate, goRate*float64(size)/1e6)
	fmt.Printf("nginx sendfile:  %8.0f requests/s (%.0f MB/s)\n", nginxRate, nginxRate*float64(size)/1e6)
	fmt.Printf("ratio: %.2f (target at least 0.9)\n", goRate/nginxRate)
	return nil
}

func waitFor(url string, size int) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && len(body) == size {
				return nil
			}
			err = fmt.Errorf("%s answered %d: %s", url, resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var requestsPerSec = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func wrk(url string, d time.Duration, conns, threads int) (float64, error) {
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s", url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w: %s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return 0, fmt.Errorf("wrk saw errors against %s:\n%s", url, out)
	}
	m := requestsPerSec.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk printed no rate:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func userDirective() string {
	if os.Geteuid() == 0 {
		return "user root;"
	}
	return ""
}
