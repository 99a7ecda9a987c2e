package stream

import (
	"context"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Files is what the handler needs of media's storage (storage.Storage has it).
type Files interface {
	Read(ctx context.Context, key string) ([]byte, error)
	Serve(w http.ResponseWriter, r *http.Request, key string)
}

// Handler serves GET /stream/{token}/{path...}: the files of the token's
// video under videos/<video_id>/, the master playlist cut to the token's
// height. Relative URLs in the playlists resolve under the same token prefix.
type Handler struct {
	gate  *Gate
	files Files
	// filterMaster drops the renditions of a master playlist above a height.
	filterMaster func(master []byte, maxHeight int) []byte
	// isNotFound tells a missing file from a failing storage.
	isNotFound func(error) bool
}

// NewHandler returns the /stream handler.
func NewHandler(gate *Gate, files Files, filterMaster func([]byte, int) []byte, isNotFound func(error) bool) *Handler {
	return &Handler{gate: gate, files: files, filterMaster: filterMaster, isNotFound: isNotFound}
}

// Pattern is the handler's route.
const Pattern = "GET /stream/{token}/{path...}"

// Cache lifetimes: a video's files never change once written (a new upload
// is a new video id), but the master grows as renditions complete. Private:
// the URL carries a token that may be revoked.
const (
	immutableCache = "private, max-age=31536000, immutable"
	playlistCache  = "private, max-age=2"
)

// MasterName is the master playlist's file name, manifest_url's last segment.
const MasterName = "master.m3u8"

// ServeHTTP is the route's handler: authorised by the token alone.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	claims, err := h.gate.Check(r.PathValue("token"))
	if err != nil {
		httpx.Error(w, r, apperr.Forbidden("the stream link is not valid (bad, expired or revoked); start playback again").WithCause(err))
		return
	}
	rel := r.PathValue("path")
	if reason := h.allowed(rel, claims.MaxHeight); reason != "" {
		httpx.Error(w, r, apperr.Forbidden(reason))
		return
	}
	key := "videos/" + claims.VideoID.String() + "/" + rel
	if rel != MasterName {
		if strings.HasSuffix(rel, ".m3u8") {
			w.Header().Set("Cache-Control", playlistCache)
		} else {
			w.Header().Set("Cache-Control", immutableCache)
		}
		h.files.Serve(w, r, key)
		return
	}
	master, err := h.files.Read(r.Context(), key)
	switch {
	case h.isNotFound(err):
		httpx.Error(w, r, apperr.NotFound("the video"))
		return
	case err != nil:
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", playlistCache)
	_, _ = w.Write(h.filterMaster(master, claims.MaxHeight))
}

// fileTypes are the files of a video a player may fetch; anything else
// under the video's prefix (or outside it) is refused.
var fileTypes = map[string]bool{".m3u8": true, ".mp4": true, ".m4s": true, ".vtt": true, ".jpg": true}

// allowed says why a path may not be fetched with a token of maxHeight, or "".
// Paths are the master and the storyboard at the top, and the files of a
// rendition folder "<height>p/".
func (h *Handler) allowed(rel string, maxHeight int) string {
	const outside = "the path is not a file of this video"
	if rel == "" || path.Clean(rel) != rel || strings.HasPrefix(rel, "/") || strings.HasPrefix(path.Base(rel), ".") || !fileTypes[path.Ext(rel)] {
		return outside
	}
	for _, c := range rel {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/') {
			return outside
		}
	}
	dir, file, nested := strings.Cut(rel, "/")
	if !nested {
		return ""
	}
	if strings.Contains(file, "/") {
		return outside
	}
	height, err := strconv.Atoi(strings.TrimSuffix(dir, "p"))
	if err != nil || !strings.HasSuffix(dir, "p") || height <= 0 || strconv.Itoa(height)+"p" != dir {
		return outside
	}
	if height > maxHeight {
		return "the rendition " + dir + " is above the plan's height"
	}
	return ""
}
