package main_test

import (
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
// idle after the import (target < 100 MB).
func BenchmarkServeDemoIdleMemory(b *testing.B) {
	var rss float64
	for b.Loop() {
		p, _ := serve(b, b.TempDir(), "--demo")
		waitForDemo(b, p)
		time.Sleep(3 * time.Second)
		rss = float64(rssKB(b, p.cmd.Process.Pid)) / 1024
		p.stop(b)
	}
	b.ReportMetric(rss, "idle-rss-MB")
}

// BenchmarkServeDemoFill reports how long `marquee serve --demo` on an empty
// data dir takes until the whole demo is in place: the community written and
// every event published and applied (no outbox backlog, no consumer lag), as
// the process prints it ("Demo in place after N s", from its start).
// Target: 15 s on a quiet 2-core machine.
func BenchmarkServeDemoFill(b *testing.B) {
	var total float64
	for b.Loop() {
		p, _ := serve(b, b.TempDir(), "--demo")
		total += waitForDemo(b, p)
		p.stop(b)
	}
	b.ReportMetric(total/float64(b.N), "demo-s")
}

var demoInPlace = regexp.MustCompile(`Demo in place after ([0-9.]+) s`)

// waitForDemo waits until the process says the demo is in place and returns
// the seconds it printed.
func waitForDemo(b *testing.B, p *proc) float64 {
	b.Helper()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := demoInPlace.FindStringSubmatch(p.out.String()); m != nil {
			s, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				b.Fatal(err)
			}
			return s
		}
	}
	b.Fatalf("the demo was not in place after 5 minutes:\n%s", p.out.String())
	return 0
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
