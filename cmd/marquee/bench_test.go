package main_test

import (
	"io"
	"net/http"
	"os"
	"regexp"
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
// once it is idle after the import (target < 100 MB, ffmpeg excluded): the
// demo in place (no outbox backlog, no consumer lag), then 20 s in which the
// process allocated under 0.8 MB/s, counting the benchmark's own scrapes of
// /metrics (≈ 1 MB each) (the fan-out jobs the demo's events queued have
// run too). The process hands a busy spell's memory back after 10–15 s
// of quiet (internal/platform/idletrim); quiet-after-s is how long after the
// demo was in place the quiet began.
func BenchmarkServeDemoIdleMemory(b *testing.B) {
	var rss, quietAfter float64
	for b.Loop() {
		p, _ := serve(b, b.TempDir(), "--demo")
		waitForDemo(b, p)
		quietAfter = waitForQuiet(b, p, 20*time.Second).Seconds()
		rss = float64(rssKB(b, p.cmd.Process.Pid)) / 1024
		p.stop(b)
	}
	b.ReportMetric(rss, "idle-rss-MB")
	b.ReportMetric(quietAfter, "quiet-after-s")
}

// waitForQuiet waits until the process has allocated under 4 MB in every
// 5 s for quiet in a row, and reports how long it was busy before that.
func waitForQuiet(b *testing.B, p *proc, quiet time.Duration) time.Duration {
	b.Helper()
	started := time.Now()
	quietSince, last := time.Now(), metric(b, p, "go_memstats_alloc_bytes_total")
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); {
		time.Sleep(5 * time.Second)
		now := metric(b, p, "go_memstats_alloc_bytes_total")
		if now-last > 4<<20 {
			quietSince = time.Now()
		}
		last = now
		if time.Since(quietSince) >= quiet {
			return quietSince.Sub(started)
		}
	}
	b.Fatalf("marquee was still busy 5 minutes after the demo was in place")
	return 0
}

// metric is the value of an unlabelled metric from /metrics.
func metric(b *testing.B, p *proc, name string) float64 {
	b.Helper()
	for _, line := range strings.Split(scrape(b, p), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			return f
		}
	}
	b.Fatalf("no %s in /metrics", name)
	return 0
}

// BenchmarkServeDemoFill reports how long `marquee serve --demo` on an empty
// data dir takes until the whole demo is in place: the community written and
// every event published and applied (no outbox backlog, no consumer lag), as
// the process prints it ("Demo in place after N s", from its start).
// Target: 15 s on a quiet 2-core machine.
// The process's CPU time by then (cpu-s) depends far less on other work on
// the machine; the demo video is made after that point.
func BenchmarkServeDemoFill(b *testing.B) {
	var total, cpu float64
	for b.Loop() {
		p, _ := serve(b, b.TempDir(), "--demo")
		s, c := waitForDemoCPU(b, p)
		total, cpu = total+s, cpu+c
		p.stop(b)
	}
	b.ReportMetric(total/float64(b.N), "demo-s")
	b.ReportMetric(cpu/float64(b.N), "cpu-s")
}

var demoInPlace = regexp.MustCompile(`Demo in place after ([0-9.]+) s, ([0-9.]+) CPU-s`)

// waitForDemo waits until the process says the demo is in place and returns
// the seconds it printed.
func waitForDemo(b *testing.B, p *proc) float64 {
	s, _ := waitForDemoCPU(b, p)
	return s
}

// waitForDemoCPU is waitForDemo with the CPU-seconds the process printed too.
func waitForDemoCPU(b *testing.B, p *proc) (seconds, cpuSeconds float64) {
	b.Helper()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := demoInPlace.FindStringSubmatch(p.out.String()); m != nil {
			s, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				b.Fatal(err)
			}
			c, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				b.Fatal(err)
			}
			return s, c
		}
	}
	b.Fatalf("the demo was not in place after 5 minutes:\n%s", p.out.String())
	return 0, 0
}

func scrape(b *testing.B, p *proc) string {
	b.Helper()
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return string(raw)
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
