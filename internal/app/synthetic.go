package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/catalog/store"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// SeedSynthetic adds movies and reviews for load tests through the real
// write paths (catalog import, reviews bulk import, both with their events),
// so the read model is built by its consumers as in production. Titles are
// numbered from what is already there, so running it again adds more.
func (a *App) SeedSynthetic(ctx context.Context, movies, reviewCount int) error {
	cat, okc := Lookup[*catalog.Service](a)
	rev, okr := Lookup[*reviews.Service](a)
	if !okc || !okr {
		return errors.New("seeding synthetic data needs the catalog and reviews services in this process")
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 42))
	genres := demo.Genres()
	batchTag := uuid.NewString()[:8] // makes titles unique across runs
	rows := make([]demo.Row, movies)
	for i := range rows {
		rows[i] = demo.Row{
			Line:           i + 1,
			Title:          fmt.Sprintf("Synthetic %s %s #%d", syntheticWords[rng.IntN(len(syntheticWords))], batchTag, i+1),
			ReleaseDate:    fmt.Sprintf("%d-%02d-%02d", 1930+rng.IntN(95), 1+rng.IntN(12), 1+rng.IntN(28)),
			MaturityRating: []string{"G", "PG", "PG-13", "R", "NR"}[rng.IntN(5)],
			RuntimeMinutes: 70 + rng.IntN(110),
			Genre:          genres[rng.IntN(len(genres))],
			Director:       fmt.Sprintf("Synthetic Director %d", rng.IntN(max(movies/20, 1))),
		}
	}
	started := time.Now()
	report, err := cat.ImportDemo(ctx, rows)
	if err != nil {
		return err
	}
	a.log.Info("synthetic movies", "created", report.Created, "seconds", time.Since(started).Seconds())

	ids, err := syntheticMovieIDs(ctx, cat, batchTag)
	if err != nil || len(ids) == 0 || reviewCount == 0 {
		return err
	}
	// Reviews favour some movies (popular titles get most ratings), and each
	// author reviews a movie at most once (repeats are skipped by the import).
	authors := max(reviewCount/20, 1)
	const chunk = 20000
	started = time.Now()
	imported := 0
	for done := 0; done < reviewCount; done += chunk {
		n := min(chunk, reviewCount-done)
		batch := make([]reviewsapi.SyntheticReview, n)
		for i := range batch {
			m := int(float64(len(ids)) * rng.Float64() * rng.Float64()) // skewed towards the first movies
			author := rng.IntN(authors)
			batch[i] = reviewsapi.SyntheticReview{
				MovieID:           ids[m],
				AuthorID:          syntheticUserID(author),
				AuthorDisplayName: fmt.Sprintf("Synthetic User %d", author),
				Rating:            max(1, min(10, int(math.Round(rng.NormFloat64()*2+6.5)))), // around 6.5, like real ratings
				Body:              "A synthetic review.",
			}
		}
		res, err := rev.ImportSynthetic(ctx, batch)
		if err != nil {
			return err
		}
		imported += res.Imported
	}
	a.log.Info("synthetic reviews", "imported", imported, "seconds", time.Since(started).Seconds())
	return nil
}

// syntheticUserID is a stable id per synthetic author number.
func syntheticUserID(n int) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "marquee-synthetic-user-%d", n)).String()
}

func syntheticMovieIDs(ctx context.Context, cat *catalog.Service, tag string) ([]string, error) {
	var ids []string
	q := store.MovieQuery{Text: tag, Sort: store.SortCreated, Limit: 100}
	for {
		page, err := cat.ListMovies(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			ids = append(ids, m.ID)
		}
		if len(page) < q.Limit {
			return ids, nil
		}
		q.After = store.MovieSortKey(q.Sort, q.Desc, page[len(page)-1])
	}
}

var syntheticWords = []string{"Midnight", "Harbor", "Echo", "Velvet", "Frontier", "Orchard", "Signal", "Lantern", "Drift", "Meridian"}

// RebuildBrowse replays the event streams into a fresh browse read model.
func (a *App) RebuildBrowse(ctx context.Context) error {
	u := a.unit("browse")
	if u == nil || a.bus == nil {
		return errors.New("rebuild browse needs the browse service and the event bus in this process")
	}
	return browse.Rebuild(ctx, u.db, a.bus, a.log.With("service", "browse"))
}
