package browse_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// Events applied in batches (several versions of one movie in a batch, late
// and repeated events, people and movies mixed) leave the same read model as
// the same events applied one at a time.
func TestBatchesEqualOneAtATime(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		single, batched := newEnvOn(t, db), newEnv(t, db.Engine())
		rng := rand.New(rand.NewPCG(4, 2))

		type step struct {
			consumer string
			env      events.Envelope
		}
		var steps []step
		catalogEvent := func(typ, id string, doc any) {
			steps = append(steps, step{catalogConsumer, servicetest.NewEnvelope(t, catalogapi.Source, typ, id, doc)})
		}
		var people []catalogapi.Person
		for i := range 6 {
			p := single.person(fmt.Sprintf("Person %d", i))
			people = append(people, p)
			catalogEvent(catalogapi.PersonCreated, p.ID, p)
		}
		genres := []catalogapi.Genre{drama, crime, western}
		var movies []catalogapi.Movie
		for i := range 12 {
			m := single.movie(fmt.Sprintf("Movie %d", i), inGenres(genres[i%3]), withCast(people[i%6], people[(i+1)%6]))
			movies = append(movies, m)
			catalogEvent(catalogapi.MovieCreated, m.ID, m)
		}
		ratingVersion := map[string]int64{}
		for range 150 {
			i := rng.IntN(len(movies))
			m := movies[i]
			switch n := rng.IntN(10); {
			case n < 6: // a new rating summary of 1..8 ratings
				ratingVersion[m.ID]++
				var rs []int
				for range 1 + rng.IntN(8) {
					rs = append(rs, 1+rng.IntN(10))
				}
				steps = append(steps, step{ratingsConsumer, servicetest.NewEnvelope(t, reviewsapi.Source, reviewsapi.MovieRatingChanged, m.ID, ratingEvent(m.ID, ratingVersion[m.ID], rs...))})
			case n < 7: // deleted or restored
				if m.DeletedAt == nil {
					movies[i] = single.deleted(m)
					catalogEvent(catalogapi.MovieDeleted, m.ID, movies[i])
				} else {
					movies[i] = single.restored(m)
					catalogEvent(catalogapi.MovieRestored, m.ID, movies[i])
				}
			case n < 9: // recast and moved to another genre
				movies[i] = single.next(m, func(m *catalogapi.Movie) {
					m.Genres = []catalogapi.Genre{genres[rng.IntN(3)]}
					m.Cast = nil
					withCast(people[rng.IntN(6)])(m)
				})
				catalogEvent(catalogapi.MovieUpdated, m.ID, movies[i])
			default: // an event seen before arrives again, or late
				steps = append(steps, steps[rng.IntN(len(steps))])
			}
		}

		for _, s := range steps {
			single.apply(s.consumer, s.env)
		}
		// batches of 1..12 events of one consumer, as they would arrive
		for i := 0; i < len(steps); {
			n := 1
			for n < 1+rng.IntN(12) && i+n < len(steps) && steps[i+n].consumer == steps[i].consumer {
				n++
			}
			envs := make([]events.Envelope, n)
			for j := range envs {
				envs[j] = steps[i+j].env
			}
			batched.applyBatch(steps[i].consumer, envs...)
			i += n
		}

		require.NoError(t, single.svc.RefreshTopRated(single.ctx))
		require.NoError(t, batched.svc.RefreshTopRated(batched.ctx))
		want := dump(t, single.db)
		require.NotEmpty(t, want["browse_top"])
		require.Equal(t, want, dump(t, batched.db))
	})
}

// A batch with an event that can never apply fails as a whole, with the
// Permanent error (the consumer then applies its events one by one).
func TestBatchWithPoisonFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	m := e.movie("Heat")
	good := servicetest.NewEnvelope(t, catalogapi.Source, catalogapi.MovieCreated, m.ID, m)
	bad := servicetest.NewEnvelope(t, catalogapi.Source, catalogapi.MovieCreated, m.ID, map[string]any{"id": m.ID}) // no version
	err := e.tryApplyBatch(catalogConsumer, good, bad)
	require.True(t, isPermanent(err), "%v", err)
	_, status := e.getMovie(m.ID)
	require.Equal(t, 404, status, "nothing of the failed batch was written")
}
