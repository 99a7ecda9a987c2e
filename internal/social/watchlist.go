package social

import (
	"context"
	"errors"
	"net/http"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
	"github.com/marquee-dev/marquee/internal/social/store"
)

// The watchlist ("My list") lives here, beside follows: both are a user's own
// relations to other things, and social already keeps the catalog's movies
// (titles, deletions) from its events, so a list shows titles and drops
// deleted movies without asking the catalog. It also keeps what a movie card
// shows (year, poster, and the rating summary from the reviews' events), so
// the web app's "My list" row needs no other call.

func movieNotFound() error {
	return apperr.NotFound("movie").WithCause(store.ErrNotFound)
}

// AddToWatchlist puts a movie on the user's list. Idempotent: a movie already
// on it stays with its first added_at and nothing is emitted. An unknown or
// deleted movie is a 404. A change emits social.watchlist.added in the same
// transaction.
func (s *Service) AddToWatchlist(ctx context.Context, userID, movieID string) (socialapi.WatchlistItem, error) {
	if !httpx.IsUUID(movieID) {
		return socialapi.WatchlistItem{}, movieNotFound()
	}
	var out socialapi.WatchlistItem
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		m, err := s.store.GetMovie(ctx, tx, movieID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && m.Deleted) {
			return movieNotFound()
		}
		if err != nil {
			return err
		}
		at, added, err := s.store.AddToWatchlist(ctx, tx, userID, movieID, s.now())
		if err != nil {
			return err
		}
		if out, err = s.store.WatchlistEntry(ctx, tx, userID, movieID); err != nil || !added {
			return err
		}
		return s.emitWatchlist(ctx, tx, socialapi.WatchlistEvent{UserID: userID, MovieID: movieID, MovieTitle: m.Title, OnList: true, At: at})
	})
	return out, err
}

// RemoveFromWatchlist takes a movie off the user's list. Idempotent: a movie
// not on it changes nothing and emits nothing.
func (s *Service) RemoveFromWatchlist(ctx context.Context, userID, movieID string) error {
	if !httpx.IsUUID(movieID) {
		return movieNotFound()
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		removed, err := s.store.RemoveFromWatchlist(ctx, tx, userID, movieID)
		if err != nil || !removed {
			return err
		}
		title := ""
		if m, err := s.store.GetMovie(ctx, tx, movieID); err == nil {
			title = m.Title
		}
		return s.emitWatchlist(ctx, tx, socialapi.WatchlistEvent{UserID: userID, MovieID: movieID, MovieTitle: title, OnList: false, At: s.now()})
	})
}

// Watchlist returns up to limit movies of the user's list, newest first.
func (s *Service) Watchlist(ctx context.Context, userID string, after *store.Position, limit int) ([]socialapi.WatchlistItem, error) {
	return s.store.Watchlist(ctx, s.db, userID, after, limit)
}

func (s *Service) emitWatchlist(ctx context.Context, tx *sqldb.Tx, ev socialapi.WatchlistEvent) error {
	typ := socialapi.WatchlistAdded
	if !ev.OnList {
		typ = socialapi.WatchlistRemoved
	}
	env, err := events.New(socialapi.Source, typ, ev.UserID+":"+ev.MovieID, ev)
	if err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, env)
}

func (s *Service) handleAddToWatchlist(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	it, err := s.AddToWatchlist(r.Context(), caller.UserID, r.PathValue("movie_id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, it)
	return nil
}

func (s *Service) handleRemoveFromWatchlist(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	if err := s.RemoveFromWatchlist(r.Context(), caller.UserID, r.PathValue("movie_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleWatchlist(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	return httpx.ServeNewestFirst(w, r, func(after *sqldb.Position, limit int) ([]socialapi.WatchlistItem, error) {
		return s.Watchlist(r.Context(), caller.UserID, after, limit)
	}, func(last socialapi.WatchlistItem) sqldb.Position {
		return sqldb.Position{At: last.AddedAt, ID: last.Movie.ID}
	})
}
