package transcode

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got), "%s differs (go test -update rewrites it after a deliberate change)", path)
}

func argsText(cmd Command) []byte {
	return []byte(strings.Join(cmd.Args, "\n") + "\n")
}

var (
	film1080 = Source{Duration: 95*time.Minute + 500*time.Millisecond, Width: 1920, Height: 1080, AspectRatio: 16.0 / 9, FrameRate: 24000.0 / 1001, VideoCodec: "h264", HasAudio: true}
	film4K   = Source{Duration: 2 * time.Hour, Width: 3840, Height: 2160, AspectRatio: 16.0 / 9, FrameRate: 25, VideoCodec: "hevc", HasAudio: true}
	silent   = Source{Duration: 30 * time.Second, Width: 720, Height: 576, AspectRatio: 16.0 / 9, FrameRate: 25, VideoCodec: "mpeg2video"} // anamorphic PAL, no audio
)

func TestLadderNeverAboveTheSource(t *testing.T) {
	names := func(rs []Rung) (out []string) {
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	first, rest := Ladder(film1080)
	assert.Equal(t, Rung{Name: "360p", Width: 640, Height: 360, MaxBitrate: 900_000}, first)
	assert.Equal(t, []string{"480p", "720p", "1080p"}, names(rest))
	assert.Equal(t, 1920, rest[2].Width)

	_, rest = Ladder(film4K)
	assert.Equal(t, []string{"480p", "720p", "1080p", "1440p", "2160p"}, names(rest))

	first, rest = Ladder(silent)
	assert.Equal(t, 640, first.Width, "anamorphic 720x576 is displayed 16:9")
	assert.Equal(t, []string{"480p"}, names(rest))

	portrait := Source{Duration: time.Minute, Width: 1080, Height: 1920, AspectRatio: 9.0 / 16}
	first, rest = Ladder(portrait)
	assert.Equal(t, Rung{Name: "360p", Width: 202, Height: 360, MaxBitrate: 900_000}, first)
	assert.Len(t, rest, 4, "480p to 1440p: a portrait source of 1920 lines")

	tiny := Source{Duration: time.Minute, Width: 320, Height: 241, AspectRatio: 320.0 / 241}
	first, rest = Ladder(tiny)
	assert.Equal(t, "240p", first.Name, "a source below 360 lines is not scaled up")
	assert.Equal(t, 240, first.Height)
	assert.Empty(t, rest)
}

func TestEncodeArgsGolden(t *testing.T) {
	first, rest := Ladder(film1080)
	cmd := EncodeArgs("/tmp/job/source", "/tmp/job/out", film1080, []Rung{first})
	golden(t, "encode_360p.args", argsText(cmd))
	assert.Equal(t, []string{"/tmp/job/out/360p"}, cmd.Dirs)
	assert.Equal(t, film1080.Duration, cmd.Duration)

	cmd = EncodeArgs("/tmp/job/source", "/tmp/job/out", film1080, rest)
	golden(t, "encode_ladder_1080p.args", argsText(cmd))
	assert.Equal(t, []string{"/tmp/job/out/480p", "/tmp/job/out/720p", "/tmp/job/out/1080p"}, cmd.Dirs)

	_, rest = Ladder(silent)
	golden(t, "encode_ladder_silent.args", argsText(EncodeArgs("/tmp/job/source", "/tmp/job/out", silent, rest)))
}

// Every run must use the same keyframe settings, or the renditions' segments
// would not line up.
func TestEncodeArgsSameKeyframesInEveryRun(t *testing.T) {
	keyframeArgs := func(args []string) (out []string) {
		for i, a := range args {
			switch a {
			case "-g", "-keyint_min", "-sc_threshold", "-force_key_frames", "-hls_time", "-preset", "-profile:v":
				out = append(out, a+" "+args[i+1])
			}
		}
		return out
	}
	first, rest := Ladder(film4K)
	one := keyframeArgs(EncodeArgs("in", "out", film4K, []Rung{first}).Args)
	all := keyframeArgs(EncodeArgs("in", "out", film4K, rest).Args)
	require.NotEmpty(t, one)
	assert.Contains(t, one, "-g 100", "4 s at 25 fps")
	assert.Contains(t, one, "-profile:v high")
	for i := range len(rest) {
		assert.Equal(t, one, all[i*len(one):(i+1)*len(one)], "rung %s", rest[i].Name)
	}
}

func TestArtworkArgsAndStoryboard(t *testing.T) {
	cmd, sb := ArtworkArgs("/tmp/job/source", "/tmp/job/out", film1080)
	golden(t, "artwork_1080p.args", argsText(cmd))
	assert.Equal(t, 10*time.Second, sb.Interval, "95 min in at most 600 thumbnails")
	assert.Equal(t, 571, sb.Count, "0 s to 5700 s")
	assert.Equal(t, 10, sb.Columns)
	assert.Equal(t, 58, sb.Rows)
	assert.Equal(t, 90, sb.ThumbHeight)

	short := Source{Duration: 5 * time.Second, Width: 1280, Height: 720, AspectRatio: 16.0 / 9, FrameRate: 30}
	sb = StoryboardFor(short)
	assert.Equal(t, 2*time.Second, sb.Interval)
	assert.Equal(t, 3, sb.Count, "thumbnails at 0, 2 and 4 s")
	assert.Equal(t, 3, sb.Columns)
	golden(t, "storyboard_5s.vtt", sb.VTT("storyboard.jpg"))

	exact := Source{Duration: 4 * time.Second, Width: 1280, Height: 720, FrameRate: 30}
	assert.Equal(t, 2, StoryboardFor(exact).Count, "the last frame of 4 s starts before 4 s")
}

func TestDemoClipArgsGolden(t *testing.T) {
	golden(t, "demo_720p_60s.args", argsText(DemoClipArgs("/data/demo/clip.mp4", time.Minute, 720)))
}
