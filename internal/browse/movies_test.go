package browse_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func ptr[T any](v T) *T { return &v }

// TestMovieDocument: the document is the catalog's, with the rating summary
// filled in from the reviews service's events, served with an ETag.
func TestMovieDocument(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		ann := e.person("Ann Actor")
		e.putPerson(ann)
		m := e.movie("Heat", released("1995-12-15"), inGenres(crime, drama), withCast(ann), func(m *catalogapi.Movie) {
			m.Overview, m.RuntimeMinutes, m.MaturityRating, m.PosterURL = "Cops and robbers.", ptr(170), "R", ptr("https://img.example/heat.jpg")
		})
		e.putMovie(m)

		got, status := e.getMovie(m.ID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, m, got, "the catalog's document, empty rating summary")
		r := e.call("/api/movies/"+m.ID, "")
		etag := r.Header.Get("ETag")
		require.NotEmpty(t, etag)
		require.Equal(t, http.StatusNotModified, e.call("/api/movies/"+m.ID, "", "If-None-Match", etag).Status)

		e.rate(m.ID, 1, 8, 9, 10)
		got, _ = e.getMovie(m.ID)
		require.Equal(t, 3, got.RatingSummary.Count)
		require.InDelta(t, 9.0, *got.RatingSummary.Average, 1e-9)
		require.Equal(t, map[string]int{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 1, "9": 1, "10": 1}, got.RatingSummary.Histogram)
		got.RatingSummary = m.RatingSummary
		require.Equal(t, m, got, "the rest of the document is untouched")
		r = e.call("/api/movies/"+m.ID, "", "If-None-Match", etag)
		require.Equal(t, http.StatusOK, r.Status, "a new rating changes the ETag")
		require.NotEqual(t, etag, r.Header.Get("ETag"))

		// an update of the catalog document keeps the rating
		m2 := e.next(m, func(m *catalogapi.Movie) { m.Title = "Heat (1995)" })
		e.putMovie(m2)
		got, _ = e.getMovie(m.ID)
		require.Equal(t, "Heat (1995)", got.Title)
		require.Equal(t, 3, got.RatingSummary.Count)

		_, status = e.getMovie(newID(t))
		require.Equal(t, http.StatusNotFound, status)
		_, status = e.getMovie("not-an-id")
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestRatingChangesShowAtOnce: a low rating makes the average fall, in the
// document, the lists and the top-rated list; an edited or deleted review
// (a new summary) changes it again; no ratings left leaves the top list.
func TestRatingChangesShowAtOnce(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		a := e.movie("Alpha", inGenres(drama))
		b := e.movie("Beta", inGenres(drama))
		e.putMovie(a)
		e.putMovie(b)
		_, _ = e.getMovie(a.ID) // cached

		e.rate(a.ID, 1, 10, 10, 10, 10)
		e.rate(b.ID, 1, 8, 8, 8, 8)
		require.Equal(t, []string{a.ID, b.ID}, e.ids("/api/movies/top-rated"))
		require.Equal(t, []string{a.ID, b.ID}, e.ids("/api/movies?sort=rating"))
		require.Equal(t, []string{a.ID, b.ID}, e.ids("/api/movies?sort=rating&genre=drama"))
		got, _ := e.getMovie(a.ID)
		require.Equal(t, 10.0, *got.RatingSummary.Average)

		// a low rating arrives: the average falls, everywhere, at once
		e.rate(a.ID, 2, 10, 10, 10, 10, 1, 1, 1)
		got, _ = e.getMovie(a.ID)
		require.InDelta(t, 43.0/7, *got.RatingSummary.Average, 1e-9)
		require.Equal(t, 7, got.RatingSummary.Count)
		require.Equal(t, []string{b.ID, a.ID}, e.ids("/api/movies/top-rated"))
		require.Equal(t, []string{b.ID, a.ID}, e.ids("/api/movies?sort=rating"))
		require.Equal(t, []string{b.ID, a.ID}, e.ids("/api/movies?sort=rating&genre="+drama.ID))
		require.Equal(t, []string{a.ID, b.ID}, e.ids("/api/movies?sort=popularity"))

		var top browseapi.TopRatedPage
		e.get("/api/movies/top-rated", &top)
		require.Equal(t, 2, top.MinVotes)
		require.NotNil(t, top.MeanRating)
		require.InDelta(t, 75.0/11, *top.MeanRating, 0.0101, "C: the mean of all ratings")
		require.Greater(t, top.Items[0].WeightedRating, top.Items[1].WeightedRating)
		require.Equal(t, 4, top.Items[0].RatingSummary.Count)

		// a review is edited (the summary changes again), then all are deleted
		e.rate(a.ID, 3, 10, 10, 10, 10, 10, 10, 10)
		require.Equal(t, []string{a.ID, b.ID}, e.ids("/api/movies/top-rated"))
		e.rate(a.ID, 4)
		got, _ = e.getMovie(a.ID)
		require.Nil(t, got.RatingSummary.Average)
		require.Zero(t, got.RatingSummary.Count)
		require.Equal(t, []string{b.ID}, e.ids("/api/movies/top-rated"), "unrated movies leave the top list")
		require.Equal(t, []string{b.ID, a.ID}, e.ids("/api/movies?sort=rating"), "and sort last")
		require.Equal(t, []string{b.ID, a.ID}, e.ids("/api/movies?sort=rating&order=asc"), "both ways")
		require.Equal(t, []string{b.ID}, e.ids("/api/movies?rating_min=1"))
	})
}

// TestWeightedRating: WR = v/(v+m)·R + m/(v+m)·C, m configurable.
func TestWeightedRating(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite, browse.Config{TopRatedMinVotes: 5})
	few, many, bad := e.movie("Few votes"), e.movie("Many votes"), e.movie("Bad")
	for _, m := range []catalogapi.Movie{few, many, bad} {
		e.putMovie(m)
	}
	e.rate(few.ID, 1, 10) // R 10, v 1
	nines, twos := make([]int, 20), make([]int, 20)
	for i := range nines {
		nines[i], twos[i] = 9, 2
	}
	e.rate(many.ID, 1, nines...) // R 9, v 20
	e.rate(bad.ID, 1, twos...)   // R 2, v 20
	var top browseapi.TopRatedPage
	e.get("/api/movies/top-rated", &top)
	c := (10.0 + 180 + 40) / 41
	wr := func(v, r float64) float64 { return v/(v+5)*r + 5/(v+5)*c }
	require.Equal(t, 5, top.MinVotes)
	require.InDelta(t, c, *top.MeanRating, 1e-9)
	require.Equal(t, []string{many.ID, few.ID, bad.ID}, []string{top.Items[0].ID, top.Items[1].ID, top.Items[2].ID},
		"many good votes beat one perfect vote")
	require.InDelta(t, wr(20, 9), top.Items[0].WeightedRating, 1e-9)
	require.InDelta(t, wr(1, 10), top.Items[1].WeightedRating, 1e-9)
	require.InDelta(t, wr(20, 2), top.Items[2].WeightedRating, 1e-9)

	// pages come from memory with an ETag until a rating or movie event is applied
	r := e.call("/api/movies/top-rated", "")
	etag := r.Header.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, http.StatusNotModified, e.call("/api/movies/top-rated", "", "If-None-Match", etag).Status)
	e.rate(few.ID, 2, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)
	r = e.call("/api/movies/top-rated", "", "If-None-Match", etag)
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &top)
	require.Equal(t, few.ID, top.Items[0].ID, "21 perfect votes now")
}

// TestSoftDeleteAndRestore: a deleted movie leaves every list, genre count,
// search, filmography and the top-rated list; admins still read it with
// include_deleted=true; a restore brings it all back.
func TestSoftDeleteAndRestore(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		ann := e.person("Ann Actor")
		e.putPerson(ann)
		m := e.movie("Casablanca", released("1942-11-26"), inGenres(drama), withCast(ann))
		e.putMovie(m)
		e.rate(m.ID, 1, 9)
		other := e.movie("Other", inGenres(drama))
		e.putMovie(other)

		visible := func() map[string]bool {
			var genres browseapi.GenreList
			e.get("/api/genres", &genres)
			var person catalogapi.Person
			e.get("/api/actors/"+ann.ID, &person)
			var search browseapi.SearchPage
			e.get("/api/search?q=casa", &search)
			_, status := e.getMovie(m.ID)
			return map[string]bool{
				"document":    status == http.StatusOK,
				"list":        contains(e.ids("/api/movies"), m.ID),
				"genre list":  contains(e.ids("/api/movies?genre=drama"), m.ID),
				"genre count": movieCounts(genres.Items)["drama"] == 2,
				"filmography": len(person.Filmography) == 1,
				"actors":      contains(e.ids("/api/actors"), ann.ID),
				"person list": contains(e.ids("/api/movies?person="+ann.ID), m.ID),
				"search":      len(search.Items) == 1,
				"top rated":   contains(e.ids("/api/movies/top-rated"), m.ID),
				"rating sort": contains(e.ids("/api/movies?sort=rating"), m.ID),
			}
		}
		all := func(b bool) map[string]bool {
			out := map[string]bool{}
			for k := range visible() {
				out[k] = b
			}
			return out
		}
		require.Equal(t, all(true), visible())

		del := e.deleted(m)
		e.putMovie(del)
		require.Equal(t, all(false), visible())
		require.Equal(t, http.StatusNotFound, e.call("/api/movies/"+m.ID+"?include_deleted=true", e.user).Status)
		r := e.call("/api/movies/"+m.ID+"?include_deleted=true", e.admin)
		require.Equal(t, http.StatusOK, r.Status)
		var flagged catalogapi.Movie
		r.Decode(t, &flagged)
		require.NotNil(t, flagged.DeletedAt)
		require.Equal(t, 1, flagged.RatingSummary.Count)

		// ratings keep arriving for a deleted movie
		e.rate(m.ID, 2, 9, 3)
		require.Equal(t, all(false), visible())

		e.putMovie(e.restored(del))
		require.Equal(t, all(true), visible())
		got, _ := e.getMovie(m.ID)
		require.Equal(t, 2, got.RatingSummary.Count, "with the rating that came while it was deleted")
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestCastSizes: no cast at all, and 200 cast members.
func TestCastSizes(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		empty := e.movie("Nobody")
		e.putMovie(empty)
		got, status := e.getMovie(empty.ID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, []catalogapi.CastCredit{}, got.Cast)
		require.Equal(t, []catalogapi.CrewCredit{}, got.Crew)

		var people []catalogapi.Person
		for i := 0; i < 200; i++ {
			p := e.person(fmt.Sprintf("Extra %03d", i))
			e.putPerson(p)
			people = append(people, p)
		}
		crowd := e.movie("Crowd", withCast(people...), directedBy(people[0]))
		e.putMovie(crowd)
		got, _ = e.getMovie(crowd.ID)
		require.Len(t, got.Cast, 200)
		require.NotNil(t, got.PosterURL) // generated (TestGeneratedPosters)
		got.PosterURL = nil
		require.Equal(t, crowd, got)
		require.Len(t, e.ids("/api/actors?limit=100"), 200)
		require.Equal(t, []string{crowd.ID}, e.ids("/api/movies?person="+people[199].ID))
		var p catalogapi.Person
		e.get("/api/people/"+people[0].ID, &p)
		require.Equal(t, []catalogapi.FilmographyEntry{
			{MovieID: crowd.ID, Title: "Crowd", Credit: "cast", Character: "Role 0"},
			{MovieID: crowd.ID, Title: "Crowd", Credit: "crew", Job: "Director"},
		}, p.Filmography)

		// the next version drops most of the cast
		e.putMovie(e.next(crowd, func(m *catalogapi.Movie) { m.Cast = m.Cast[:2] }))
		require.Len(t, e.ids("/api/actors?limit=100"), 2)
	})
}

// TestOrderTolerance: older versions arriving late are ignored, duplicates
// are skipped by the inbox, and a rating that comes before its movie is kept.
func TestOrderTolerance(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		v1 := e.movie("First title", inGenres(drama))
		v2 := e.next(v1, func(m *catalogapi.Movie) { m.Title = "Second title"; m.Genres = []catalogapi.Genre{crime} })
		v3 := e.next(v2, func(m *catalogapi.Movie) { m.Title = "Third title"; m.Genres = []catalogapi.Genre{western} })

		// the rating comes first, for a movie nobody knows yet
		e.rate(v1.ID, 2, 7, 9)
		_, status := e.getMovie(v1.ID)
		require.Equal(t, http.StatusNotFound, status)
		require.Empty(t, e.ids("/api/movies"))
		require.Empty(t, e.ids("/api/movies/top-rated"))

		e.putMovie(v3)
		dup := e.putMovie(v2) // late
		e.putMovie(v1)        // later still
		e.apply(catalogConsumer, dup)
		got, _ := e.getMovie(v1.ID)
		require.Equal(t, "Third title", got.Title)
		require.Equal(t, []catalogapi.Genre{western}, got.Genres)
		require.Equal(t, 2, got.RatingSummary.Count, "the early rating shows")
		require.Equal(t, []string{"Third title"}, e.titles("/api/movies"))
		require.Empty(t, e.ids("/api/movies?genre=drama"))
		require.Empty(t, e.ids("/api/movies?genre=crime"))
		var genres browseapi.GenreList
		e.get("/api/genres", &genres)
		require.Equal(t, map[string]int{"western": 1}, movieCounts(genres.Items), "genre counts are learnt from the documents applied")

		// ratings: v3 then v2 (late) then a duplicate of v3
		r3 := e.rate(v1.ID, 3, 1, 1, 1)
		e.rate(v1.ID, 1, 10)
		e.apply(ratingsConsumer, r3)
		got, _ = e.getMovie(v1.ID)
		require.Equal(t, 3, got.RatingSummary.Count)
		require.Equal(t, 1.0, *got.RatingSummary.Average)
		var top browseapi.TopRatedPage
		e.get("/api/movies/top-rated", &top)
		require.InDelta(t, 1.0, *top.MeanRating, 1e-9, "the late summary did not count")

		// a delete, then the update before it arrives late: still deleted
		del := e.deleted(v3)
		e.putMovie(del)
		e.putMovie(e.next(v3, nil)) // version 4 = del's version: same version, ignored
		_, status = e.getMovie(v1.ID)
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestBadEventsArePermanent: payloads that can never apply are dead letters, not retries.
func TestBadEventsArePermanent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	m := e.movie("Fine")
	for _, tc := range []struct {
		name     string
		consumer string
		typ      string
		subject  string
		data     any
	}{
		{"not a movie", catalogConsumer, catalogapi.MovieCreated, m.ID, "text"},
		{"no version", catalogConsumer, catalogapi.MovieCreated, m.ID, catalogapi.Movie{ID: m.ID}},
		{"another movie", catalogConsumer, catalogapi.MovieUpdated, newID(t), m},
		{"no person id", catalogConsumer, catalogapi.PersonCreated, "", catalogapi.Person{Version: 1}},
		{"negative count", ratingsConsumer, "reviews.movie.rating_changed", m.ID, map[string]any{"movie_id": m.ID, "count": -1, "version": 1}},
		{"bad histogram", ratingsConsumer, "reviews.movie.rating_changed", m.ID, map[string]any{"movie_id": m.ID, "count": 1, "version": 1, "histogram": map[string]int{"11": 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, _, _ := strings.Cut(tc.typ, ".")
			err := e.tryApply(tc.consumer, servicetest.NewEnvelope(t, src, tc.typ, tc.subject, tc.data))
			require.Error(t, err)
			require.True(t, isPermanent(err), "%v", err)
		})
	}
}
