package reviews_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

func TestImportSynthetic(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine, reviews.WithImportBatch(700))
		movies := make([]string, 30)
		for i := range movies {
			if i < 20 {
				movies[i] = e.addMovie(fmt.Sprint("Known ", i))
			} else {
				movies[i] = uuid.Must(uuid.NewV7()).String() // the catalog's event is still on its way
			}
		}
		gone := e.addMovie("Gone")
		require.NoError(t, e.apply(reviews.ConsumerMovies, movieEvent(t, catalogapi.MovieDeleted, gone, "Gone", 2, true)))

		var in []reviews.SyntheticReview
		wantCount := map[string]int{}
		base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		for a := range 200 {
			author := uuid.Must(uuid.NewV7()).String()
			for k := range 10 {
				m := movies[(a+k*3)%len(movies)]
				in = append(in, reviews.SyntheticReview{MovieID: m, MovieTitle: "Synthetic " + m[:4], AuthorID: author,
					AuthorDisplayName: fmt.Sprint("Bot ", a), Rating: 1 + (a*7+k)%10, Body: "generated",
					CreatedAt: base.Add(time.Duration(a*10+k) * time.Minute)})
				wantCount[m]++
			}
		}
		in = append(in, reviews.SyntheticReview{MovieID: gone, AuthorID: in[0].AuthorID, Rating: 5}) // skipped: deleted movie
		res, err := e.svc.ImportSynthetic(e.ctx, in)
		require.NoError(t, err)
		require.Equal(t, reviews.ImportResult{Imported: 2000, Skipped: 1}, res)

		// the events: one submitted per review, and summaries whose last
		// version per movie carries the final count
		out := e.outbox()
		submitted := 0
		last := map[string]reviewsapi.RatingChangedEvent{}
		for _, ev := range out {
			switch ev.Type {
			case reviewsapi.ReviewSubmitted:
				submitted++
			case reviewsapi.MovieRatingChanged:
				s := ratingOf(t, ev)
				require.Greater(t, s.Version, last[s.MovieID].Version, "versions grow")
				last[s.MovieID] = s
			}
		}
		require.Equal(t, 2000, submitted)
		require.Len(t, last, len(movies))
		for _, m := range movies {
			require.Equal(t, wantCount[m], last[m].Count, m)
			summary, _, err := e.svc.RatingSummary(e.ctx, m)
			require.NoError(t, err)
			require.Equal(t, wantCount[m], summary.Count)
			require.InDelta(t, *summary.Average, *last[m].Average, 1e-9)
		}

		// readable through the API, with placeholder names until the real events arrive
		page := e.listPage("/api/movies/" + movies[25] + "/reviews?limit=100")
		require.Len(t, page.Items, wantCount[movies[25]])
		require.Equal(t, "Synthetic "+movies[25][:4], page.Items[0].MovieTitle)
		require.True(t, page.Items[0].CreatedAt.After(page.Items[1].CreatedAt), "newest first by the given times")
		require.NoError(t, e.apply(reviews.ConsumerMovies, movieEvent(t, catalogapi.MovieCreated, movies[25], "The Real Title", 1, false)))
		require.Equal(t, "The Real Title", e.listPage("/api/movies/" + movies[25] + "/reviews?limit=1").Items[0].MovieTitle)
		r := e.call(http.MethodGet, "/api/movies/"+movies[3]+"/reviews?limit=1", "", nil)
		require.Equal(t, http.StatusOK, r.Status)

		// a second run skips everything
		res, err = e.svc.ImportSynthetic(e.ctx, in)
		require.NoError(t, err)
		require.Equal(t, reviews.ImportResult{Imported: 0, Skipped: len(in)}, res)
		require.Len(t, e.outbox(), len(out))

		// an invalid review fails the call before anything is written
		_, err = e.svc.ImportSynthetic(e.ctx, []reviews.SyntheticReview{
			{MovieID: movies[0], AuthorID: uuid.NewString(), Rating: 5},
			{MovieID: movies[0], AuthorID: uuid.NewString(), Rating: 11},
		})
		require.ErrorContains(t, err, "synthetic review 1")
		require.Len(t, e.outbox(), len(out))
	})
}
