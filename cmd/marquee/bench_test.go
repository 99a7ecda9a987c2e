package main_test

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkServeStartup starts the real binary on an empty data dir and
// reports the time until /readyz answers 200, and the resident memory after a
// short idle. Targets: ready < 1 s, idle RSS < 100 MB.
func BenchmarkServeStartup(b *testing.B) {
	var total time.Duration
	var rss float64
	for b.Loop() {
		p, ready := serve(b, b.TempDir())
		total += ready
		time.Sleep(2 * time.Second) // idle: relays waiting, nothing to do
		rss = float64(rssKB(b, p.cmd.Process.Pid)) / 1024
		p.stop(b)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ready-ms")
	b.ReportMetric(rss, "idle-rss-MB")
}

// BenchmarkServeDemoIdleMemory reports resident memory of `marquee serve --demo`
// idle after the import (target < 100 MB).
func BenchmarkServeDemoIdleMemory(b *testing.B) {
	var rss float64
	for b.Loop() {
		p, _ := serve(b, b.TempDir(), "--demo")
		resp, err := http.Get(p.url + "/api/movies?limit=100")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		time.Sleep(3 * time.Second)
		rss = float64(rssKB(b, p.cmd.Process.Pid)) / 1024
		p.stop(b)
	}
	b.ReportMetric(rss, "idle-rss-MB")
}

func rssKB(b *testing.B, pid int) int {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
