package social

import (
	"context"
	"net/http"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
	"github.com/marquee-dev/marquee/internal/social/store"
)

// Routes registers the social HTTP API on rt. Follow lists are open to
// anyone; following and the feed need a signed-in user (who always acts as
// themselves).
func (s *Service) Routes(rt *httpx.Router) {
	rt.Handle("PUT /api/users/{id}/follow", auth.Signed, s.handleFollow)
	rt.Handle("DELETE /api/users/{id}/follow", auth.Signed, s.handleUnfollow)
	rt.Handle("GET /api/users/{id}/followers", auth.Public, s.handleFollowers)
	rt.Handle("GET /api/users/{id}/following", auth.Public, s.handleFollowing)
	rt.Handle("GET /api/feed", auth.Signed, s.handleFeed)
	rt.Handle("GET /api/me/watchlist", auth.Signed, s.handleWatchlist)
	rt.Handle("PUT /api/me/watchlist/{movie_id}", auth.Signed, s.handleAddToWatchlist)
	rt.Handle("DELETE /api/me/watchlist/{movie_id}", auth.Signed, s.handleRemoveFromWatchlist)
}

func (s *Service) handleFollow(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	f, err := s.Follow(r.Context(), caller.UserID, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, f)
	return nil
}

func (s *Service) handleUnfollow(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	if err := s.Unfollow(r.Context(), caller.UserID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listCursor is the position in a newest-first list, opaque to clients.
type listCursor struct {
	At string `json:"t"`
	ID string `json:"i"`
}

// readPage reads ?limit= and ?cursor=.
func readPage(r *http.Request) (limit int, after *store.Position, err error) {
	if limit, err = httpx.ParseLimit(r); err != nil {
		return 0, nil, err
	}
	var c listCursor
	ok, err := httpx.DecodeCursor(r, &c)
	if err != nil || !ok {
		return limit, nil, err
	}
	t, perr := sqldb.ParseTime(c.At)
	if perr != nil || c.ID == "" {
		return 0, nil, httpx.Invalid(http.StatusBadRequest, "cursor", "is not a cursor this list gave out")
	}
	return limit, &store.Position{At: t, ID: c.ID}, nil
}

func (s *Service) handleFollowers(w http.ResponseWriter, r *http.Request) error {
	return s.followList(w, r, s.Followers)
}

func (s *Service) handleFollowing(w http.ResponseWriter, r *http.Request) error {
	return s.followList(w, r, s.Following)
}

func (s *Service) followList(w http.ResponseWriter, r *http.Request,
	list func(ctx context.Context, userID string, after *store.Position, limit int) ([]socialapi.Follow, error)) error {
	limit, after, err := readPage(r)
	if err != nil {
		return err
	}
	items, err := list(r.Context(), r.PathValue("id"), after, limit+1)
	if err != nil {
		return err
	}
	page, err := httpx.NewPage(items, limit, func(last socialapi.Follow) any {
		return listCursor{At: sqldb.FormatTime(last.FollowedAt), ID: last.ID}
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, socialapi.FollowPage{Items: page.Items, NextCursor: page.NextCursor})
	return nil
}

func (s *Service) handleFeed(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	limit, after, err := readPage(r)
	if err != nil {
		return err
	}
	items, err := s.Feed(r.Context(), caller.UserID, after, limit+1)
	if err != nil {
		return err
	}
	page, err := httpx.NewPage(items, limit, func(last socialapi.FeedItem) any {
		return listCursor{At: sqldb.FormatTime(last.CreatedAt), ID: last.ID}
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, socialapi.FeedPage{Items: page.Items, NextCursor: page.NextCursor})
	return nil
}
