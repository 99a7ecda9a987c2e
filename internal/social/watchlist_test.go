package social_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

func (e *env) addMovie(title string) string {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	require.NoError(e.t, e.apply(social.ConsumerMovies, movieEvent(e.t, catalogapi.MovieCreated, id, title, 1, false)))
	return id
}

func (e *env) watchlist(token, query string) socialapi.WatchlistPage {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/me/watchlist"+query, token, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var p socialapi.WatchlistPage
	require.NoError(e.t, json.Unmarshal(r.Body, &p))
	return p
}

func listedTitles(p socialapi.WatchlistPage) []string {
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.Movie.Title)
	}
	return out
}

// TestWatchlist: PUT and DELETE are idempotent and emit an event only on a
// change; the list is the caller's own, newest first, paged; a deleted movie
// leaves it; unknown movies are 404.
func TestWatchlist(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		ann, bob := e.addUser("Ann"), e.addUser("Bob")
		heat, alien, jaws := e.addMovie("Heat"), e.addMovie("Alien"), e.addMovie("Jaws")

		put := func(u user, movie string) (int, socialapi.WatchlistItem) {
			r := e.call(http.MethodPut, "/api/me/watchlist/"+movie, u.token, nil)
			var it socialapi.WatchlistItem
			if r.Status == http.StatusOK {
				require.NoError(t, json.Unmarshal(r.Body, &it))
			}
			return r.Status, it
		}
		status, first := put(ann, heat)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, socialapi.WatchlistMovie{ID: heat, Title: "Heat"}, first.Movie, "no year, poster or ratings known yet")
		status, again := put(ann, heat)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, first, again, "the same answer, the first added_at")
		require.Equal(t, []string{socialapi.WatchlistAdded}, servicetest.EventTypes(e.outbox()), "one event for two PUTs")

		for _, m := range []string{alien, jaws} {
			status, _ := put(ann, m)
			require.Equal(t, http.StatusOK, status)
		}
		status, _ = put(bob, alien)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, []string{"Jaws", "Alien", "Heat"}, listedTitles(e.watchlist(ann.token, "")), "newest first")
		require.Equal(t, []string{"Alien"}, listedTitles(e.watchlist(bob.token, "")), "each user's own")

		page := e.watchlist(ann.token, "?limit=2")
		require.Equal(t, []string{"Jaws", "Alien"}, listedTitles(page))
		require.NotNil(t, page.NextCursor)
		require.Equal(t, []string{"Heat"}, listedTitles(e.watchlist(ann.token, "?limit=2&cursor="+*page.NextCursor)))

		// removing twice: one event
		before := len(e.outbox())
		for range 2 {
			require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/me/watchlist/"+alien, ann.token, nil).Status)
		}
		out := e.outbox()
		require.Len(t, out, before+1)
		require.Equal(t, socialapi.WatchlistRemoved, out[len(out)-1].Type)
		var ev socialapi.WatchlistEvent
		require.NoError(t, json.Unmarshal(out[len(out)-1].Data, &ev))
		require.Equal(t, socialapi.WatchlistEvent{UserID: ann.id, MovieID: alien, MovieTitle: "Alien", OnList: false, At: ev.At}, ev)
		require.Equal(t, []string{"Jaws", "Heat"}, listedTitles(e.watchlist(ann.token, "")))

		// the catalog deletes Jaws: it leaves every list
		require.NoError(t, e.apply(social.ConsumerMovies, movieEvent(t, catalogapi.MovieDeleted, jaws, "Jaws", 2, true)))
		require.Equal(t, []string{"Heat"}, listedTitles(e.watchlist(ann.token, "")))
		status, _ = put(ann, jaws)
		require.Equal(t, http.StatusNotFound, status, "a deleted movie cannot be added")

		status, _ = put(ann, uuid.NewString())
		require.Equal(t, http.StatusNotFound, status, "an unknown movie")
		status, _ = put(ann, "not-a-uuid")
		require.Equal(t, http.StatusNotFound, status)
		require.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/me/watchlist", "", nil).Status)
		require.Equal(t, http.StatusBadRequest, e.call(http.MethodGet, "/api/me/watchlist?cursor=garbage", ann.token, nil).Status)
	})
}

// TestWatchlistCards: each item carries what a movie card shows — year,
// poster and rating summary — from social's copy of the catalog's and the
// reviews' events, whichever arrives first; an older rating event changes
// nothing.
func TestWatchlistCards(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		ann := e.addUser("Ann")
		heat, alien := uuid.Must(uuid.NewV7()).String(), e.addMovie("Alien")
		rating := func(version int64, avg *float64, count int) events.Envelope {
			return servicetest.NewEnvelope(t, reviewsapi.Source, reviewsapi.MovieRatingChanged, heat,
				reviewsapi.RatingChangedEvent{MovieID: heat, Average: avg, Count: count, Version: version})
		}
		avg := 7.5
		// the rating is known before the movie itself
		require.NoError(t, e.apply(social.ConsumerRatings, rating(2, &avg, 2)))
		require.NoError(t, e.apply(social.ConsumerRatings, rating(1, nil, 0)), "an older summary")
		date, poster := "1995-12-15", "https://img.example/heat.jpg"
		now := time.Now().UTC()
		require.NoError(t, e.apply(social.ConsumerMovies, servicetest.NewEnvelope(t, catalogapi.Source, catalogapi.MovieCreated, heat,
			catalogapi.MovieEvent{ID: heat, Title: "Heat", ReleaseDate: &date, PosterURL: &poster, Version: 1, CreatedAt: now, UpdatedAt: now})))

		r := e.call(http.MethodPut, "/api/me/watchlist/"+heat, ann.token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var added socialapi.WatchlistItem
		require.NoError(t, json.Unmarshal(r.Body, &added))
		want := socialapi.WatchlistMovie{ID: heat, Title: "Heat", ReleaseDate: &date, PosterURL: &poster,
			RatingSummary: socialapi.WatchlistRating{Average: &avg, Count: 2}}
		require.Equal(t, want, added.Movie)
		require.Equal(t, http.StatusOK, e.call(http.MethodPut, "/api/me/watchlist/"+alien, ann.token, nil).Status)

		items := e.watchlist(ann.token, "").Items
		require.Len(t, items, 2)
		require.Equal(t, socialapi.WatchlistMovie{ID: alien, Title: "Alien"}, items[0].Movie, "nothing known but the title")
		require.Equal(t, want, items[1].Movie)
		// the wire shape: nulls, not missing fields
		r = e.call(http.MethodGet, "/api/me/watchlist", ann.token, nil)
		require.Contains(t, string(r.Body), `"release_date":null,"poster_url":null,"rating_summary":{"average":null,"count":0}`)
	})
}
