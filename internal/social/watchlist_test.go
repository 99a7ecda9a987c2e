package social_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
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
	for _, engine := range sqldbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
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
			require.Equal(t, socialapi.WatchlistMovie{ID: heat, Title: "Heat"}, first.Movie)
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
}
