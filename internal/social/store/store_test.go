package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
	"github.com/marquee-dev/marquee/internal/social/store"
)

// The conformance suite: every test runs on SQLite and on PostgreSQL
// (MARQUEE_TEST_POSTGRES_URL) against a fresh, migrated database.

type fixture struct {
	ctx context.Context
	db  *sqldb.DB
	st  store.Store
	now time.Time
}

func forEachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		require.NoError(t, sqldb.Migrate(ctx, db, "social", store.Migrations))
		st, err := store.New(db)
		require.NoError(t, err)
		require.Equal(t, db.Engine(), st.Engine())
		fn(t, &fixture{ctx: ctx, db: db, st: st, now: sqldb.Timestamp(time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC))})
	})
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (f *fixture) user(t *testing.T, name string) string {
	t.Helper()
	id := newID()
	applied, err := f.st.ApplyUser(f.ctx, f.db, store.User{ID: id, DisplayName: name, Version: 1})
	require.NoError(t, err)
	require.True(t, applied)
	return id
}

func TestApplyKeepsTheHighestVersion(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		id := newID()
		require.NoError(t, f.st.EnsureUser(f.ctx, f.db, id))
		u, err := f.st.GetUser(f.ctx, f.db, id)
		require.NoError(t, err)
		require.Equal(t, store.User{ID: id}, u, "a placeholder")
		for i, s := range []struct {
			u       store.User
			applied bool
		}{
			{store.User{ID: id, DisplayName: "Ann", Version: 1}, true},
			{store.User{ID: id, DisplayName: "Ann Z.", Version: 3}, true},
			{store.User{ID: id, DisplayName: "Ann B.", Version: 2}, false},
			{store.User{ID: id, DisplayName: "Ann Z.", Version: 3}, false},
		} {
			applied, err := f.st.ApplyUser(f.ctx, f.db, s.u)
			require.NoError(t, err)
			require.Equal(t, s.applied, applied, "step %d", i)
		}
		require.NoError(t, f.st.EnsureUser(f.ctx, f.db, id), "placeholders never overwrite")
		require.NoError(t, f.st.InTx(f.ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			u, err = f.st.ShareUser(ctx, tx, id)
			return err
		}))
		require.Equal(t, store.User{ID: id, DisplayName: "Ann Z.", Version: 3}, u)
		_, err = f.st.GetUser(f.ctx, f.db, newID())
		require.ErrorIs(t, err, store.ErrNotFound)

		m := newID()
		for i, s := range []struct {
			m       store.Movie
			applied bool
		}{
			{store.Movie{ID: m, Title: "Heat", Deleted: true, Version: 2}, true},
			{store.Movie{ID: m, Title: "Heat", Version: 1}, false},
		} {
			applied, err := f.st.ApplyMovie(f.ctx, f.db, s.m)
			require.NoError(t, err)
			require.Equal(t, s.applied, applied, "movie step %d", i)
		}

		// reviews: a deleted one stays a tombstone a late update cannot revive
		r := store.FeedReview{ID: newID(), MovieID: m, MovieTitle: "Heat", AuthorID: id, AuthorName: "Ann", Rating: 7,
			Body: "text", Version: 1, CreatedAt: f.now, UpdatedAt: f.now}
		for i, s := range []struct {
			r       store.FeedReview
			applied bool
		}{
			{r, true},
			{withVersion(r, 3, true), true},
			{withVersion(r, 2, false), false},
			{r, false},
		} {
			applied, err := f.st.ApplyReview(f.ctx, f.db, s.r)
			require.NoError(t, err)
			require.Equal(t, s.applied, applied, "review step %d", i)
		}
		var deleted int
		var body string
		require.NoError(t, f.db.QueryRowContext(f.ctx, `SELECT deleted, body FROM feed_reviews WHERE id = ?`, r.ID).Scan(&deleted, &body))
		require.Equal(t, 1, deleted)
		require.Empty(t, body, "a tombstone keeps no content")
	})
}

func withVersion(r store.FeedReview, v int64, deleted bool) store.FeedReview {
	r.Version, r.Deleted = v, deleted
	return r
}

func TestFollowAndUnfollow(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann, bob := f.user(t, "Ann"), f.user(t, "Bob")
		e, changed, err := f.st.Follow(f.ctx, f.db, ann, bob, f.now)
		require.NoError(t, err)
		require.True(t, changed)
		require.Equal(t, store.Edge{FollowerID: ann, FolloweeID: bob, Active: true, Version: 1, FollowedAt: f.now, UpdatedAt: f.now}, e)

		later := f.now.Add(time.Hour)
		again, changed, err := f.st.Follow(f.ctx, f.db, ann, bob, later)
		require.NoError(t, err)
		require.False(t, changed, "following twice changes nothing")
		require.Equal(t, e, again, "followed_at stays the first time")

		ended, changed, err := f.st.Unfollow(f.ctx, f.db, ann, bob, later)
		require.NoError(t, err)
		require.True(t, changed)
		require.Equal(t, store.Edge{FollowerID: ann, FolloweeID: bob, Version: 2, FollowedAt: f.now, UpdatedAt: later}, ended)
		_, changed, err = f.st.Unfollow(f.ctx, f.db, ann, bob, later)
		require.NoError(t, err)
		require.False(t, changed, "unfollowing twice changes nothing")
		_, changed, err = f.st.Unfollow(f.ctx, f.db, bob, ann, later)
		require.NoError(t, err)
		require.False(t, changed, "never followed")

		evenLater := later.Add(time.Hour)
		e, changed, err = f.st.Follow(f.ctx, f.db, ann, bob, evenLater)
		require.NoError(t, err)
		require.True(t, changed)
		require.Equal(t, int64(3), e.Version, "a pair's version never goes back")
		require.Equal(t, evenLater, e.FollowedAt, "a new follow begins now")

		got, err := f.st.GetEdge(f.ctx, f.db, ann, bob)
		require.NoError(t, err)
		require.Equal(t, e, got)
		_, err = f.st.GetEdge(f.ctx, f.db, bob, ann)
		require.ErrorIs(t, err, store.ErrNotFound)

		cy := f.user(t, "Cy")
		_, _, err = f.st.Follow(f.ctx, f.db, bob, cy, f.now)
		require.NoError(t, err)
		_, _, err = f.st.Follow(f.ctx, f.db, cy, bob, f.now)
		require.NoError(t, err)
		var edges []store.Edge
		err = f.st.InTx(f.ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			var err error
			edges, err = f.st.ActiveEdgesOf(ctx, tx, bob)
			return err
		})
		require.NoError(t, err)
		require.Len(t, edges, 3, "both directions")
	})
}

func TestCounts(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann, bob := newID(), newID()
		c, err := f.st.GetCounts(f.ctx, f.db, ann)
		require.NoError(t, err)
		require.Equal(t, store.Counts{UserID: ann}, c)
		got, err := f.st.AdjustCounts(f.ctx, f.db, map[string]store.CountsDelta{ann: {Following: 1}, bob: {Followers: 1}})
		require.NoError(t, err)
		require.Equal(t, map[string]store.Counts{ann: {UserID: ann, Following: 1, Version: 1}, bob: {UserID: bob, Followers: 1, Version: 1}}, got)
		got, err = f.st.AdjustCounts(f.ctx, f.db, map[string]store.CountsDelta{ann: {Followers: 2, Following: -1}})
		require.NoError(t, err)
		require.Equal(t, store.Counts{UserID: ann, Followers: 2, Following: 0, Version: 2}, got[ann])
		c, err = f.st.GetCounts(f.ctx, f.db, ann)
		require.NoError(t, err)
		require.Equal(t, got[ann], c)
	})
}

// TestConcurrentFollowsKeepCountsRight: many users follow one user and each
// other at once (pairs in both directions), and every count is exact.
func TestConcurrentFollowsKeepCountsRight(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		star := f.user(t, "Star")
		fans := make([]string, 12)
		for i := range fans {
			fans[i] = f.user(t, fmt.Sprint("Fan ", i))
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4*len(fans))
		follow := func(a, b string) {
			errs <- f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
				_, changed, err := f.st.Follow(f.ctx, tx, a, b, f.now)
				if err != nil || !changed {
					return err
				}
				_, err = f.st.AdjustCounts(f.ctx, tx, map[string]store.CountsDelta{a: {Following: 1}, b: {Followers: 1}})
				return err
			})
		}
		for i, fan := range fans {
			wg.Go(func() { follow(fan, star) })
			wg.Go(func() { follow(fan, star) }) // twice: counted once
			wg.Go(func() { follow(star, fan) })
			wg.Go(func() { follow(fan, fans[(i+1)%len(fans)]) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		c, err := f.st.GetCounts(f.ctx, f.db, star)
		require.NoError(t, err)
		require.Equal(t, len(fans), c.Followers)
		require.Equal(t, len(fans), c.Following)
		require.Equal(t, int64(2*len(fans)), c.Version)
		for _, fan := range fans {
			c, err := f.st.GetCounts(f.ctx, f.db, fan)
			require.NoError(t, err)
			require.Equal(t, 2, c.Followers)
			require.Equal(t, 2, c.Following)
		}
	})
}

func TestListsAndFeed(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		me := f.user(t, "Me")
		var followed []string
		for i := range 7 {
			u := f.user(t, fmt.Sprint("U", i))
			_, _, err := f.st.Follow(f.ctx, f.db, me, u, f.now.Add(time.Duration(i/2)*time.Second)) // ties two by two
			require.NoError(t, err)
			followed = append(followed, u)
		}
		stranger := f.user(t, "Stranger")

		var got []socialapi.Follow
		var after *store.Position
		for {
			page, err := f.st.Following(f.ctx, f.db, me, after, 3)
			require.NoError(t, err)
			got = append(got, page...)
			if len(page) < 3 {
				break
			}
			last := page[len(page)-1]
			after = &store.Position{At: last.FollowedAt, ID: last.ID}
		}
		require.Len(t, got, 7)
		for i := 1; i < len(got); i++ {
			prev, cur := got[i-1], got[i]
			require.True(t, prev.FollowedAt.After(cur.FollowedAt) || (prev.FollowedAt.Equal(cur.FollowedAt) && prev.ID > cur.ID), "newest first")
		}
		require.Equal(t, "U6", got[0].DisplayName)
		followers, err := f.st.Followers(f.ctx, f.db, followed[0], nil, 10)
		require.NoError(t, err)
		require.Equal(t, []socialapi.Follow{{ID: me, DisplayName: "Me", FollowedAt: f.now}}, followers)

		// the feed: reviews by followed users only, newest first
		movie, gone := newID(), newID()
		_, err = f.st.ApplyMovie(f.ctx, f.db, store.Movie{ID: movie, Title: "Heat (current)", Version: 2})
		require.NoError(t, err)
		_, err = f.st.ApplyMovie(f.ctx, f.db, store.Movie{ID: gone, Title: "Gone", Deleted: true, Version: 2})
		require.NoError(t, err)
		review := func(author, movieID string, minute int, deleted bool) string {
			r := store.FeedReview{ID: newID(), MovieID: movieID, MovieTitle: "Heat (then)", AuthorID: author, AuthorName: "then",
				Rating: 5, Body: "b", Version: 1, CreatedAt: f.now.Add(time.Duration(minute) * time.Minute), UpdatedAt: f.now, Deleted: deleted}
			_, err := f.st.ApplyReview(f.ctx, f.db, r)
			require.NoError(t, err)
			return r.ID
		}
		r1 := review(followed[0], movie, 1, false)
		r2 := review(followed[1], newID(), 3, false) // a movie the service has not heard of
		review(stranger, movie, 2, false)
		review(followed[2], movie, 4, true) // deleted
		review(followed[3], gone, 5, false) // of a deleted movie
		feed, err := f.st.Feed(f.ctx, f.db, me, nil, 10)
		require.NoError(t, err)
		require.Len(t, feed, 2)
		require.Equal(t, r2, feed[0].ID)
		require.Equal(t, "Heat (then)", feed[0].MovieTitle, "the event's title when the movie is unknown")
		require.Equal(t, "U1", feed[0].AuthorName, "the current name")
		require.Equal(t, r1, feed[1].ID)
		require.Equal(t, "Heat (current)", feed[1].MovieTitle)
		feed, err = f.st.Feed(f.ctx, f.db, me, &store.Position{At: feed[0].CreatedAt, ID: feed[0].ID}, 10)
		require.NoError(t, err)
		require.Len(t, feed, 1)
		require.Equal(t, r1, feed[0].ID)

		// a deleted user leaves lists and feeds
		_, err = f.st.ApplyUser(f.ctx, f.db, store.User{ID: followed[0], DisplayName: "U0", Deleted: true, Version: 2})
		require.NoError(t, err)
		feed, err = f.st.Feed(f.ctx, f.db, me, nil, 10)
		require.NoError(t, err)
		require.Len(t, feed, 1)
		following, err := f.st.Following(f.ctx, f.db, me, nil, 10)
		require.NoError(t, err)
		require.Len(t, following, 6)
	})
}
