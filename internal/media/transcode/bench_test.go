package transcode

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/marquee-dev/marquee/internal/media/transcode/transcodetest"
)

// BenchmarkTranscodeVersusBare transcodes a 6 s 1080p clip (360p alone, then
// 480p/720p/1080p in one run) through Run, and the very same ffmpeg commands
// executed directly, alternating which goes first. It reports Run's wall time
// over bare ffmpeg's (target ≤ 1.05) and the 360p pass's share of the whole
// transcode (target ≤ 0.3), with the machine's load average. On a shared
// machine wall time swings with the load, so the children's CPU time
// (getrusage) is compared too.
func BenchmarkTranscodeVersusBare(b *testing.B) {
	transcodetest.RequireFFmpeg(b)
	ctx := context.Background()
	dir := b.TempDir()
	clip := filepath.Join(dir, "bench.mp4")
	if err := MakeDemoClip(ctx, clip, 6*time.Second, 1080); err != nil {
		b.Fatal(err)
	}
	src, err := Probe(ctx, clip, 0)
	if err != nil {
		b.Fatal(err)
	}
	first, rest := Ladder(src)
	commands := func(out string) []Command {
		return []Command{EncodeArgs(clip, out, src, []Rung{first}), EncodeArgs(clip, out, src, rest)}
	}
	load := []float64{loadAverage(b)}

	var viaRun, bare, firstPass, restRun, runCPU, bareCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		throughRun := func() {
			out := filepath.Join(dir, "run")
			cmds := commands(out)
			for j, cmd := range cmds {
				start, cpu := time.Now(), childrenCPU(b)
				if err := Run(ctx, cmd, 10*time.Minute, func(float64) {}); err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				runCPU += childrenCPU(b) - cpu
				viaRun += took
				if j == 0 {
					firstPass += took
				} else {
					restRun += took
				}
			}
			_ = os.RemoveAll(out)
		}
		direct := func() {
			out := filepath.Join(dir, "bare")
			for _, cmd := range commands(out) {
				for _, d := range cmd.Dirs {
					if err := os.MkdirAll(d, 0o755); err != nil {
						b.Fatal(err)
					}
				}
				start, cpu := time.Now(), childrenCPU(b)
				if err := exec.Command("ffmpeg", cmd.Args...).Run(); err != nil {
					b.Fatal(err)
				}
				bare += time.Since(start)
				bareCPU += childrenCPU(b) - cpu
			}
			_ = os.RemoveAll(out)
		}
		if i%2 == 0 {
			throughRun()
			direct()
		} else {
			direct()
			throughRun()
		}
	}
	b.StopTimer()
	load = append(load, loadAverage(b))
	n := float64(b.N)
	b.ReportMetric(viaRun.Seconds()/n, "run-s/op")
	b.ReportMetric(bare.Seconds()/n, "bare-s/op")
	b.ReportMetric(viaRun.Seconds()/bare.Seconds(), "run/bare")
	b.ReportMetric(runCPU.Seconds()/bareCPU.Seconds(), "run/bare-cpu")
	b.ReportMetric(firstPass.Seconds()/n, "360p-s/op")
	b.ReportMetric(firstPass.Seconds()/viaRun.Seconds(), "360p/whole")
	b.ReportMetric(restRun.Seconds()/n, "rest-of-ladder-s/op")
	b.Logf("source %dx%d %s, ladder 360p then %d rungs; load average %.2f before, %.2f after",
		src.Width, src.Height, src.Duration, len(rest), load[0], load[1])
}

func loadAverage(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
	return f
}

// childrenCPU is the user + system time of every child process waited for so far.
func childrenCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
