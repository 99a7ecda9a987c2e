package media

import (
	"context"
	"net/http"

	"github.com/marquee-dev/marquee/internal/media/mediaapi"
	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Routes registers the service's routes, each with its access rule: the tus
// upload routes (upload.go), the video's state and pictures, and the
// playback routes (playback.go).
func (s *Service) Routes(rt *httpx.Router) {
	s.uploadRoutes(rt)
	rt.Handle("GET /api/movies/{id}/video", auth.Public, s.handleVideo)
	rt.Handle("GET /api/videos/{id}/poster.jpg", auth.Public, s.handleVideoFile("poster.jpg"))
	rt.Handle("GET /api/videos/{id}/thumbnails.vtt", auth.Public, s.handleVideoFile("thumbnails.vtt"))
	rt.Handle("GET /api/videos/{id}/storyboard.jpg", auth.Public, s.handleVideoFile("storyboard.jpg"))
	s.playbackRoutes(rt)
}

func (s *Service) handleVideo(w http.ResponseWriter, r *http.Request) error {
	v, err := s.MovieVideo(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

// MovieVideo is what GET /api/movies/{id}/video answers: the video the movie
// plays (with the newer upload being processed as its replacement), or its
// newest upload while none is ready, or state none.
func (s *Service) MovieVideo(ctx context.Context, movieID string) (mediaapi.Video, error) {
	m, err := s.store.Movie(ctx, s.db, movieID)
	if err != nil || m.Deleted {
		return mediaapi.Video{}, apperr.NotFound("movie")
	}
	current, latest, err := s.store.MovieVideos(ctx, s.db, movieID)
	if err != nil {
		return mediaapi.Video{}, err
	}
	shown := current
	if shown == "" {
		shown = latest
	}
	if shown == "" {
		return mediaapi.Video{State: mediaapi.StateNone, Renditions: []mediaapi.Rendition{}}, nil
	}
	out, err := s.videoView(ctx, s.db, shown)
	if err != nil {
		return mediaapi.Video{}, err
	}
	if latest != shown {
		repl, err := s.videoView(ctx, s.db, latest)
		if err != nil {
			return mediaapi.Video{}, err
		}
		out.Replacement = &repl
	}
	return out, nil
}

func (s *Service) videoView(ctx context.Context, q sqldb.Querier, id string) (mediaapi.Video, error) {
	v, err := s.store.Video(ctx, q, id)
	if err != nil {
		return mediaapi.Video{}, err
	}
	out := mediaapi.Video{ID: &v.ID, State: v.State, Progress: v.Progress, Renditions: renditionsAPI(v.Renditions), UpdatedAt: &v.UpdatedAt}
	if v.DurationSeconds > 0 {
		out.DurationSeconds = &v.DurationSeconds
	}
	if v.SourceHeight > 0 {
		out.Source = &mediaapi.VideoSource{Width: v.SourceWidth, Height: v.SourceHeight, Codec: v.SourceCodec}
	}
	if v.HasPoster {
		u := "/api/videos/" + v.ID + "/poster.jpg"
		out.PosterURL = &u
	}
	if v.HasThumbnails {
		u := "/api/videos/" + v.ID + "/thumbnails.vtt"
		out.ThumbnailsURL = &u
	}
	if v.Error != "" {
		out.Error = &v.Error
	}
	return out, nil
}

func renditionsAPI(rs []store.Rendition) []mediaapi.Rendition {
	out := make([]mediaapi.Rendition, len(rs))
	for i, r := range rs {
		out[i] = mediaapi.Rendition{Height: r.Height, Width: r.Width, Bandwidth: r.Bandwidth, Codecs: r.Codecs}
	}
	return out
}

// handleVideoFile serves one of a video's pictures from Storage.
func (s *Service) handleVideoFile(name string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.store.Video(r.Context(), s.db, r.PathValue("id"))
		if err != nil {
			return apperr.NotFound("video")
		}
		has := v.HasThumbnails
		if name == "poster.jpg" {
			has = v.HasPoster
		}
		if !has {
			return apperr.NotFound(name)
		}
		return s.serveFile(w, r, v.StoragePrefix+name)
	}
}
