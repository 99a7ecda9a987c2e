// Package synthetic generates load-test data for `marquee seed --synthetic`:
// movies through the catalog's demo import and reviews through the reviews
// service's bulk import, both with their events, so the read models are
// built by their consumers as in production. It is a tool, not a service:
// it uses the services' exported operations, never their stores or
// transactions (depguard forbids tools the services' store packages).
package synthetic

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/reviews"
)

// Seed adds movies and reviews to the catalog and reviews services built in
// a. Titles carry a tag of the run, so running it again adds more.
func Seed(ctx context.Context, a *app.App, log *slog.Logger, movies, reviewCount int) error {
	cat, okc := app.Lookup[*catalog.Service](a)
	rev, okr := app.Lookup[*reviews.Service](a)
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
	log.Info("synthetic movies", "created", report.Created, "seconds", time.Since(started).Seconds())

	// the import says which movie each row became, in row order
	ids := make([]string, 0, len(report.MovieIDs))
	for _, r := range rows {
		if id, ok := report.MovieIDs[r.Line]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || reviewCount == 0 {
		return nil
	}
	// Reviews favour some movies (popular titles get most ratings), and each
	// author reviews a movie at most once (repeats are skipped by the import).
	authors := max(reviewCount/20, 1)
	const chunk = 20000
	started = time.Now()
	imported := 0
	for done := 0; done < reviewCount; done += chunk {
		n := min(chunk, reviewCount-done)
		batch := make([]reviews.SyntheticReview, n)
		for i := range batch {
			m := int(float64(len(ids)) * rng.Float64() * rng.Float64()) // skewed towards the first movies
			author := rng.IntN(authors)
			batch[i] = reviews.SyntheticReview{
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
	log.Info("synthetic reviews", "imported", imported, "seconds", time.Since(started).Seconds())
	return nil
}

// syntheticUserID is a stable id per synthetic author number.
func syntheticUserID(n int) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "marquee-synthetic-user-%d", n)).String()
}

var syntheticWords = []string{"Midnight", "Harbor", "Echo", "Velvet", "Frontier", "Orchard", "Signal", "Lantern", "Drift", "Meridian"}
