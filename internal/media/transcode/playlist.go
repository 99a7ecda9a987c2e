package transcode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Rendition is an encoded rung as measured from its files: what the master
// playlist says of it.
type Rendition struct {
	Name             string // folder: "720p"
	Width            int
	Height           int
	Bandwidth        int    // peak segment bit rate, bits/s (HLS BANDWIDTH)
	AverageBandwidth int    // over the whole rendition, bits/s
	Codecs           string // RFC 6381: "avc1.64001f,mp4a.40.2"
}

// MeasureRendition reads the rendition r encoded into dir (its playlist,
// segments and init segment): bit rates from the segments' sizes and
// durations, the codec string from the init segment's avcC record (profile,
// constraints and level exactly as x264 wrote them).
func MeasureRendition(dir string, r Rung) (Rendition, error) {
	pl, err := os.ReadFile(filepath.Join(dir, PlaylistName))
	if err != nil {
		return Rendition{}, err
	}
	var total, peak float64
	var totalBits int64
	var extinf float64
	sc := bufio.NewScanner(bytes.NewReader(pl))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#EXTINF:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
			if extinf, err = strconv.ParseFloat(v, 64); err != nil {
				return Rendition{}, fmt.Errorf("%s: bad #EXTINF %q", r.Name, line)
			}
		case line != "" && !strings.HasPrefix(line, "#"):
			st, err := os.Stat(filepath.Join(dir, line))
			if err != nil {
				return Rendition{}, err
			}
			bits := st.Size() * 8
			totalBits += bits
			total += extinf
			if extinf > 0 {
				peak = math.Max(peak, float64(bits)/extinf)
			}
		}
	}
	if total == 0 {
		return Rendition{}, fmt.Errorf("%s: the playlist lists no segments", r.Name)
	}
	init, err := os.ReadFile(filepath.Join(dir, "init.mp4"))
	if err != nil {
		return Rendition{}, err
	}
	codecs, err := codecsOf(init)
	if err != nil {
		return Rendition{}, fmt.Errorf("%s: %w", r.Name, err)
	}
	return Rendition{
		Name: r.Name, Width: r.Width, Height: r.Height,
		Bandwidth: int(math.Ceil(peak)), AverageBandwidth: int(math.Ceil(float64(totalBits) / total)),
		Codecs: codecs,
	}, nil
}

// codecsOf finds the avcC record in an init segment and names the codecs.
// A byte search is enough for the fMP4 ffmpeg writes (the box type is unique
// there) and there is no Go MP4 library here (mp4ff is not available).
func codecsOf(init []byte) (string, error) {
	i := bytes.Index(init, []byte("avcC"))
	// after the type: configurationVersion, profile, constraint flags, level
	if i < 0 || len(init) < i+8 || init[i+4] != 1 {
		return "", errors.New("the init segment has no H.264 configuration (avcC)")
	}
	codecs := fmt.Sprintf("avc1.%02x%02x%02x", init[i+5], init[i+6], init[i+7])
	if bytes.Contains(init, []byte("mp4a")) {
		codecs += ",mp4a.40.2" // we encode AAC-LC (audio object type 2) only
	}
	return codecs, nil
}

// FinalizePlaylist turns a finished rendition's EVENT playlist into VOD (a
// player may then seek anywhere and stops polling it). It fails when ffmpeg
// did not end the playlist.
func FinalizePlaylist(dir string) error {
	path := filepath.Join(dir, PlaylistName)
	pl, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Contains(pl, []byte("#EXT-X-ENDLIST")) {
		return fmt.Errorf("%s: not ended (#EXT-X-ENDLIST missing): the encode did not finish", path)
	}
	pl = bytes.Replace(pl, []byte("#EXT-X-PLAYLIST-TYPE:EVENT"), []byte("#EXT-X-PLAYLIST-TYPE:VOD"), 1)
	return writeFileAtomic(path, pl)
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// MasterPlaylist is the multivariant playlist listing renditions in the
// order given (lowest first: players start with the first).
func MasterPlaylist(renditions []Rendition) []byte {
	b := []byte("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	for _, r := range renditions {
		b = fmt.Appendf(b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,RESOLUTION=%dx%d,CODECS=%q\n%s/%s\n",
			r.Bandwidth, r.AverageBandwidth, r.Width, r.Height, r.Codecs, r.Name, PlaylistName)
	}
	return b
}

// FilterMaster keeps the variants of a master playlist whose RESOLUTION is at
// most maxHeight lines (a variant without RESOLUTION is kept); every other
// line stays as it is. A plan's limit is applied this way when serving.
func FilterMaster(master []byte, maxHeight int) []byte {
	var out bytes.Buffer
	out.Grow(len(master))
	dropNextURI := false
	for line := range strings.Lines(string(master)) {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "#EXT-X-STREAM-INF:"):
			dropNextURI = variantHeight(strings.TrimPrefix(trimmed, "#EXT-X-STREAM-INF:")) > maxHeight
			if dropNextURI {
				continue
			}
		case dropNextURI && trimmed != "" && !strings.HasPrefix(trimmed, "#"):
			dropNextURI = false
			continue
		case dropNextURI:
			continue // comments or blank lines between the tag and its URI
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

// variantHeight is the height in an attribute list's RESOLUTION=WxH: 0 when
// absent (kept), past any limit when unreadable (dropped: a plan's limit fails
// closed). Quoted values (CODECS="a,b") may hold commas, so the list is walked.
func variantHeight(attrs string) int {
	for attrs != "" {
		name, rest, ok := strings.Cut(attrs, "=")
		if !ok {
			return 0
		}
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return math.MaxInt
			}
			value, rest = rest[1:1+end], rest[2+end:]
			_, rest, _ = strings.Cut(rest, ",")
		} else {
			value, rest, _ = strings.Cut(rest, ",")
		}
		if strings.TrimSpace(name) == "RESOLUTION" {
			_, h, _ := strings.Cut(value, "x")
			if n, err := strconv.Atoi(h); err == nil && n > 0 {
				return n
			}
			return math.MaxInt
		}
		attrs = rest
	}
	return 0
}
