package transcode

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media/transcode/transcodetest"
)

var (
	clipOnce sync.Once
	clipPath string
	clipErr  error
)

// testClip is a 5 s 720p clip with a tone, made once per test binary.
func testClip(t testing.TB) string {
	t.Helper()
	transcodetest.RequireFFmpeg(t)
	clipOnce.Do(func() {
		dir, err := os.MkdirTemp("", "transcode-test-")
		if err != nil {
			clipErr = err
			return
		}
		clipPath = filepath.Join(dir, "clip.mp4")
		clipErr = MakeDemoClip(context.Background(), clipPath, 5*time.Second, 720)
	})
	require.NoError(t, clipErr)
	return clipPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if clipPath != "" {
		_ = os.RemoveAll(filepath.Dir(clipPath))
	}
	os.Exit(code)
}

// The whole pipeline on a real clip: probe, 360p alone, the rest of the
// ladder in one run, playlists finished, master written, artwork.
func TestPipelineOnARealClip(t *testing.T) {
	ctx := context.Background()
	src, err := Probe(ctx, testClip(t), time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1280, src.Width)
	assert.Equal(t, 720, src.Height)
	assert.Equal(t, "h264", src.VideoCodec)
	assert.True(t, src.HasAudio)
	assert.InDelta(t, 5.0, src.Duration.Seconds(), 0.1)
	assert.InDelta(t, 30.0, src.FrameRate, 0.01)

	out := t.TempDir()
	first, rest := Ladder(src)
	require.Equal(t, "360p", first.Name)
	require.Len(t, rest, 2, "480p and 720p")

	var mu sync.Mutex
	var progress []float64
	record := func(done float64) { mu.Lock(); progress = append(progress, done); mu.Unlock() }
	require.NoError(t, Run(ctx, EncodeArgs(clipPath, out, src, []Rung{first}), time.Minute, record))
	require.NotEmpty(t, progress)
	assert.Equal(t, 1.0, progress[len(progress)-1], "ends at 1")
	for i := 1; i < len(progress); i++ {
		assert.GreaterOrEqual(t, progress[i], progress[i-1], "never goes back")
	}
	require.NoError(t, Run(ctx, EncodeArgs(clipPath, out, src, rest), 2*time.Minute, nil))

	var measured []Rendition
	var segmentsOfFirst string
	for _, r := range append([]Rung{first}, rest...) {
		dir := filepath.Join(out, r.Name)
		require.NoError(t, FinalizePlaylist(dir))
		pl, err := os.ReadFile(filepath.Join(dir, PlaylistName))
		require.NoError(t, err)
		text := string(pl)
		assert.Contains(t, text, `#EXT-X-MAP:URI="init.mp4"`)
		assert.Contains(t, text, "#EXT-X-TARGETDURATION:4\n")
		assert.Contains(t, text, "#EXT-X-PLAYLIST-TYPE:VOD\n")
		assert.Contains(t, text, "#EXT-X-ENDLIST")
		var segments []string
		for line := range strings.Lines(text) {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "#EXTINF:") || (line != "" && !strings.HasPrefix(line, "#")) {
				segments = append(segments, line)
			}
			if line != "" && !strings.HasPrefix(line, "#") {
				assert.FileExists(t, filepath.Join(dir, line))
			}
		}
		assert.Equal(t, []string{"#EXTINF:4.000000,", "seg_00000.m4s", "#EXTINF:1.000000,", "seg_00001.m4s"}, segments, r.Name)
		if segmentsOfFirst == "" {
			segmentsOfFirst = strings.Join(segments, " ")
		}
		assert.Equal(t, segmentsOfFirst, strings.Join(segments, " "), "%s's segments line up with 360p's", r.Name)

		rend, err := MeasureRendition(dir, r)
		require.NoError(t, err)
		assert.Regexp(t, `^avc1\.6400[0-9a-f]{2},mp4a\.40\.2$`, rend.Codecs, "H.264 High + AAC-LC")
		assert.Positive(t, rend.AverageBandwidth)
		assert.GreaterOrEqual(t, rend.Bandwidth, rend.AverageBandwidth)
		measured = append(measured, rend)

		// what a player sees: ffprobe reads the rendition through its playlist
		stream := probeStream(t, filepath.Join(dir, PlaylistName))
		assert.Equal(t, "High", stream["profile"], r.Name)
		assert.Equal(t, r.Width, int(stream["width"].(float64)))
		assert.Equal(t, r.Height, int(stream["height"].(float64)))
	}
	master := string(MasterPlaylist(measured))
	assert.Equal(t, 3, strings.Count(master, "#EXT-X-STREAM-INF:"))
	assert.Contains(t, master, "RESOLUTION=1280x720,CODECS=\""+measured[2].Codecs+"\"\n720p/index.m3u8\n")
	assert.Equal(t, 2, strings.Count(string(FilterMaster([]byte(master), 480)), "#EXT-X-STREAM-INF:"))

	cmd, sb := ArtworkArgs(clipPath, out, src)
	require.NoError(t, Run(ctx, cmd, time.Minute, nil))
	poster := probeStream(t, filepath.Join(out, PosterName))
	assert.Equal(t, "mjpeg", poster["codec_name"])
	assert.Equal(t, 1280.0, poster["width"])
	assert.Equal(t, 720.0, poster["height"])
	sprite := probeStream(t, filepath.Join(out, StoryboardName))
	assert.Equal(t, float64(sb.Columns*sb.ThumbWidth), sprite["width"])
	assert.Equal(t, float64(sb.Rows*sb.ThumbHeight), sprite["height"])
	vtt := string(sb.VTT(StoryboardName))
	assert.True(t, strings.HasPrefix(vtt, "WEBVTT\n"))
	assert.Equal(t, 3, strings.Count(vtt, "#xywh="))
	assert.Contains(t, vtt, "00:00:04.000 --> 00:00:05.000\nstoryboard.jpg#xywh=320,0,160,90\n")
}

func probeStream(t *testing.T, path string) map[string]any {
	t.Helper()
	var out struct{ Streams []map[string]any }
	b, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", path).Output()
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &out))
	require.Len(t, out.Streams, 1)
	return out.Streams[0]
}

func TestProbeRejectsWhatIsNotAVideo(t *testing.T) {
	clip := testClip(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	makeFile := func(name string, args ...string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, Run(context.Background(), Command{Args: append(append([]string{"-v", "error", "-y"}, args...), p)}, time.Minute, nil))
		return p
	}
	truncate := func(path string) string {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return write("truncated.mp4", b[:len(b)/2])
	}
	cases := []struct {
		name, path, reason string
	}{
		{"text", write("notes.mp4", []byte("these are not moving pictures\n")), ReasonNotVideo},
		{"empty", write("empty.mp4", nil), ReasonUnreadable},
		{"missing", filepath.Join(dir, "nothing-here.mp4"), ReasonUnreadable},
		// an upload cut short before the index (moov, written last without +faststart)
		{"truncated", truncate(makeFile("whole.mp4", "-f", "lavfi", "-i", "testsrc2=size=64x64:duration=1")), ReasonUnreadable},
		{"audio only", makeFile("tone.m4a", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"), ReasonNoVideoStream},
		{"still image", makeFile("still.png", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1"), ReasonNotVideo},
		{"too long", clip, ReasonTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Probe(context.Background(), c.path, 4*time.Second)
			var pe *ProbeError
			require.True(t, errors.As(err, &pe), "want a ProbeError, got %v", err)
			assert.Equal(t, c.reason, pe.Reason, pe.Detail)
			assert.NotEmpty(t, pe.Detail)
		})
	}
}

func TestRunReportsStderrAndTimeout(t *testing.T) {
	transcodetest.RequireFFmpeg(t)
	err := Run(context.Background(), Command{Args: []string{"-hide_banner", "-i", filepath.Join(t.TempDir(), "absent.mp4"), "-f", "null", "-"}}, time.Minute, nil)
	var re *RunError
	require.True(t, errors.As(err, &re), "got %v", err)
	assert.False(t, re.TimedOut)
	assert.Contains(t, re.Stderr, "No such file or directory")
	assert.Contains(t, err.Error(), "absent.mp4")

	// an endless source: only the timeout ends it
	err = Run(context.Background(), Command{Args: []string{"-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-f", "null", "-"}}, 300*time.Millisecond, nil)
	require.True(t, errors.As(err, &re), "got %v", err)
	assert.True(t, re.TimedOut)
	assert.Contains(t, err.Error(), "timed out")
}

func TestRunCreatesOutputFolders(t *testing.T) {
	clip := testClip(t)
	out := filepath.Join(t.TempDir(), "deep", "er")
	src, err := Probe(context.Background(), clip, 0)
	require.NoError(t, err)
	small := Rung{Name: "tiny", Width: 64, Height: 36, MaxBitrate: 100_000}
	require.NoError(t, Run(context.Background(), EncodeArgs(clip, out, src, []Rung{small}), time.Minute, nil))
	assert.FileExists(t, filepath.Join(out, "tiny", "init.mp4"))
}
