package reviews_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	var got []events.ConsumerConfig
	for _, s := range e.svc.Subscriptions() {
		require.NotNil(t, s.Handler)
		got = append(got, s.Config)
	}
	require.Equal(t, []events.ConsumerConfig{
		{Name: "reviews-movies", Stream: "CATALOG", FilterSubjects: []string{"catalog.movie.>"}},
		{Name: "reviews-authors", Stream: "IDENTITY", FilterSubjects: []string{"identity.user.>"}},
	}, got)
}

// TestMovieEventsInAnyOrder applies catalog events in every order that
// matters: the newest version always wins, whatever arrives last.
func TestMovieEventsInAnyOrder(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		order     []int // indexes into the history below
		wantTitle string
		wantShown bool
	}{
		"in order":                 {[]int{0, 1, 2, 3}, "Heat (restored)", true},
		"v2 then v1":               {[]int{1, 0}, "Heat 2", true},
		"deleted before created":   {[]int{2, 0, 1}, "", false},
		"restore before delete":    {[]int{0, 3, 2}, "Heat (restored)", true},
		"duplicates":               {[]int{0, 0, 1, 1, 2, 2}, "", false},
		"everything twice, mixed":  {[]int{3, 2, 1, 0, 3, 0}, "Heat (restored)", true},
		"only the update (no v1)":  {[]int{1}, "Heat 2", true},
		"created after the update": {[]int{1, 0}, "Heat 2", true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sqldb.SQLite)
			id := uuid.Must(uuid.NewV7()).String()
			history := []events.Envelope{
				movieEvent(t, catalogapi.MovieCreated, id, "Heat", 1, false),
				movieEvent(t, catalogapi.MovieUpdated, id, "Heat 2", 2, false),
				movieEvent(t, catalogapi.MovieDeleted, id, "Heat 2", 3, true),
				movieEvent(t, catalogapi.MovieRestored, id, "Heat (restored)", 4, false),
			}
			for _, i := range tc.order {
				require.NoError(t, e.apply(reviews.ConsumerMovies, history[i]))
			}
			r := e.call(http.MethodGet, "/api/movies/"+id+"/reviews", "", nil)
			if !tc.wantShown {
				require.Equal(t, http.StatusNotFound, r.Status)
				return
			}
			require.Equal(t, http.StatusOK, r.Status)
			u := e.addUser("Ann")
			require.Equal(t, tc.wantTitle, e.submit(u, id, 5, "").MovieTitle)
		})
	}
}

func TestBadEventsArePermanentFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	for _, tc := range []struct {
		consumer string
		ev       events.Envelope
	}{
		{reviews.ConsumerMovies, events.Envelope{ID: "x1", Type: catalogapi.MovieCreated, Data: []byte(`"not a movie"`)}},
		{reviews.ConsumerMovies, servicetest.NewEnvelope(t, catalogapi.Source, catalogapi.MovieUpdated, "m", map[string]any{"title": "no id"})},
		{reviews.ConsumerAuthors, events.Envelope{ID: "x2", Type: identityapi.UserUpdated, Data: []byte(`[]`)}},
		{reviews.ConsumerAuthors, servicetest.NewEnvelope(t, identityapi.Source, identityapi.UserUpdated, "u", map[string]any{"id": "u", "version": 0})},
	} {
		err := e.apply(tc.consumer, tc.ev)
		require.Error(t, err, "%s %s", tc.consumer, tc.ev.Type)
		require.True(t, events.IsPermanent(err), "%v", err)
	}
	// events of other types in the stream are acknowledged and ignored
	require.NoError(t, e.apply(reviews.ConsumerMovies, servicetest.NewEnvelope(t, catalogapi.Source, catalogapi.PersonCreated, "p", map[string]any{"id": "p"})))
}

// TestDeletedAccountsLoseTheirReviews: identity.user.deleted removes the
// user's reviews in the handler's transaction, with their events and the new
// summaries; a late older event does not bring the user back.
func TestDeletedAccountsLoseTheirReviews(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		heat, alien := e.addMovie("Heat"), e.addMovie("Alien")
		ann, bob := e.addUser("Ann"), e.addUser("Bob")
		r1 := e.submit(ann, heat, 10, "")
		r2 := e.submit(ann, alien, 2, "")
		e.submit(bob, heat, 4, "")
		before := len(e.outbox())

		deleted := userEvent(t, identityapi.UserDeleted, ann.id, "Ann", 2, true)
		require.NoError(t, e.apply(reviews.ConsumerAuthors, deleted))
		out := e.outbox()[before:]
		require.ElementsMatch(t, []string{reviewsapi.ReviewDeleted, reviewsapi.ReviewDeleted, reviewsapi.MovieRatingChanged, reviewsapi.MovieRatingChanged}, servicetest.EventTypes(out))
		summaries := map[string]reviewsapi.RatingChangedEvent{}
		for _, ev := range out {
			if ev.Type == reviewsapi.MovieRatingChanged {
				s := ratingOf(t, ev)
				summaries[s.MovieID] = s
			} else {
				r := reviewOf(t, ev)
				require.Contains(t, []string{r1.ID, r2.ID}, r.ID)
				require.Equal(t, int64(2), r.Version)
				require.NotNil(t, r.DeletedAt)
			}
		}
		require.Equal(t, 1, summaries[heat].Count)
		require.InDelta(t, 4.0, *summaries[heat].Average, 1e-9)
		require.Equal(t, 0, summaries[alien].Count)
		require.Nil(t, summaries[alien].Average)

		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/reviews/"+r1.ID, "", nil).Status)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/users/"+ann.id+"/reviews", "", nil).Status)
		require.Len(t, e.listPage("/api/movies/"+heat+"/reviews").Items, 1)

		// the same event again, or an older one late: nothing changes
		n := len(e.outbox())
		require.NoError(t, e.apply(reviews.ConsumerAuthors, deleted))
		require.NoError(t, e.apply(reviews.ConsumerAuthors, userEvent(t, identityapi.UserUpdated, ann.id, "Ann again", 1, false)))
		require.Len(t, e.outbox(), n)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/users/"+ann.id+"/reviews", "", nil).Status)
		// a token issued before the deletion cannot write any more
		r := e.call(http.MethodPost, "/api/movies/"+alien+"/reviews", ann.token, reviewsapi.ReviewWrite{Rating: 5})
		require.Equal(t, http.StatusForbidden, r.Status)
	})
}
