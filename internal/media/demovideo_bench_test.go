package media

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/media/transcode/transcodetest"
)

// BenchmarkDemoVideoCPU makes the demo clip and transcodes it as the media
// service does (360p, the rest of the ladder, poster and storyboard), as
// --demo ships it and as the first version did (60 s at 720p), and reports the CPU seconds of
// the ffmpeg processes: what the demo costs the machine in the background.
// CPU time, unlike wall time, hardly depends on what else the machine runs.
func BenchmarkDemoVideoCPU(b *testing.B) {
	transcodetest.RequireFFmpeg(b)
	for _, c := range []struct {
		name   string
		length time.Duration
		height int
	}{{"first-60s-720p", 60 * time.Second, 720}, {"shipped", demoClipLength, demoClipHeight}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var makeCPU, transcodeCPU time.Duration
			for range b.N {
				dir := b.TempDir()
				clip := filepath.Join(dir, "demo.mp4")
				cpu := childrenCPU(b)
				if err := transcode.MakeDemoClip(ctx, clip, c.length, c.height); err != nil {
					b.Fatal(err)
				}
				makeCPU += childrenCPU(b) - cpu
				src, err := transcode.Probe(ctx, clip, 0)
				if err != nil {
					b.Fatal(err)
				}
				out := filepath.Join(dir, "out")
				first, rest := transcode.Ladder(src)
				artwork, _ := transcode.ArtworkArgs(clip, out, src)
				cpu = childrenCPU(b)
				for _, cmd := range []transcode.Command{
					transcode.EncodeArgs(clip, out, src, []transcode.Rung{first}),
					transcode.EncodeArgs(clip, out, src, rest),
					artwork,
				} {
					if err := transcode.Run(ctx, cmd, 10*time.Minute, nil); err != nil {
						b.Fatal(err)
					}
				}
				transcodeCPU += childrenCPU(b) - cpu
			}
			n := float64(b.N)
			b.ReportMetric(makeCPU.Seconds()/n, "clip-cpu-s/op")
			b.ReportMetric(transcodeCPU.Seconds()/n, "transcode-cpu-s/op")
			b.ReportMetric((makeCPU+transcodeCPU).Seconds()/n, "cpu-s/op")
		})
	}
}

// childrenCPU is the user + system time of every child process waited for so far.
func childrenCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
