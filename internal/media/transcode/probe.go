// Package transcode turns an uploaded film into an adaptive HLS ladder with
// ffmpeg: it probes the source (ffprobe), builds ffmpeg's arguments with pure
// functions (golden-tested), runs ffmpeg under a timeout while reporting
// progress, measures what came out and writes the master playlist, the poster
// and the storyboard (sprite + WebVTT). It knows nothing of storage or jobs:
// the media service feeds it local paths and publishes what it writes.
package transcode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Source is what ffprobe found in a file.
type Source struct {
	Duration    time.Duration
	Width       int     // as displayed (rotation applied), in pixels
	Height      int     // as displayed (rotation applied), in pixels
	AspectRatio float64 // display width / height (sample aspect ratio applied)
	FrameRate   float64 // frames per second; 0 when ffprobe cannot tell
	VideoCodec  string  // ffprobe's codec name: "h264", "hevc", "vp9"…
	HasAudio    bool
}

// Why a file cannot be transcoded (ProbeError.Reason); stable words the
// service stores and shows.
const (
	ReasonUnreadable    = "unreadable"      // missing, empty, damaged or truncated
	ReasonNotVideo      = "not_a_video"     // a format ffmpeg does not know, or a still image
	ReasonNoVideoStream = "no_video_stream" // a media file with no picture (audio only)
	ReasonTooLong       = "too_long"        // longer than the duration limit
)

// ProbeError says why a file is not a video this service can transcode. Any
// other error from Probe (ffprobe missing, context ended) is not the file's
// fault and is worth another attempt.
type ProbeError struct {
	Reason string // one of the Reason constants
	Detail string // a sentence for people
}

func (e *ProbeError) Error() string { return e.Reason + ": " + e.Detail }

// ffprobe's JSON, only the fields we read.
type probeOutput struct {
	Streams []struct {
		CodecType   string `json:"codec_type"`
		CodecName   string `json:"codec_name"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		SAR         string `json:"sample_aspect_ratio"`
		AvgFPS      string `json:"avg_frame_rate"`
		RealFPS     string `json:"r_frame_rate"`
		Duration    string `json:"duration"`
		Disposition struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
		Tags struct {
			Rotate string `json:"rotate"`
		} `json:"tags"`
		SideData []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

const probeTimeout = 2 * time.Minute

// Probe reads path with ffprobe. A file that is not a transcodable video gives
// a *ProbeError; maxDuration > 0 rejects longer sources (ReasonTooLong).
func Probe(ctx context.Context, path string, maxDuration time.Duration) (Source, error) {
	if st, err := os.Stat(path); err != nil {
		return Source{}, &ProbeError{ReasonUnreadable, "the file cannot be read"}
	} else if st.Size() == 0 {
		return Source{}, &ProbeError{ReasonUnreadable, "the file is empty"}
	}
	// ffprobe reads only headers, but a hostile file must not hold a job
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ffprobe", "-hide_banner", "-loglevel", "error",
		"-show_format", "-show_streams", "-of", "json", "file:"+path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Source{}, ctx.Err()
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return Source{}, fmt.Errorf("ffprobe: %w", err) // not installed, or could not start
		}
		return Source{}, classifyProbeFailure(path, stderr.String())
	}
	var out probeOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return Source{}, fmt.Errorf("ffprobe output: %w", err)
	}
	return sourceOf(out, maxDuration)
}

// classifyProbeFailure tells a damaged video from a file that is no video
// at all: ffprobe fails the same way for both (and guesses the format from
// the name, so a text file called .mp4 is "moov atom not found" too); what
// the file starts with decides (net/http's sniffer knows the video headers).
func classifyProbeFailure(path, stderr string) error {
	head := make([]byte, 512)
	f, err := os.Open(path)
	if err != nil {
		return &ProbeError{ReasonUnreadable, "the file cannot be read"}
	}
	defer f.Close()
	n, _ := io.ReadFull(f, head)
	if strings.HasPrefix(http.DetectContentType(head[:n]), "video/") {
		return &ProbeError{ReasonUnreadable, "the video is damaged or truncated: " + lastLine(stderr)}
	}
	return &ProbeError{ReasonNotVideo, "the file is not a video ffmpeg can read"}
}

func sourceOf(out probeOutput, maxDuration time.Duration) (Source, error) {
	var src Source
	found := false
	for _, s := range out.Streams {
		switch {
		case s.CodecType == "audio":
			src.HasAudio = true
		case s.CodecType == "video" && s.Disposition.AttachedPic == 0 && !found:
			found = true
			src.VideoCodec, src.Width, src.Height = s.CodecName, s.Width, s.Height
			src.FrameRate = ratio(s.AvgFPS)
			if src.FrameRate <= 0 || src.FrameRate > 240 {
				src.FrameRate = ratio(s.RealFPS)
			}
			if src.FrameRate <= 0 || src.FrameRate > 240 {
				src.FrameRate = 0
			}
			sar := ratio(s.SAR)
			if sar <= 0 {
				sar = 1
			}
			if src.Height > 0 {
				src.AspectRatio = float64(src.Width) * sar / float64(src.Height)
			}
			if quarterTurn(s.Tags.Rotate, s.SideData) {
				// ffmpeg turns the picture upright when decoding
				src.Width, src.Height = src.Height, src.Width
				if src.AspectRatio > 0 {
					src.AspectRatio = 1 / src.AspectRatio
				}
			}
			if d := seconds(s.Duration); d > 0 {
				src.Duration = d
			}
		}
	}
	if !found {
		return Source{}, &ProbeError{ReasonNoVideoStream, "the file has no video stream"}
	}
	if strings.HasSuffix(out.Format.FormatName, "_pipe") || out.Format.FormatName == "image2" {
		return Source{}, &ProbeError{ReasonNotVideo, "the file is a still image, not a video"}
	}
	if d := seconds(out.Format.Duration); d > src.Duration {
		src.Duration = d
	}
	if src.Width <= 0 || src.Height <= 0 {
		return Source{}, &ProbeError{ReasonUnreadable, "the video stream has no picture size"}
	}
	if src.Duration <= 0 {
		return Source{}, &ProbeError{ReasonUnreadable, "the video's duration cannot be read"}
	}
	if maxDuration > 0 && src.Duration > maxDuration {
		return Source{}, &ProbeError{ReasonTooLong, fmt.Sprintf("the video lasts %s, over the limit of %s",
			src.Duration.Round(time.Second), maxDuration)}
	}
	return src, nil
}

func quarterTurn(rotateTag string, sideData []struct {
	Rotation float64 `json:"rotation"`
}) bool {
	turn := func(deg float64) bool { return math.Mod(math.Abs(deg), 180) == 90 }
	if deg, err := strconv.ParseFloat(rotateTag, 64); err == nil && turn(deg) {
		return true
	}
	for _, sd := range sideData {
		if turn(sd.Rotation) {
			return true
		}
	}
	return false
}

// ratio reads ffprobe's "30000/1001" or "16:9"; 0 when it is not a number.
func ratio(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		num, den, ok = strings.Cut(s, ":")
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0
	}
	if !ok {
		return n
	}
	d, err := strconv.ParseFloat(den, 64)
	if err != nil || d == 0 {
		return 0
	}
	return n / d
}

func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
