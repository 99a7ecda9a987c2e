package media

import (
	"errors"
	"net/http"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// uploadRoutes registers the tus routes (placeholder: 501 until the tusd handler lands).
func (s *Service) uploadRoutes(rt *httpx.Router) {
	notYet := func(http.ResponseWriter, *http.Request) error {
		return &httpx.StatusError{Status: http.StatusNotImplemented, Detail: "Uploads are not available yet.", Err: errNotImplemented}
	}
	rt.Handle("POST /api/movies/{id}/uploads", auth.Admin, notYet)
	rt.Handle("HEAD /api/uploads/{id}", auth.Admin, notYet)
	rt.Handle("PATCH /api/uploads/{id}", auth.Admin, notYet)
	rt.Handle("DELETE /api/uploads/{id}", auth.Admin, notYet)
}

func (s *Service) serveFile(w http.ResponseWriter, r *http.Request, key string) error {
	return &httpx.StatusError{Status: http.StatusNotImplemented, Detail: "Storage is not wired yet.", Err: errNotImplemented}
}

var errNotImplemented = errors.New("not implemented")
