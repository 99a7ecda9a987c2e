package catalog_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// fixedNow is the service clock in validation tests.
var fixedNow = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *apperr.Error
	require.ErrorAs(t, err, &ve)
	require.Equal(t, apperr.ErrInvalid, ve.Kind)
	var out []string
	for _, fe := range ve.Fields {
		out = append(out, fe.Field)
	}
	return out
}

func TestMovieValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite, catalog.WithClock(func() time.Time { return fixedNow }))
	ann, err := e.svc.CreatePerson(e.ctx, catalogapi.PersonWrite{Name: "Ann"})
	require.NoError(t, err)
	gone, err := e.svc.CreatePerson(e.ctx, catalogapi.PersonWrite{Name: "Gone"})
	require.NoError(t, err)
	require.NoError(t, e.svc.DeletePerson(e.ctx, gone.ID))
	drama := genre(t, "drama")

	base := func(f func(w *catalogapi.MovieWrite)) catalogapi.MovieWrite {
		w := catalogapi.MovieWrite{Title: "Valid"}
		f(&w)
		return w
	}
	tests := []struct {
		name   string
		w      catalogapi.MovieWrite
		fields []string // nil: valid
	}{
		{"minimal", base(func(w *catalogapi.MovieWrite) {}), nil},
		{"title of 300 characters", base(func(w *catalogapi.MovieWrite) { w.Title = strings.Repeat("é", 300) }), nil},
		{"title of 301 characters", base(func(w *catalogapi.MovieWrite) { w.Title = strings.Repeat("é", 301) }), []string{"title"}},
		{"title missing", base(func(w *catalogapi.MovieWrite) { w.Title = "" }), []string{"title"}},
		{"title with control character", base(func(w *catalogapi.MovieWrite) { w.Title = "a\x00b" }), []string{"title"}},
		{"overview may have line breaks", base(func(w *catalogapi.MovieWrite) { w.Overview = "a\nb\tc" }), nil},
		{"overview too long", base(func(w *catalogapi.MovieWrite) { w.Overview = strings.Repeat("x", 10_001) }), []string{"overview"}},
		{"earliest release date", base(func(w *catalogapi.MovieWrite) { w.ReleaseDate = "1870-01-01" }), nil},
		{"release before 1870", base(func(w *catalogapi.MovieWrite) { w.ReleaseDate = "1869-12-31" }), []string{"release_date"}},
		{"release five years ahead", base(func(w *catalogapi.MovieWrite) { w.ReleaseDate = "2031-06-15" }), nil},
		{"release too far ahead", base(func(w *catalogapi.MovieWrite) { w.ReleaseDate = "2031-06-16" }), []string{"release_date"}},
		{"release not a real date", base(func(w *catalogapi.MovieWrite) { w.ReleaseDate = "2001-02-29" }), []string{"release_date"}},
		{"release in another format", base(func(w *catalogapi.MovieWrite) { w.ReleaseDate = "2001-2-3" }), []string{"release_date"}},
		{"runtime 1", base(func(w *catalogapi.MovieWrite) { w.RuntimeMinutes = intp(1) }), nil},
		{"runtime 1000", base(func(w *catalogapi.MovieWrite) { w.RuntimeMinutes = intp(1000) }), nil},
		{"runtime 0", base(func(w *catalogapi.MovieWrite) { w.RuntimeMinutes = intp(0) }), []string{"runtime_minutes"}},
		{"runtime 1001", base(func(w *catalogapi.MovieWrite) { w.RuntimeMinutes = intp(1001) }), []string{"runtime_minutes"}},
		{"rating any case", base(func(w *catalogapi.MovieWrite) { w.MaturityRating = "nc-17" }), nil},
		{"TV rating", base(func(w *catalogapi.MovieWrite) { w.MaturityRating = "TV-MA" }), nil},
		{"unknown rating", base(func(w *catalogapi.MovieWrite) { w.MaturityRating = "PG-15" }), []string{"maturity_rating"}},
		{"languages", base(func(w *catalogapi.MovieWrite) { w.Languages = []string{"en", "pt-BR", "zh-Hant", "es-419"} }), nil},
		{"bad language", base(func(w *catalogapi.MovieWrite) { w.Languages = []string{"en", "English"} }), []string{"languages[1]"}},
		{"duplicate language", base(func(w *catalogapi.MovieWrite) { w.Languages = []string{"en", "EN"} }), []string{"languages[1]"}},
		{"http poster", base(func(w *catalogapi.MovieWrite) { w.PosterURL = "http://img.example/p.jpg" }), nil},
		{"relative poster", base(func(w *catalogapi.MovieWrite) { w.PosterURL = "/p.jpg" }), []string{"poster_url"}},
		{"javascript poster", base(func(w *catalogapi.MovieWrite) { w.PosterURL = "javascript:alert(1)" }), []string{"poster_url"}},
		{"genre", base(func(w *catalogapi.MovieWrite) { w.GenreIDs = []string{drama.ID} }), nil},
		{"unknown genre", base(func(w *catalogapi.MovieWrite) { w.GenreIDs = []string{drama.ID, drama.ID[:35] + "0"} }), []string{"genre_ids[1]"}},
		{"duplicate genre", base(func(w *catalogapi.MovieWrite) { w.GenreIDs = []string{drama.ID, drama.ID} }), []string{"genre_ids[1]"}},
		{"cast and crew", base(func(w *catalogapi.MovieWrite) {
			w.Cast = []catalogapi.CastWrite{{PersonID: ann.ID, Character: "Hero", Order: intp(3)}}
			w.Crew = []catalogapi.CrewWrite{{PersonID: ann.ID, Job: "Director"}}
		}), nil},
		{"deleted person", base(func(w *catalogapi.MovieWrite) {
			w.Cast = []catalogapi.CastWrite{{PersonID: ann.ID}, {PersonID: gone.ID}}
		}), []string{"cast[1].person_id"}},
		{"missing person id", base(func(w *catalogapi.MovieWrite) { w.Crew = []catalogapi.CrewWrite{{Job: "Director"}} }), []string{"crew[0].person_id"}},
		{"negative order", base(func(w *catalogapi.MovieWrite) { w.Cast = []catalogapi.CastWrite{{PersonID: ann.ID, Order: intp(-1)}} }), []string{"cast[0].order"}},
		{"too many credits", base(func(w *catalogapi.MovieWrite) {
			for i := 0; i < 501; i++ {
				w.Cast = append(w.Cast, catalogapi.CastWrite{PersonID: ann.ID})
			}
		}), []string{"cast"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := e.svc.CreateMovie(e.ctx, tc.w)
			if tc.fields == nil {
				require.NoError(t, err)
				require.NotEmpty(t, m.ID)
				return
			}
			require.Equal(t, tc.fields, fieldsOf(t, err))
		})
	}
}

func TestPersonValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite, catalog.WithClock(func() time.Time { return fixedNow }))
	tests := []struct {
		name   string
		w      catalogapi.PersonWrite
		fields []string
	}{
		{"full", catalogapi.PersonWrite{Name: "Ann", BirthDate: "1970-01-01", Nationality: "French", Biography: "Line 1\nLine 2", PhotoURL: "https://x.example/a.jpg"}, nil},
		{"born today", catalogapi.PersonWrite{Name: "Baby", BirthDate: "2026-06-15"}, nil},
		{"born tomorrow", catalogapi.PersonWrite{Name: "Soon", BirthDate: "2026-06-16"}, []string{"birth_date"}},
		{"born long ago", catalogapi.PersonWrite{Name: "Old", BirthDate: "1799-12-31"}, []string{"birth_date"}},
		{"bad date", catalogapi.PersonWrite{Name: "X", BirthDate: "yesterday"}, []string{"birth_date"}},
		{"no name", catalogapi.PersonWrite{Name: " "}, []string{"name"}},
		{"long name", catalogapi.PersonWrite{Name: strings.Repeat("n", 201)}, []string{"name"}},
		{"bad photo", catalogapi.PersonWrite{Name: "X", PhotoURL: "mailto:x@example.com"}, []string{"photo_url"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.svc.CreatePerson(e.ctx, tc.w)
			if tc.fields == nil {
				require.NoError(t, err)
				require.Equal(t, int64(1), p.Version)
				return
			}
			require.Equal(t, tc.fields, fieldsOf(t, err))
		})
	}
	_, err := e.svc.UpdatePerson(e.ctx, uuid.NewString(), catalogapi.PersonWrite{Name: "x"})
	require.ErrorIs(t, err, catalog.ErrNotFound)
	require.ErrorIs(t, err, httpx.ErrNotFound)
	require.ErrorIs(t, e.svc.DeletePerson(e.ctx, "not-an-id"), catalog.ErrNotFound)
}

func TestImportDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite, catalog.WithImportBatch(3))
	rows := []demo.Row{
		{Line: 1, Title: "Heat", ReleaseDate: "1995-12-15", MaturityRating: "R", RuntimeMinutes: 170, Genre: "Action", Director: "Michael Mann"},
		{Line: 2, Title: "Collateral", ReleaseDate: "2004-08-06", Genre: "Thriller/Suspense", Director: "michael  MANN"},
		{Line: 3, Title: "Unknown Genre", Genre: "Sci-Fi"},
		{Line: 4, Title: "Bad Date", ReleaseDate: "1995-13-01"},
		{Line: 5, Title: "HEAT", ReleaseDate: "1995-12-15"}, // same film as line 1
		{Line: 6, Title: "Not Rated", MaturityRating: "Not Rated", Genre: "concert/performance"},
		{Line: 7, Title: "Heat", Director: "Someone Else"}, // another film: no date
		{Line: 8, Title: "Boom", Director: "Solo Director"},
		{Line: 9, Title: "After Boom", Director: "Michael Mann"},
	}
	// a row the database refuses: its batch is redone row by row, and the
	// bad row leaves nothing (not even its new director) behind
	_, err := e.db.ExecContext(e.ctx, `CREATE TRIGGER boom BEFORE INSERT ON movies WHEN NEW.title = 'Boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`)
	require.NoError(t, err)

	rep, err := e.svc.ImportDemo(e.ctx, rows)
	require.NoError(t, err)
	require.Equal(t, 9, rep.Rows)
	require.Equal(t, 5, rep.Created)
	require.Equal(t, 1, rep.AlreadyPresent)
	require.Equal(t, 2, rep.PeopleCreated)
	require.Len(t, rep.Failed, 3)
	require.Equal(t, []int{3, 4, 8}, []int{rep.Failed[0].Line, rep.Failed[1].Line, rep.Failed[2].Line})
	require.Contains(t, rep.Failed[0].Reason, "genre")
	require.Contains(t, rep.Failed[1].Reason, "release_date")
	require.Contains(t, rep.Failed[2].Reason, "boom")
	require.Equal(t, 5, e.count("movies"))
	require.Equal(t, 2, e.count("people"), "Michael Mann once, Someone Else; no Solo Director")

	var page catalogapi.PersonPage
	e.call("GET", "/api/admin/catalog/people?q=mann", e.admin, nil).Decode(t, &page)
	require.Len(t, page.Items, 1)
	mann, err := e.svc.GetPerson(e.ctx, page.Items[0].ID, false)
	require.NoError(t, err)
	require.Equal(t, "Michael Mann", mann.Name)
	require.Len(t, mann.Filmography, 3)
	for _, f := range mann.Filmography {
		require.Equal(t, "crew", f.Credit)
		require.Equal(t, "Director", f.Job)
	}
	var movies catalogapi.MoviePage
	e.call("GET", "/api/admin/catalog/movies?q=heat&sort=year", e.admin, nil).Decode(t, &movies)
	require.Len(t, movies.Items, 2)
	heat := movies.Items[0]
	require.Equal(t, "1995-12-15", *heat.ReleaseDate)
	require.Equal(t, 170, *heat.RuntimeMinutes)
	require.Equal(t, "R", heat.MaturityRating)
	require.Equal(t, []catalogapi.Genre{genre(t, "action")}, heat.Genres)
	e.call("GET", "/api/admin/catalog/movies?q=not+rated", e.admin, nil).Decode(t, &movies)
	require.Equal(t, "NR", movies.Items[0].MaturityRating)

	types := map[string]int{}
	for _, env := range e.outbox() {
		types[env.Type]++
		require.True(t, env.Bulk, "an import's events are marked bulk: notify announces none of its movies")
		// the documents of import events are built in memory: they must be
		// what the service answers (imports never change earlier movies)
		switch env.Type {
		case catalogapi.MovieCreated:
			var doc catalogapi.MovieEvent
			require.NoError(t, env.Decode(&doc))
			m, err := e.svc.GetMovie(e.ctx, env.Subject, false)
			require.NoError(t, err)
			require.Equal(t, roundTrip(t, m), doc)
		case catalogapi.PersonCreated:
			var doc catalogapi.PersonEvent
			require.NoError(t, env.Decode(&doc))
			p, err := e.svc.GetPerson(e.ctx, env.Subject, false)
			require.NoError(t, err)
			p.Filmography = []catalogapi.FilmographyEntry{} // a snapshot taken before the first credit
			require.Equal(t, roundTrip(t, p), doc)
		}
	}
	require.Equal(t, map[string]int{catalogapi.MovieCreated: 5, catalogapi.PersonCreated: 2}, types, "one event per row written, none for failed rows")

	// idempotent: a second run adds nothing
	_, err = e.db.ExecContext(e.ctx, `DROP TRIGGER boom`)
	require.NoError(t, err)
	rep, err = e.svc.ImportDemo(e.ctx, rows[:7])
	require.NoError(t, err)
	require.Equal(t, 0, rep.Created)
	require.Equal(t, 0, rep.PeopleCreated)
	require.Equal(t, 5, rep.AlreadyPresent)
	require.Len(t, rep.Failed, 2)
	require.Equal(t, 5, e.count("movies"))
	require.Len(t, e.outbox(), 7)
}

// TestImportEmbeddedDemo imports the whole embedded demo catalog, twice.
func TestImportEmbeddedDemo(t *testing.T) {
	t.Parallel()
	rows, rejects, err := demo.Embedded()
	require.NoError(t, err)
	require.Greater(t, len(rows), 3000)
	e := newEnv(t, sqldb.SQLite)

	start := time.Now()
	rep, err := e.svc.ImportDemo(e.ctx, rows)
	require.NoError(t, err)
	took := time.Since(start)
	t.Logf("imported %d rows (%d rejected by the parser) in %v: %d created, %d failed, %d people",
		len(rows), len(rejects), took, rep.Created, len(rep.Failed), rep.PeopleCreated)
	for _, f := range rep.Failed {
		t.Logf("failed line %d %q: %s", f.Line, f.Title, f.Reason)
	}
	require.Empty(t, rep.Failed, "the parser's rows are all valid movies")
	require.Equal(t, len(rows), rep.Created)

	rep, err = e.svc.ImportDemo(e.ctx, rows)
	require.NoError(t, err)
	require.Equal(t, 0, rep.Created)
	require.Equal(t, len(rows), rep.AlreadyPresent)
	require.Equal(t, len(rows), e.count("movies"))
}

func TestServiceErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	for _, id := range []string{"x", uuid.NewString()} {
		_, err := e.svc.GetMovie(e.ctx, id, true)
		require.ErrorIs(t, err, catalog.ErrNotFound, id)
		require.Equal(t, apperr.ErrNotFound, apperr.KindOf(err))
		_, err = e.svc.GetPerson(e.ctx, id, true)
		require.ErrorIs(t, err, catalog.ErrNotFound, id)
		require.ErrorIs(t, e.svc.DeleteMovie(e.ctx, id), catalog.ErrNotFound)
		_, err = e.svc.RestorePerson(e.ctx, id)
		require.ErrorIs(t, err, catalog.ErrNotFound)
	}
	require.Panics(t, func() { catalog.New(nil, nil, nil) })
	require.NotEmpty(t, fmt.Sprint(catalog.OpenAPI[:1]))
}

// roundTrip passes v through JSON, as events and answers do.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out T
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}
