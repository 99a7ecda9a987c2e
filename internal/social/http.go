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

func (s *Service) handleFollowers(w http.ResponseWriter, r *http.Request) error {
	return s.followList(w, r, s.Followers)
}

func (s *Service) handleFollowing(w http.ResponseWriter, r *http.Request) error {
	return s.followList(w, r, s.Following)
}

func (s *Service) followList(w http.ResponseWriter, r *http.Request,
	list func(ctx context.Context, userID string, after *store.Position, limit int) ([]socialapi.Follow, error)) error {
	return httpx.ServeNewestFirst(w, r, func(after *sqldb.Position, limit int) ([]socialapi.Follow, error) {
		return list(r.Context(), r.PathValue("id"), after, limit)
	}, func(last socialapi.Follow) sqldb.Position { return sqldb.Position{At: last.FollowedAt, ID: last.ID} })
}

func (s *Service) handleFeed(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	return httpx.ServeNewestFirst(w, r, func(after *sqldb.Position, limit int) ([]socialapi.FeedItem, error) {
		return s.Feed(r.Context(), caller.UserID, after, limit)
	}, func(last socialapi.FeedItem) sqldb.Position { return sqldb.Position{At: last.CreatedAt, ID: last.ID} })
}
