package transcode

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SegmentDuration is the length of every HLS segment and of every GOP: each
// rendition gets a keyframe at every multiple of it, so segments of all
// renditions start at the same instants and a player can switch between them.
const SegmentDuration = 4 * time.Second

// Rung is one rendition to encode.
type Rung struct {
	Name       string // folder under the output dir: "720p"
	Width      int
	Height     int
	MaxBitrate int // bits per second: the encoder's VBV cap
}

// The ladder: heights and their bitrate caps for H.264 High at veryfast.
var ladder = []struct{ height, kbps int }{
	{360, 900}, {480, 1500}, {720, 3000}, {1080, 6000}, {1440, 10000}, {2160, 18000},
}

const firstHeight = 360

// Ladder is what to encode for src: first, the 360p rendition alone (the video
// is playable once it is done), then the rest up to the source's height in
// one run. A source below 360 lines gets one rendition at its own height.
func Ladder(src Source) (first Rung, rest []Rung) {
	first = rung(src, min(firstHeight, even(src.Height)), ladder[0].kbps)
	for _, r := range ladder[1:] {
		if r.height <= src.Height {
			rest = append(rest, rung(src, r.height, r.kbps))
		}
	}
	return first, rest
}

func rung(src Source, height, kbps int) Rung {
	return Rung{Name: strconv.Itoa(height) + "p", Width: widthFor(src, height), Height: height, MaxBitrate: kbps * 1000}
}

// widthFor keeps the displayed aspect ratio at height lines (even, as 4:2:0 needs).
func widthFor(src Source, height int) int {
	aspect := src.AspectRatio
	if aspect <= 0 {
		aspect = float64(src.Width) / float64(src.Height)
	}
	return max(2, even(int(math.Round(aspect*float64(height)))))
}

func even(n int) int { return n &^ 1 }

// Command is one ffmpeg run: its arguments (without the program name), the
// folders that must exist before it starts (ffmpeg fails, or worse hangs, on
// a missing one) and how much media it encodes, for progress.
type Command struct {
	Args     []string
	Dirs     []string
	Duration time.Duration
}

// Encoder settings shared by every run, so that renditions from separate runs
// line up (same GOP, same segmenting) and play in one player.
const (
	audioBitrate = "128k"
	crf          = "21"
)

// gopFrames is SegmentDuration in frames (30 fps assumed when unknown).
func gopFrames(src Source) int {
	fps := src.FrameRate
	if fps <= 0 {
		fps = 30
	}
	return max(1, int(math.Round(fps*SegmentDuration.Seconds())))
}

// EncodeArgs encodes rungs from input into outDir/<rung>/ as fMP4 HLS (one
// index.m3u8, init.mp4 and seg_NNNNN.m4s per rung) in ONE ffmpeg run: the
// source is decoded once and split to a scaler per rung. The playlists are of
// type EVENT while encoding (ffmpeg writes a VOD playlist only at the end);
// FinalizePlaylist turns each into VOD once the run succeeded.
func EncodeArgs(input, outDir string, src Source, rungs []Rung) Command {
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", "file:" + input}
	// one decode, split to a scaler per rung
	var graph []string
	in := func(int) string { return "[0:v:0]" }
	if len(rungs) > 1 {
		split := fmt.Sprintf("[0:v:0]split=%d", len(rungs))
		for i := range rungs {
			split += fmt.Sprintf("[s%d]", i)
		}
		graph = append(graph, split)
		in = func(i int) string { return fmt.Sprintf("[s%d]", i) }
	}
	for i, r := range rungs {
		graph = append(graph, fmt.Sprintf("%sscale=%d:%d,setsar=1,format=yuv420p[v%d]", in(i), r.Width, r.Height, i))
	}
	args = append(args, "-filter_complex", strings.Join(graph, ";"))

	gop := strconv.Itoa(gopFrames(src))
	cmd := Command{Duration: src.Duration}
	for i, r := range rungs {
		dir := filepath.Join(outDir, r.Name)
		cmd.Dirs = append(cmd.Dirs, dir)
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		if src.HasAudio {
			args = append(args, "-map", "0:a:0")
		}
		args = append(args,
			"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", // ultrafast would give Constrained Baseline
			"-crf", crf, "-maxrate", strconv.Itoa(r.MaxBitrate), "-bufsize", strconv.Itoa(2*r.MaxBitrate),
			"-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
			"-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%g)", SegmentDuration.Seconds()),
		)
		if src.HasAudio {
			args = append(args, "-c:a", "aac", "-b:a", audioBitrate, "-ac", "2", "-ar", "48000")
		}
		args = append(args,
			"-max_muxing_queue_size", "1024",
			"-f", "hls", "-hls_time", strconv.Itoa(int(SegmentDuration.Seconds())),
			"-hls_segment_type", "fmp4", "-hls_playlist_type", "event",
			"-hls_flags", "independent_segments+temp_file", // temp_file: readers never see a half-written playlist
			"-hls_fmp4_init_filename", "init.mp4",
			"-hls_segment_filename", filepath.Join(dir, "seg_%05d.m4s"),
			filepath.Join(dir, PlaylistName),
		)
	}
	cmd.Args = append(args, "-progress", "pipe:1", "-nostats")
	return cmd
}

// PlaylistName is each rendition's media playlist in its folder.
const PlaylistName = "index.m3u8"

// Artwork files in the output dir.
const (
	PosterName     = "poster.jpg"
	StoryboardName = "storyboard.jpg"
)

// Storyboard is the layout of the sprite of thumbnails: one every Interval,
// Columns a row, in reading order.
type Storyboard struct {
	Interval    time.Duration
	Count       int
	Columns     int
	Rows        int
	ThumbWidth  int
	ThumbHeight int
	Duration    time.Duration
}

const (
	thumbWidth       = 160
	maxThumbnails    = 600
	minThumbInterval = 2 * time.Second
	storyboardCols   = 10
	posterMaxHeight  = 720
	posterLatest     = 60 * time.Second
)

// StoryboardFor lays out the sprite for src: a thumbnail every 2 s or more,
// at most 600 of them.
func StoryboardFor(src Source) Storyboard {
	interval := max(minThumbInterval, (src.Duration / maxThumbnails).Round(time.Second))
	for time.Duration(maxThumbnails)*interval < src.Duration {
		interval += time.Second
	}
	// ffmpeg's select keeps the first frame at or after each k×interval;
	// the last frame starts one frame before the end.
	lastFrame := src.Duration - time.Duration(float64(time.Second)/fpsOr30(src))
	count := int(max(0, lastFrame)/interval) + 1
	cols := min(storyboardCols, count)
	h := max(2, even(int(math.Round(thumbWidth/aspectOf(src)))))
	return Storyboard{
		Interval: interval, Count: count, Columns: cols, Rows: (count + cols - 1) / cols,
		ThumbWidth: thumbWidth, ThumbHeight: h, Duration: src.Duration,
	}
}

func fpsOr30(src Source) float64 {
	if src.FrameRate > 0 {
		return src.FrameRate
	}
	return 30
}

func aspectOf(src Source) float64 {
	if src.AspectRatio > 0 {
		return src.AspectRatio
	}
	return float64(src.Width) / float64(src.Height)
}

// ArtworkArgs writes outDir/poster.jpg (a frame a tenth of the way in, at
// most a minute in, at most 720 lines) and outDir/storyboard.jpg (the sprite
// laid out by StoryboardFor) in one ffmpeg run.
func ArtworkArgs(input, outDir string, src Source) (Command, Storyboard) {
	sb := StoryboardFor(src)
	at := min(src.Duration/10, posterLatest)
	ph := min(posterMaxHeight, even(src.Height))
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64), "-i", "file:" + input,
		"-i", "file:" + input,
		"-map", "0:v:0", "-frames:v", "1",
		"-vf", fmt.Sprintf("scale=%d:%d,setsar=1", widthFor(src, ph), ph),
		"-q:v", "3", filepath.Join(outDir, PosterName),
		"-map", "1:v:0", "-frames:v", "1",
		"-vf", fmt.Sprintf(`select=gte(t\,selected_n*%g),scale=%d:%d,setsar=1,tile=%dx%d`,
			sb.Interval.Seconds(), sb.ThumbWidth, sb.ThumbHeight, sb.Columns, sb.Rows),
		"-q:v", "5", filepath.Join(outDir, StoryboardName),
		"-progress", "pipe:1", "-nostats",
	}
	return Command{Args: args, Dirs: []string{outDir}}, sb
}

// VTT is the WebVTT index of the sprite: a cue per thumbnail pointing at its
// cell with a #xywh= fragment of imageURL (players show it above the seek bar).
// ffmpeg has no writer for it, so it is written here.
func (sb Storyboard) VTT(imageURL string) []byte {
	b := []byte("WEBVTT\n")
	for i := range sb.Count {
		start := time.Duration(i) * sb.Interval
		end := min(start+sb.Interval, sb.Duration)
		x, y := (i%sb.Columns)*sb.ThumbWidth, (i/sb.Columns)*sb.ThumbHeight
		b = fmt.Appendf(b, "\n%s --> %s\n%s#xywh=%d,%d,%d,%d\n",
			vttTime(start), vttTime(end), imageURL, x, y, sb.ThumbWidth, sb.ThumbHeight)
	}
	return b
}

func vttTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// DemoClipArgs makes a clip of ffmpeg's test picture (testsrc2) with a
// 440 Hz tone, length long, height lines at 16:9 and 30 fps, H.264 + AAC.
func DemoClipArgs(path string, length time.Duration, height int) Command {
	secs := strconv.FormatFloat(length.Seconds(), 'f', 3, 64)
	h := max(2, even(height))
	w := even(h * 16 / 9)
	return Command{
		Args: []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
			"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=30:duration=%s", w, h, secs),
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + secs,
			"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
			"-c:a", "aac", "-b:a", audioBitrate, "-ac", "2", "-shortest",
			"-movflags", "+faststart", "-f", "mp4", path,
			"-progress", "pipe:1", "-nostats"},
		Dirs:     []string{filepath.Dir(path)},
		Duration: length,
	}
}
