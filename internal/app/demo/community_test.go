package demo_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app/demo"
	catalogdemo "github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

func buildFromEmbedded(t *testing.T) ([]catalogdemo.Row, demo.Community) {
	t.Helper()
	rows, _, err := catalogdemo.Embedded()
	require.NoError(t, err)
	ids := map[int]string{}
	for _, r := range rows {
		ids[r.Line] = "00000000-0000-7000-8000-" + leftPad(r.Line)
	}
	return rows, demo.Build(rows, ids)
}

func leftPad(n int) string {
	s := "000000000000"
	d := []byte(s)
	for i := len(d) - 1; n > 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return string(d)
}

func TestCommunityIsDeterministic(t *testing.T) {
	t.Parallel()
	_, a := buildFromEmbedded(t)
	_, b := buildFromEmbedded(t)
	require.Equal(t, a, b)
}

func TestCommunityShape(t *testing.T) {
	t.Parallel()
	rows, c := buildFromEmbedded(t)
	require.Len(t, c.Users, demo.Users)
	ids, emails, names := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, u := range c.Users {
		require.True(t, httpx.IsUUID(u.ID), u.ID)
		ids[u.ID], emails[u.Email], names[u.DisplayName] = true, true, true
	}
	require.Len(t, ids, demo.Users)
	require.Len(t, emails, demo.Users)
	require.Len(t, names, demo.Users, "every demo user has a name of their own")

	// per film: as many reviews as its votes say, by distinct users, averaging its IMDb rating
	type film struct {
		n, sum  int
		authors map[string]bool
	}
	films := map[string]*film{}
	reviewIDs := map[string]bool{}
	for _, r := range c.Reviews {
		require.True(t, ids[r.AuthorID])
		require.GreaterOrEqual(t, r.Rating, 1)
		require.LessOrEqual(t, r.Rating, 10)
		require.False(t, reviewIDs[r.ID], "review ids are unique")
		reviewIDs[r.ID] = true
		require.False(t, r.CreatedAt.Before(demo.Start) || r.CreatedAt.After(demo.End))
		f := films[r.MovieID]
		if f == nil {
			f = &film{authors: map[string]bool{}}
			films[r.MovieID] = f
		}
		require.False(t, f.authors[r.AuthorID], "one review per user and film")
		f.authors[r.AuthorID] = true
		f.n++
		f.sum += r.Rating
	}
	rated := 0
	for _, r := range rows {
		f := films["00000000-0000-7000-8000-"+leftPad(r.Line)]
		if r.IMDBVotes == 0 || r.IMDBRating == 0 {
			require.Nil(t, f, "no IMDb figures, no reviews: %s", r.Title)
			continue
		}
		rated++
		require.NotNil(t, f, r.Title)
		require.Equal(t, demo.ReviewCount(r.IMDBVotes), f.n, r.Title)
		require.InDelta(t, r.IMDBRating, float64(f.sum)/float64(f.n), 0.5/float64(f.n)+1e-9, r.Title)
	}
	require.Greater(t, rated, 2500)
	require.Greater(t, len(c.Reviews), 10000)
	require.Less(t, len(c.Reviews), 30000, "the demo must fill in within seconds")

	// more votes, more reviews
	require.Less(t, demo.ReviewCount(1_000), demo.ReviewCount(100_000))
	require.Equal(t, demo.Users, demo.ReviewCount(math.MaxInt32))

	pairs := map[[2]string]bool{}
	following := map[string]int{}
	for _, f := range c.Follows {
		require.NotEqual(t, f.FollowerID, f.FolloweeID)
		require.True(t, ids[f.FollowerID] && ids[f.FolloweeID])
		k := [2]string{f.FollowerID, f.FolloweeID}
		require.False(t, pairs[k], "no follow twice")
		pairs[k] = true
		following[f.FollowerID]++
	}
	require.Len(t, following, demo.Users, "everyone follows someone")
}
