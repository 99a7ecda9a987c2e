package media

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/media/transcode"
)

// runTimeout bounds one ffmpeg run: generous against the media's length, so
// only a hung ffmpeg hits it.
func runTimeout(d time.Duration) time.Duration { return 10*time.Minute + 20*d }

// probeFile reads a file's streams; false: it has no video stream; an error: ffprobe cannot read it.
func probeFile(ctx context.Context, path string) (sourceInfo, bool, error) {
	src, err := transcode.Probe(ctx, path, maxDurationSeconds*time.Second)
	var pe *transcode.ProbeError
	if errors.As(err, &pe) {
		switch pe.Reason {
		case transcode.ReasonNoVideoStream, transcode.ReasonNotVideo:
			return sourceInfo{}, false, nil
		case transcode.ReasonTooLong:
			return sourceInfo{duration: maxDurationSeconds + 1, height: 1}, true, nil
		}
	}
	if err != nil {
		return sourceInfo{}, false, err
	}
	return sourceInfo{duration: src.Duration.Seconds(), width: src.Width, height: src.Height, codec: src.VideoCodec, src: src}, true, nil
}

// encodeRungs makes the first rung alone (first) or the rest of the ladder in
// one run, each in outDir/<height>p/, and measures them.
func encodeRungs(ctx context.Context, srcPath, outDir string, src transcode.Source, first bool, progress func(float64)) ([]store.Rendition, error) {
	one, rest := transcode.Ladder(src)
	rungs := rest
	if first {
		rungs = []transcode.Rung{one}
	}
	if len(rungs) == 0 {
		return nil, nil
	}
	cmd := transcode.EncodeArgs(srcPath, outDir, src, rungs)
	if err := transcode.Run(ctx, cmd, runTimeout(src.Duration), progress); err != nil {
		return nil, err
	}
	out := make([]store.Rendition, 0, len(rungs))
	for _, r := range rungs {
		dir := filepath.Join(outDir, r.Name)
		if err := transcode.FinalizePlaylist(dir); err != nil {
			return nil, err
		}
		m, err := transcode.MeasureRendition(dir, r)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Rendition{Height: m.Height, Width: m.Width, Bandwidth: m.Bandwidth, AverageBandwidth: m.AverageBandwidth, Codecs: m.Codecs})
	}
	return out, nil
}

// makePictures writes outDir/poster.jpg, storyboard.jpg and thumbnails.vtt.
func makePictures(ctx context.Context, srcPath, outDir string, src transcode.Source) error {
	cmd, sb := transcode.ArtworkArgs(srcPath, outDir, src)
	if err := transcode.Run(ctx, cmd, runTimeout(src.Duration), nil); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "thumbnails.vtt"), sb.VTT("storyboard.jpg"), 0o644)
}

// masterPlaylist lists rs, lowest first.
func masterPlaylist(rs []store.Rendition) []byte {
	list := make([]transcode.Rendition, len(rs))
	for i, r := range rs {
		list[i] = transcode.Rendition{Name: renditionName(r.Height), Width: r.Width, Height: r.Height,
			Bandwidth: r.Bandwidth, AverageBandwidth: r.AverageBandwidth, Codecs: r.Codecs}
	}
	return transcode.MasterPlaylist(list)
}

func renditionName(height int) string { return strconv.Itoa(height) + "p" }
