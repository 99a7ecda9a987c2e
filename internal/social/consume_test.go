package social_test

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
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
		{Name: "social-users", Stream: "IDENTITY", FilterSubjects: []string{"identity.user.>"}},
		{Name: "social-reviews", Stream: "REVIEWS", FilterSubjects: []string{"reviews.review.>"}},
		{Name: "social-movies", Stream: "CATALOG", FilterSubjects: []string{"catalog.movie.>"}},
		{Name: "social-ratings", Stream: "REVIEWS", FilterSubjects: []string{"reviews.movie.rating_changed"}},
	}, got)
}

// TestReviewEventsInAnyOrder: whatever order a review's events arrive in, and
// however often, the feed shows its newest version, or nothing once deleted.
func TestReviewEventsInAnyOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	me, ann := e.addUser("Me"), e.addUser("Ann")
	e.follow(me, ann)
	for name, tc := range map[string]struct {
		order    []int
		wantBody string // "" for not shown
	}{
		"in order":                {[]int{0, 1}, "v2"},
		"v2 then v1":              {[]int{1, 0}, "v2"},
		"duplicates":              {[]int{0, 0, 1, 1, 0}, "v2"},
		"deleted last":            {[]int{0, 1, 2}, ""},
		"deleted first":           {[]int{2, 0, 1}, ""},
		"deleted in the middle":   {[]int{1, 2, 0}, ""},
		"only the update arrives": {[]int{1}, "v2"},
	} {
		t.Run(name, func(t *testing.T) {
			at := time.Now().UTC().Truncate(time.Microsecond)
			base := reviewsapi.ReviewEvent{ID: uuid.Must(uuid.NewV7()).String(), MovieID: uuid.NewString(), AuthorID: ann.id,
				AuthorDisplayName: "Ann", Rating: 5, Body: "v1", Version: 1, CreatedAt: at, UpdatedAt: at}
			v2 := base
			v2.Version, v2.Body, v2.Rating = 2, "v2", 9
			v3 := v2
			v3.Version = 3
			history := []events.Envelope{
				reviewEvent(t, reviewsapi.ReviewSubmitted, base),
				reviewEvent(t, reviewsapi.ReviewUpdated, v2),
				reviewEvent(t, reviewsapi.ReviewDeleted, v3),
			}
			for _, i := range tc.order {
				require.NoError(t, e.apply(social.ConsumerReviews, history[i]))
			}
			var found *socialapi.FeedItem
			for _, it := range e.feed(me.token, "?limit=100").Items {
				if it.ID == base.ID {
					found = &it
				}
			}
			if tc.wantBody == "" {
				require.Nil(t, found)
				return
			}
			require.NotNil(t, found)
			require.Equal(t, tc.wantBody, found.Body)
			require.Equal(t, 9, found.Rating)
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
		{social.ConsumerUsers, events.Envelope{ID: "x1", Type: identityapi.UserUpdated, Data: []byte(`"nope"`)}},
		{social.ConsumerUsers, servicetest.NewEnvelope(t, identityapi.Source, identityapi.UserUpdated, "u", map[string]any{"display_name": "no id"})},
		{social.ConsumerReviews, events.Envelope{ID: "x2", Type: reviewsapi.ReviewSubmitted, Data: []byte(`[]`)}},
		{social.ConsumerReviews, servicetest.NewEnvelope(t, reviewsapi.Source, reviewsapi.ReviewSubmitted, "r", map[string]any{"id": "r", "version": 1})},
		{social.ConsumerMovies, servicetest.NewEnvelope(t, catalogapi.Source, catalogapi.MovieCreated, "m", map[string]any{"id": "m"})},
	} {
		err := e.apply(tc.consumer, tc.ev)
		require.Error(t, err, "%s %s", tc.consumer, tc.ev.Type)
		require.True(t, events.IsPermanent(err), "%v", err)
	}
	require.NoError(t, e.apply(social.ConsumerReviews, servicetest.NewEnvelope(t, reviewsapi.Source, reviewsapi.MovieRatingChanged, "m", map[string]any{"movie_id": "m"})),
		"other event types are acknowledged and ignored")
}

// TestDeletedAccountsEndTheirFollows: identity.user.deleted ends every follow
// the account is part of, each with its event, and the others' counts drop.
func TestDeletedAccountsEndTheirFollows(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		gone, ann, bob, cy := e.addUser("Gone"), e.addUser("Ann"), e.addUser("Bob"), e.addUser("Cy")
		e.follow(gone, ann)
		e.follow(gone, bob)
		e.follow(cy, gone)
		e.follow(ann, bob) // unrelated
		e.review(gone, uuid.NewString(), 1)
		e.follow(ann, gone)
		require.Len(t, e.feed(ann.token, "").Items, 1)
		before := len(e.outbox())

		deleted := userEvent(t, identityapi.UserDeleted, gone.id, "Gone", 2, true)
		require.NoError(t, e.apply(social.ConsumerUsers, deleted))
		out := e.outbox()[before:]
		require.Len(t, out, 4)
		ended := map[string]socialapi.FollowEvent{}
		for _, ev := range out {
			require.Equal(t, socialapi.FollowDeleted, ev.Type)
			f := followOf(t, ev)
			require.NotNil(t, f.DeletedAt)
			ended[f.FollowerID+">"+f.FolloweeID] = f
		}
		require.Contains(t, ended, gone.id+">"+ann.id)
		require.Contains(t, ended, cy.id+">"+gone.id)
		f := ended[gone.id+">"+bob.id]
		require.Equal(t, 0, f.FollowerFollowingCount)
		require.Equal(t, 0, f.FollowerFollowersCount)
		require.Equal(t, 1, f.FolloweeFollowersCount, "bob keeps ann")

		require.Empty(t, e.feed(ann.token, "").Items, "a deleted user's reviews leave the feed")
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/users/"+gone.id+"/followers", "", nil).Status)
		require.Empty(t, e.list("/api/users/"+cy.id+"/following").Items)
		for _, u := range []user{ann, bob, cy} {
			c, err := e.svc.Counts(e.ctx, u.id)
			require.NoError(t, err)
			switch u {
			case ann:
				require.Equal(t, [2]int{0, 1}, [2]int{c.FollowersCount, c.FollowingCount})
			case bob:
				require.Equal(t, [2]int{1, 0}, [2]int{c.FollowersCount, c.FollowingCount})
			case cy:
				require.Equal(t, [2]int{0, 0}, [2]int{c.FollowersCount, c.FollowingCount})
			}
		}

		// again, or an older event late: nothing more happens
		n := len(e.outbox())
		require.NoError(t, e.apply(social.ConsumerUsers, deleted))
		require.NoError(t, e.apply(social.ConsumerUsers, userEvent(t, identityapi.UserUpdated, gone.id, "Back?", 1, false)))
		require.Len(t, e.outbox(), n)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodPut, "/api/users/"+gone.id+"/follow", ann.token, nil).Status)
	})
}

// TestCountsRuleSurvivesAnyOrder plays the identity service: it applies the
// follow events' counts with the documented rule (per user, keep the highest
// counts_version) in a shuffled order with duplicates, and ends with the
// service's own counts.
func TestCountsRuleSurvivesAnyOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	users := make([]user, 6)
	for i := range users {
		users[i] = e.addUser(string(rune('A' + i)))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		a, b := users[rng.IntN(len(users))], users[rng.IntN(len(users))]
		if a == b {
			continue
		}
		if rng.IntN(3) == 0 {
			require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/users/"+b.id+"/follow", a.token, nil).Status)
		} else {
			e.follow(a, b)
		}
	}
	out := e.outbox()
	out = append(out, out[:10]...) // duplicates
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	profiles := map[string]socialapi.UserCounts{}
	for _, ev := range out {
		for _, c := range followOf(t, ev).Counts() {
			if c.CountsVersion > profiles[c.UserID].CountsVersion {
				profiles[c.UserID] = c
			}
		}
	}
	for _, u := range users {
		want, err := e.svc.Counts(e.ctx, u.id)
		require.NoError(t, err)
		require.Equal(t, want, profiles[u.id], u.name)
		followers := len(e.list("/api/users/" + u.id + "/followers?limit=100").Items)
		following := len(e.list("/api/users/" + u.id + "/following?limit=100").Items)
		require.Equal(t, [2]int{followers, following}, [2]int{want.FollowersCount, want.FollowingCount}, "counts match the lists")
	}
}
