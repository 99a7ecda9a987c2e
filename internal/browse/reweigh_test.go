package browse_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// When a rating moves the mean C past the drift, the movie rated gets its new
// weighted rating at once and the others follow in the background (Run):
// the consumer's transaction never rewrites the whole top-rated list.
func TestDriftRecomputedInBackground(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db) // m = 2
		a, b := e.movie("A"), e.movie("B")
		e.putMovie(a)
		e.putMovie(b)
		rate := func(id string, version int64, ratings ...int) {
			t.Helper()
			env := servicetest.NewEnvelope(t, reviewsapi.Source, reviewsapi.MovieRatingChanged, id, ratingEvent(id, version, ratings...))
			require.NoError(t, e.applyBatchOnly(ratingsConsumer, env)) // without the catch-up of e.apply
		}
		wr := func(id string) float64 {
			t.Helper()
			var page browseapi.TopRatedPage
			e.get("/api/movies/top-rated", &page)
			for _, it := range page.Items {
				if it.ID == id {
					return it.WeightedRating
				}
			}
			t.Fatalf("movie %s not in top rated", id)
			return 0
		}
		weighted := func(v int, avg, c float64) float64 { return (float64(v)*avg + 2*c) / (float64(v) + 2) }

		rate(a.ID, 1, 8, 8)
		rate(b.ID, 1, 4, 4)
		require.NoError(t, e.svc.Reweigh(e.ctx))
		require.InDelta(t, weighted(2, 8, 6), wr(a.ID), 1e-9) // C = 6
		require.InDelta(t, weighted(2, 4, 6), wr(b.ID), 1e-9)

		rate(a.ID, 2, 8, 8, 1, 1, 1, 1) // C = 28 / 8 = 3.5
		require.InDelta(t, weighted(6, 20.0/6, 3.5), wr(a.ID), 1e-9, "the movie rated moves at once")
		require.InDelta(t, weighted(2, 4, 6), wr(b.ID), 1e-9, "the others keep the old C until recomputed")
		require.NoError(t, e.svc.Reweigh(e.ctx))
		require.InDelta(t, weighted(2, 4, 3.5), wr(b.ID), 1e-9)

		// a running service wakes its background work itself
		servicetest.Background(t, e.svc.Run)
		rate(b.ID, 2, 4, 4, 10, 10) // C = 48 / 10 = 4.8
		require.InDelta(t, weighted(4, 7, 4.8), wr(b.ID), 1e-9)
		require.Eventually(t, func() bool { return math.Abs(wr(a.ID)-weighted(6, 20.0/6, 4.8)) < 1e-9 }, 10*time.Second, time.Millisecond)
	})
}
