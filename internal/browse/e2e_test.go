package browse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// publish puts envelopes on the bus the way the relay does (Nats-Msg-Id = event id).
func publish(t *testing.T, bus *events.Bus, envs ...events.Envelope) {
	t.Helper()
	for _, env := range envs {
		raw, err := json.Marshal(env)
		require.NoError(t, err)
		_, err = bus.JetStream().Publish(context.Background(), env.Type, raw, jetstream.WithMsgID(env.ID))
		require.NoError(t, err)
	}
}

// runConsumers runs the service's subscriptions with the real Consumer, and
// its background work, until the test ends.
func runConsumers(t *testing.T, db *sqldb.DB, bus *events.Bus, svc *browse.Service) {
	t.Helper()
	servicetest.Background(t, svc.Run)
	for _, sub := range svc.Subscriptions() {
		sub.Config.NakDelay = 20 * time.Millisecond
		servicetest.Background(t, events.NewConsumer(db, bus, sub, quietLog()).Run)
	}
}

// TestEndToEnd: events published on a real embedded JetStream, consumed by
// the real durable consumers, show in the HTTP answers; a rebuild from the
// streams gives the same read model as the incremental one.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		bus := servicetest.StartBus(t, context.Background(), catalogapi.Source, reviewsapi.Source)
		e := newEnvOn(t, db)
		runConsumers(t, db, bus, e.svc)
		ev := func(typ, subject string, data any) events.Envelope {
			src, _, _ := strings.Cut(typ, ".")
			return servicetest.NewEnvelope(t, src, typ, subject, data)
		}

		ann, bob := e.person("Ann Actor"), e.person("Bob Director")
		heat := e.movie("Heat", released("1995-12-15"), inGenres(crime, drama), withCast(ann), directedBy(bob))
		alien := e.movie("Alien", released("1979-05-25"), inGenres(drama), withCast(ann))
		heat2 := e.next(heat, func(m *catalogapi.Movie) { m.Title = "Heat (1995)" })
		heat3 := e.next(heat2, func(m *catalogapi.Movie) { m.Overview = "Cops and robbers." })
		first := ev(reviewsapi.MovieRatingChanged, alien.ID, ratingEvent(alien.ID, 1, 9, 9))
		var envs []events.Envelope
		envs = append(envs,
			ev(reviewsapi.MovieRatingChanged, heat.ID, ratingEvent(heat.ID, 1, 7)), // before its movie
			ev(catalogapi.PersonCreated, ann.ID, ann),
			ev(catalogapi.PersonCreated, bob.ID, bob),
			ev(catalogapi.MovieCreated, heat.ID, heat),
			ev(catalogapi.MovieCreated, alien.ID, alien),
			ev(catalogapi.MovieUpdated, heat.ID, heat3), // v3 before v2
			ev(catalogapi.MovieUpdated, heat.ID, heat2),
			first, first, // published twice: the stream keeps one
			ev(reviewsapi.MovieRatingChanged, heat.ID, ratingEvent(heat.ID, 3, 8, 8, 9)),
			ev(reviewsapi.MovieRatingChanged, heat.ID, ratingEvent(heat.ID, 2, 1)), // late
			ev("reviews.review.submitted", newID(t), map[string]string{"id": "x"}), // not for browse
		)
		publish(t, bus, envs...)

		require.Eventually(t, func() bool {
			m, status := e.getMovie(heat.ID)
			a, _ := e.getMovie(alien.ID)
			return status == 200 && m.Version == 3 && m.RatingSummary.Count == 3 && a.RatingSummary.Count == 2
		}, 15*time.Second, 10*time.Millisecond)
		got, _ := e.getMovie(heat.ID)
		require.Equal(t, "Heat (1995)", got.Title)
		require.Equal(t, "Cops and robbers.", got.Overview)
		// the order of movies no event touched follows once Run has recomputed their weighted ratings
		require.Eventually(t, func() bool {
			return slices.Equal([]string{alien.ID, heat.ID}, e.ids("/api/movies/top-rated"))
		}, 15*time.Second, time.Millisecond)

		// a low rating: reflected as soon as the consumer applies it
		start := time.Now()
		publish(t, bus, ev(reviewsapi.MovieRatingChanged, alien.ID, ratingEvent(alien.ID, 2, 9, 9, 1, 1, 1)))
		require.Eventually(t, func() bool {
			a, _ := e.getMovie(alien.ID)
			return a.RatingSummary.Count == 5
		}, 15*time.Second, time.Millisecond)
		t.Logf("rating_changed visible in GET /api/movies/{id} %v after publishing", time.Since(start))
		require.Eventually(t, func() bool {
			return slices.Equal([]string{heat.ID, alien.ID}, e.ids("/api/movies/top-rated"))
		}, 15*time.Second, time.Millisecond, "its average fell below Heat's")

		// deleted and restored through the bus
		del := e.deleted(heat3)
		publish(t, bus, ev(catalogapi.MovieDeleted, heat.ID, del))
		require.Eventually(t, func() bool { _, s := e.getMovie(heat.ID); return s == 404 }, 15*time.Second, 5*time.Millisecond)
		require.Equal(t, []string{alien.ID}, e.ids("/api/movies/top-rated"))
		publish(t, bus, ev(catalogapi.MovieRestored, heat.ID, e.restored(del)))
		require.Eventually(t, func() bool { _, s := e.getMovie(heat.ID); return s == 200 }, 15*time.Second, 5*time.Millisecond)
		lastDoc := ev(catalogapi.MovieUpdated, alien.ID, e.next(alien, func(m *catalogapi.Movie) { m.Title = "Alien (1979)" }))
		publish(t, bus, lastDoc)
		require.Eventually(t, func() bool { m, _ := e.getMovie(alien.ID); return m.Title == "Alien (1979)" }, 15*time.Second, 5*time.Millisecond)
		require.Eventually(t, func() bool { return inboxHas(t, db, lastDoc.ID) }, 15*time.Second, 5*time.Millisecond)

		// the rebuilt model equals the incremental one: in a fresh database ...
		require.NoError(t, e.svc.RefreshTopRated(e.ctx))
		incremental := dump(t, db)
		fresh := newEnv(t, db.Engine())
		require.NoError(t, fresh.svc.Rebuild(fresh.ctx, bus))
		require.Equal(t, incremental, dump(t, fresh.db))
		// ... and in place, while the consumers run
		require.NoError(t, e.svc.Rebuild(e.ctx, bus))
		require.Equal(t, incremental, dump(t, db))
		var top browseapi.TopRatedPage
		e.get("/api/movies/top-rated", &top)
		require.Len(t, top.Items, 2)

		// the package-level Rebuild (default configuration) works as well
		other := newEnv(t, db.Engine())
		require.NoError(t, browse.Rebuild(other.ctx, other.db, bus, quietLog()))
		require.Equal(t, e.ids("/api/movies"), other.ids("/api/movies"))
	})
}

func inboxHas(t *testing.T, db *sqldb.DB, eventID string) bool {
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM inbox WHERE event_id = ?`, eventID).Scan(&n))
	return n == 1
}

// TestRebuildOfEmptyStreams: no streams, or empty ones, give an empty model.
func TestRebuildOfEmptyStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bus := servicetest.StartBus(t, ctx)
	e := newEnv(t, sqldb.SQLite)
	e.putMovie(e.movie("Will be gone"))
	require.NoError(t, e.svc.Rebuild(ctx, bus))
	require.Empty(t, e.ids("/api/movies"))
	name, subject := events.StreamFor(catalogapi.Source)
	require.NoError(t, bus.EnsureStream(ctx, name, subject))
	require.NoError(t, e.svc.Rebuild(ctx, bus))
	require.Empty(t, e.ids("/api/movies"))
}

// browseTables are the read model's tables and the columns that identify a row.
var browseTables = map[string]string{
	"browse_movies":       "id",
	"browse_movie_docs":   "id",
	"browse_top":          "movie_id",
	"browse_movie_genres": "movie_id, genre_id",
	"browse_genres":       "id",
	"browse_credits":      "movie_id, kind, seq",
	"browse_people":       "id",
	"browse_stats":        "id",
	// key is SQLite's internal link to the FTS index, numbered in insertion order
	"browse_search": "kind, ref_id",
}

// dump reads every row of the read model as text, table by table, in key order.
func dump(t *testing.T, db *sqldb.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	for table, order := range browseTables {
		rows, err := db.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+order)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			var parts []string
			for i, c := range cols {
				if table == "browse_search" && (c == "key" || c == "tsv") {
					continue
				}
				v := vals[i]
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts = append(parts, fmt.Sprintf("%s=%v", c, v))
			}
			out[table] = append(out[table], strings.Join(parts, " "))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		sort.Strings(out[table])
	}
	return out
}
