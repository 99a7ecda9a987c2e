package media

import (
	"errors"
	"net/http"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// playbackRoutes registers play, heartbeat, end and continue-watching.
// Placeholder until playback.go (the playback work) replaces this file:
// each answers 501.
func (s *Service) playbackRoutes(rt *httpx.Router) {
	notYet := func(http.ResponseWriter, *http.Request) error {
		return &httpx.StatusError{Status: http.StatusNotImplemented, Detail: "Playback is not available yet.", Err: errNotImplemented}
	}
	rt.Handle("POST /api/movies/{id}/play", auth.Signed, notYet)
	rt.Handle("PUT /api/playback/{id}", auth.Signed, notYet)
	rt.Handle("DELETE /api/playback/{id}", auth.Signed, notYet)
	rt.Handle("GET /api/me/continue-watching", auth.Signed, notYet)
}

var errNotImplemented = errors.New("not implemented")
