package social_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	c, err := checker()
	require.NoError(t, err, "the OpenAPI document is valid")
	e := newEnv(t, sqldb.SQLite)
	access := map[string]auth.Access{
		"PUT /api/users/{id}/follow":          auth.Signed,
		"DELETE /api/users/{id}/follow":       auth.Signed,
		"GET /api/users/{id}/followers":       auth.Public,
		"GET /api/users/{id}/following":       auth.Public,
		"GET /api/feed":                       auth.Signed,
		"GET /api/me/watchlist":               auth.Signed,
		"PUT /api/me/watchlist/{movie_id}":    auth.Signed,
		"DELETE /api/me/watchlist/{movie_id}": auth.Signed,
	}
	servicetest.RequireRoutesMatchDocument(t, e.router.Routes(), c, access)

	// the gateway merges components and refuses differing definitions
	ours := servicetest.RequireSameComponents(t, social.OpenAPI, "../catalog/openapi.json", "../identity/openapi.json", "../reviews/openapi.json")
	for _, name := range []string{"Problem", "FieldError", "Follow", "FollowPage", "FeedItem", "FeedPage"} {
		require.Contains(t, ours["schemas"], name)
	}
	require.Contains(t, ours["securitySchemes"], "bearerAuth")
}

// TestFollowIsIdempotent: following twice answers the same and emits one
// event; unfollowing twice too; counts and versions in the events.
func TestFollowIsIdempotent(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		ann, bob := e.addUser("Ann"), e.addUser("Bob")

		first := e.follow(ann, bob)
		require.Equal(t, bob.id, first.ID)
		require.Equal(t, "Bob", first.DisplayName)
		require.Equal(t, first, e.follow(ann, bob), "the same answer the second time")
		out := e.outbox()
		require.Equal(t, []string{socialapi.FollowCreated}, servicetest.EventTypes(out), "one event for two PUTs")
		ev := followOf(t, out[0])
		require.Equal(t, socialapi.FollowEvent{FollowerID: ann.id, FolloweeID: bob.id, Version: 1, FollowedAt: first.FollowedAt,
			FollowerFollowingCount: 1, FollowerCountsVersion: 1, FolloweeFollowersCount: 1, FolloweeCountsVersion: 1}, ev)

		e.follow(bob, ann)
		ev = followOf(t, e.outbox()[1])
		require.Equal(t, 1, ev.FollowerFollowersCount, "bob is followed by ann")
		require.Equal(t, 1, ev.FollowerFollowingCount)
		require.Equal(t, int64(2), ev.FollowerCountsVersion)
		require.Equal(t, int64(2), ev.FolloweeCountsVersion)

		for range 2 {
			r := e.call(http.MethodDelete, "/api/users/"+bob.id+"/follow", ann.token, nil)
			require.Equal(t, http.StatusNoContent, r.Status)
		}
		out = e.outbox()
		require.Equal(t, []string{socialapi.FollowCreated, socialapi.FollowCreated, socialapi.FollowDeleted}, servicetest.EventTypes(out))
		ev = followOf(t, out[2])
		require.NotNil(t, ev.DeletedAt)
		require.Equal(t, int64(2), ev.Version)
		require.Equal(t, 0, ev.FollowerFollowingCount)
		require.Equal(t, 1, ev.FollowerFollowersCount)
		require.Equal(t, 0, ev.FolloweeFollowersCount)
		require.Equal(t, 1, ev.FolloweeFollowingCount)

		again := e.follow(ann, bob)
		require.True(t, again.FollowedAt.After(first.FollowedAt), "a new follow")
		require.Equal(t, int64(3), followOf(t, e.outbox()[3]).Version)

		counts, err := e.svc.Counts(e.ctx, bob.id)
		require.NoError(t, err)
		require.Equal(t, socialapi.UserCounts{UserID: bob.id, FollowersCount: 1, FollowingCount: 1, CountsVersion: 4}, counts)
	})
}

func TestFollowRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann, gone := e.addUser("Ann"), e.addUser("Gone")
	require.NoError(t, e.apply(social.ConsumerUsers, userEvent(t, identityapi.UserDeleted, gone.id, "Gone", 2, true)))

	r := e.call(http.MethodPut, "/api/users/"+ann.id+"/follow", ann.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	p := r.Problem(t)
	require.Equal(t, "id", p.Errors[0].Field)

	for name, path := range map[string]string{
		"unknown":   "/api/users/" + uuid.NewString() + "/follow",
		"not an id": "/api/users/nobody/follow",
		"deleted":   "/api/users/" + gone.id + "/follow",
	} {
		r := e.call(http.MethodPut, path, ann.token, nil)
		require.Equal(t, http.StatusNotFound, r.Status, name)
		r.Problem(t)
	}
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodPut, "/api/users/"+gone.id+"/follow", "", nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodDelete, "/api/users/"+gone.id+"/follow", "", nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/feed", "", nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/feed", "garbage", nil).Status)
	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/users/"+uuid.NewString()+"/follow", ann.token, nil).Status,
		"unfollowing someone never followed is a no-op")
	require.Equal(t, http.StatusNotFound, e.call(http.MethodDelete, "/api/users/nobody/follow", ann.token, nil).Status)
	for _, path := range []string{"/api/users/" + uuid.NewString() + "/followers", "/api/users/" + gone.id + "/following", "/api/users/x/followers"} {
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, path, "", nil).Status, path)
	}
	r = e.call(http.MethodGet, "/api/users/"+ann.id+"/followers?limit=101", "", nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "limit", r.Problem(t).Errors[0].Field)
	r = e.call(http.MethodGet, "/api/feed?cursor=AAAA", ann.token, nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "cursor", r.Problem(t).Errors[0].Field)
	require.Empty(t, e.outbox(), "refusals emit nothing")

	// a deleted account cannot follow any more
	r = e.call(http.MethodPut, "/api/users/"+ann.id+"/follow", gone.token, nil)
	require.Equal(t, http.StatusForbidden, r.Status)

	// someone identity has not told us about yet may follow: the token proves the account
	early := e.minter.User(t)
	r = e.call(http.MethodPut, "/api/users/"+ann.id+"/follow", early, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	followers := e.list("/api/users/" + ann.id + "/followers")
	require.Len(t, followers.Items, 1)
	require.Equal(t, "", followers.Items[0].DisplayName, "no name until identity's event arrives")
}

func TestFollowListsArePaginatedNewestFirst(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		star := e.addUser("Star")
		var want []string
		for i := range 13 {
			fan := e.addUser(fmt.Sprint("Fan ", i))
			e.follow(fan, star)
			e.follow(star, fan)
			want = append([]string{fan.id}, want...)
		}
		for _, which := range []string{"followers", "following"} {
			var got []string
			path := "/api/users/" + star.id + "/" + which + "?limit=5"
			for pages := 1; ; pages++ {
				require.LessOrEqual(t, pages, 3)
				p := e.list(path)
				for _, f := range p.Items {
					got = append(got, f.ID)
				}
				if p.NextCursor == nil {
					break
				}
				path = "/api/users/" + star.id + "/" + which + "?limit=5&cursor=" + *p.NextCursor
			}
			require.Equal(t, want, got, which)
		}
		// a rename shows at once
		require.NoError(t, e.apply(social.ConsumerUsers, userEvent(t, identityapi.UserUpdated, want[0], "Renamed", 2, false)))
		require.Equal(t, "Renamed", e.list("/api/users/" + star.id + "/followers?limit=1").Items[0].DisplayName)
	})
}

// TestFeed: newest first across pages, only followed authors, deleted reviews
// dropped, renames shown, unfollowing empties it.
func TestFeed(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		me, ann, bob, cy := e.addUser("Me"), e.addUser("Ann"), e.addUser("Bob"), e.addUser("Cy")
		e.follow(me, ann)
		e.follow(me, bob)
		movie := uuid.Must(uuid.NewV7()).String()
		var want []string
		minutes := rand.Perm(25) // reviews arrive in random order of writing
		for i, m := range minutes {
			author := []user{ann, bob, cy}[i%3]
			r := e.review(author, movie, m)
			if author != cy {
				want = append(want, r.ID)
			}
		}
		// expected: newest written first
		written := map[string]int{}
		byID := map[string]bool{}
		for _, id := range want {
			byID[id] = true
		}
		var got []string
		query := "?limit=4"
		for pages := 1; ; pages++ {
			require.LessOrEqual(t, pages, 10)
			p := e.feed(me.token, query)
			for _, it := range p.Items {
				require.True(t, byID[it.ID], "only reviews by followed users")
				got = append(got, it.ID)
				written[it.ID] = int(it.CreatedAt.Sub(reviewBase) / time.Minute)
			}
			if p.NextCursor == nil {
				break
			}
			query = "?limit=4&cursor=" + *p.NextCursor
		}
		require.ElementsMatch(t, want, got)
		for i := 1; i < len(got); i++ {
			require.Greater(t, written[got[i-1]], written[got[i]], "newest first")
		}

		// the newest review is edited, then deleted; an author is renamed
		top := e.feed(me.token, "?limit=1").Items[0]
		ev := reviewEventFrom(top)
		ev.Version, ev.Body, ev.Rating = 2, "edited", 1
		require.NoError(t, e.apply(social.ConsumerReviews, reviewEvent(t, "reviews.review.updated", ev)))
		require.Equal(t, "edited", e.feed(me.token, "?limit=1").Items[0].Body)
		ev.Version = 3
		require.NoError(t, e.apply(social.ConsumerReviews, reviewEvent(t, "reviews.review.deleted", ev)))
		require.NotEqual(t, top.ID, e.feed(me.token, "?limit=1").Items[0].ID, "a deleted review leaves the feed")
		require.Len(t, e.feed(me.token, "?limit=100").Items, len(want)-1)

		require.NoError(t, e.apply(social.ConsumerUsers, userEvent(t, identityapi.UserUpdated, ann.id, "Ann Z.", 2, false)))
		for _, it := range e.feed(me.token, "?limit=100").Items {
			if it.Author.ID == ann.id {
				require.Equal(t, "Ann Z.", it.Author.DisplayName, "renames show in the feed")
			}
		}
		// the catalog renames, then deletes the movie
		require.NoError(t, e.apply(social.ConsumerMovies, movieEvent(t, "catalog.movie.updated", movie, "Heat", 2, false)))
		require.Equal(t, "Heat", e.feed(me.token, "?limit=1").Items[0].MovieTitle)
		require.NoError(t, e.apply(social.ConsumerMovies, movieEvent(t, "catalog.movie.deleted", movie, "Heat", 3, true)))
		require.Empty(t, e.feed(me.token, "").Items)
		require.NoError(t, e.apply(social.ConsumerMovies, movieEvent(t, "catalog.movie.restored", movie, "Heat", 4, false)))

		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/users/"+ann.id+"/follow", me.token, nil).Status)
		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/users/"+bob.id+"/follow", me.token, nil).Status)
		require.Empty(t, e.feed(me.token, "").Items)
		require.Empty(t, e.feed(e.minter.User(t), "").Items, "someone following nobody")
	})
}

func reviewEventFrom(it socialapi.FeedItem) reviewsapi.ReviewEvent {
	return reviewsapi.ReviewEvent{ID: it.ID, MovieID: it.MovieID, MovieTitle: it.MovieTitle, AuthorID: it.Author.ID,
		AuthorDisplayName: it.Author.DisplayName, Rating: it.Rating, Body: it.Body, Version: 1, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt.Add(time.Second)}
}

func TestClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann, bob := e.addUser("Ann"), e.addUser("Bob")
	c := socialapi.NewClient(e.srv.URL, e.client).WithToken(ann.token)
	f, err := c.Follow(e.ctx, bob.id)
	require.NoError(t, err)
	require.Equal(t, "Bob", f.DisplayName)
	_, err = c.Follow(e.ctx, uuid.NewString())
	require.ErrorIs(t, err, socialapi.ErrNotFound)
	page, err := c.Following(e.ctx, ann.id, socialapi.ListParams{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, []socialapi.Follow{f}, page.Items)
	page, err = c.Followers(e.ctx, bob.id, socialapi.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	e.review(bob, uuid.NewString(), 1)
	feed, err := c.Feed(e.ctx, socialapi.ListParams{})
	require.NoError(t, err)
	require.Len(t, feed.Items, 1)
	require.NoError(t, c.Unfollow(e.ctx, bob.id))
	require.NoError(t, c.Unfollow(e.ctx, bob.id))
}
