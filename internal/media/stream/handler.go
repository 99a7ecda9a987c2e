package stream

import (
	"context"
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/media/storage"
	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Files is what the handler needs of media's storage (storage.Storage has it).
type Files interface {
	Read(ctx context.Context, key string) ([]byte, error)
	Serve(w http.ResponseWriter, r *http.Request, key string)
}

// Handler serves the files of the token's video: the master playlist cut to
// the token's height, media playlists, init segments, segments and the
// storyboard. Relative URLs in the playlists resolve under the same token prefix.
type Handler struct {
	gate  *Gate
	files Files
	// prefix is where a video's files are kept (its storage prefix, which
	// never changes): the one lookup the token does not carry, cached by the caller.
	prefix func(ctx context.Context, videoID uuid.UUID) (string, error)
}

// NewHandler returns the /stream handler.
func NewHandler(gate *Gate, files Files, prefix func(context.Context, uuid.UUID) (string, error)) *Handler {
	return &Handler{gate: gate, files: files, prefix: prefix}
}

// The handler's routes: a file at the top of the video (the master, the
// storyboard) and a file of a rendition folder ("720p/seg_00001.m4s").
// Two patterns rather than one {path...} so that the OpenAPI document (by
// which the gateway routes) can state them.
const (
	TopPattern       = "GET /stream/{token}/{file}"
	RenditionPattern = "GET /stream/{token}/{rendition}/{file}"
)

// Cache lifetimes: a video's files never change once written (a new upload
// is a new video id), but the master grows as renditions complete. Private:
// the URL carries a token that may be revoked.
const (
	immutableCache = "private, max-age=31536000, immutable"
	playlistCache  = "private, max-age=2"
)

// MasterName is the master playlist's file name, manifest_url's last segment.
const MasterName = "master.m3u8"

// ServeHTTP is the routes' handler: authorised by the token alone.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	claims, err := h.gate.Check(r.PathValue("token"))
	if err != nil {
		httpx.Error(w, r, apperr.Forbidden("the stream link is not valid (bad, expired or revoked); start playback again").WithCause(err))
		return
	}
	rel, dir := r.PathValue("file"), r.PathValue("rendition")
	reason := ""
	if strings.Contains(rel, "/") || strings.Contains(dir, "/") { // an escaped slash: not a path of the layout
		reason = "the path is not a file of this video"
	} else if dir != "" {
		rel = dir + "/" + rel
	}
	if reason == "" {
		reason = allowed(rel, claims.MaxHeight)
	}
	if reason != "" {
		httpx.Error(w, r, apperr.Forbidden(reason))
		return
	}
	if h.files == nil {
		httpx.Error(w, r, apperr.Unavailable("this process keeps no media files"))
		return
	}
	prefix, err := h.prefix(r.Context(), claims.VideoID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	key := prefix + rel
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
	case errors.Is(err, storage.ErrNotFound):
		httpx.Error(w, r, apperr.NotFound("the video"))
		return
	case err != nil:
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", playlistCache)
	_, _ = w.Write(transcode.FilterMaster(master, claims.MaxHeight))
}

// The files a player may fetch: pictures and playlists at the top of the
// video, playlists and media in rendition folders; anything else under the
// video's prefix (or outside it) is refused.
var (
	topTypes       = map[string]bool{".m3u8": true, ".vtt": true, ".jpg": true}
	renditionTypes = map[string]bool{".m3u8": true, ".mp4": true, ".m4s": true}
)

// allowed says why a path may not be fetched with a token of maxHeight, or "".
func allowed(rel string, maxHeight int) string {
	const outside = "the path is not a file of this video"
	for _, c := range rel {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/') {
			return outside
		}
	}
	dir, file, nested := strings.Cut(rel, "/")
	if !nested {
		dir, file = "", rel
	}
	if file == "" || strings.HasPrefix(file, ".") || strings.Contains(file, "/") {
		return outside
	}
	if !nested {
		if !topTypes[path.Ext(file)] {
			return outside
		}
		return ""
	}
	height, err := strconv.Atoi(strings.TrimSuffix(dir, "p"))
	if err != nil || height <= 0 || strconv.Itoa(height)+"p" != dir || !renditionTypes[path.Ext(file)] {
		return outside
	}
	if height > maxHeight {
		return "the rendition " + dir + " is above the plan's height"
	}
	return ""
}
