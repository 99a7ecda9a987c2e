package catalog_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	doc, err := spec()
	require.NoError(t, err, "the OpenAPI document is valid")
	e := newEnv(t, sqldb.SQLite)

	var fromRouter, fromSpec []string
	for _, r := range e.router.Routes() {
		fromRouter = append(fromRouter, r.Pattern)
		require.Equal(t, auth.Admin, r.Access, r.Pattern, "the public reads are the browse service's")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			fromSpec = append(fromSpec, method+" "+path)
			secured := false
			if op.Security != nil && len(*op.Security) == 1 {
				_, secured = (*op.Security)[0]["bearerAuth"]
			}
			require.True(t, secured, "%s %s requires bearerAuth", method, path)
		}
	}
	sort.Strings(fromSpec)
	require.Equal(t, fromRouter, fromSpec)
	require.Contains(t, doc.Components.Schemas, "Problem")
	for _, name := range []string{"Movie", "Person", "Genre", "MovieWrite", "PersonWrite", "MoviePage", "PersonPage"} {
		require.Contains(t, doc.Components.Schemas, name)
	}
	for _, op := range []string{"GET /api/movies", "GET /api/movies/{id}", "GET /api/actors", "GET /api/actors/{id}", "GET /api/people", "GET /api/people/{id}", "GET /api/genres"} {
		require.NotContains(t, fromRouter, op, "moved to the browse service")
	}
}

func TestWritesNeedAnAdministrator(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	m := e.createMovie(catalogapi.MovieWrite{Title: "Heat"})
	p := e.createPerson("Ann")
	writes := []struct{ method, path string }{
		{http.MethodPost, "/api/movies"},
		{http.MethodPut, "/api/movies/" + m.ID},
		{http.MethodDelete, "/api/movies/" + m.ID},
		{http.MethodPost, "/api/movies/" + m.ID + "/restore"},
		{http.MethodPost, "/api/actors"},
		{http.MethodPut, "/api/actors/" + p.ID},
		{http.MethodDelete, "/api/actors/" + p.ID},
		{http.MethodPost, "/api/actors/" + p.ID + "/restore"},
		// the catalog's own reads too
		{http.MethodGet, "/api/admin/catalog/movies"},
		{http.MethodGet, "/api/admin/catalog/movies/" + m.ID},
		{http.MethodGet, "/api/admin/catalog/people"},
		{http.MethodGet, "/api/admin/catalog/people/" + p.ID},
	}
	before := len(e.outbox())
	for _, w := range writes {
		t.Run(w.method+" "+w.path, func(t *testing.T) {
			r := e.call(w.method, w.path, "", `{"title":"x","name":"x"}`)
			require.Equal(t, http.StatusUnauthorized, r.Status)
			require.NotEmpty(t, r.Header.Get("WWW-Authenticate"))
			r = e.call(w.method, w.path, e.user, `{"title":"x","name":"x"}`)
			require.Equal(t, http.StatusForbidden, r.Status)
			r = e.call(w.method, w.path, "not-a-token", `{"title":"x","name":"x"}`)
			require.Equal(t, http.StatusUnauthorized, r.Status)
		})
	}
	require.Len(t, e.outbox(), before, "refused writes emit nothing")
	for _, path := range []string{"/api/admin/catalog/movies", "/api/admin/catalog/movies/" + m.ID, "/api/admin/catalog/people", "/api/admin/catalog/people/" + p.ID} {
		require.Equal(t, http.StatusOK, e.call(http.MethodGet, path, e.admin, nil).Status, path)
	}
}

// TestMovieLifecycle runs create, read, update, soft delete and restore
// through HTTP on both engines and checks each write's event.
func TestMovieLifecycle(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		ann := e.createPerson("Ann Actor")
		bob := e.createPerson("Bob Director")
		drama, crime := genre(t, "drama"), genre(t, "crime")

		in := catalogapi.MovieWrite{
			Title: "  Heat ", OriginalTitle: "Heat", Overview: "Cops and robbers.\nIn L.A.", ReleaseDate: "1995-12-15",
			RuntimeMinutes: intp(170), MaturityRating: "r", Languages: []string{"EN", "es-mx"},
			PosterURL: "https://img.example/heat.jpg", GenreIDs: []string{crime.ID, drama.ID},
			Cast: []catalogapi.CastWrite{{PersonID: ann.ID, Character: "Eady"}},
			Crew: []catalogapi.CrewWrite{{PersonID: bob.ID, Job: "Director"}},
		}
		r := e.call(http.MethodPost, "/api/movies", e.admin, in)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var created catalogapi.Movie
		r.Decode(t, &created)
		require.Equal(t, "/api/movies/"+created.ID, r.Header.Get("Location"))
		v, err := uuid.Parse(created.ID)
		require.NoError(t, err)
		require.Equal(t, uuid.Version(7), v.Version())
		require.Equal(t, "Heat", created.Title, "trimmed")
		require.Equal(t, "R", created.MaturityRating, "normalised")
		require.Equal(t, []string{"en", "es-MX"}, created.Languages)
		require.Equal(t, []catalogapi.Genre{crime, drama}, created.Genres)
		require.Equal(t, []catalogapi.CastCredit{{PersonID: ann.ID, Name: "Ann Actor", Character: "Eady", Order: 0}}, created.Cast)
		require.Equal(t, []catalogapi.CrewCredit{{PersonID: bob.ID, Name: "Bob Director", Job: "Director"}}, created.Crew)
		require.Nil(t, created.RatingSummary.Average)
		require.Equal(t, 0, created.RatingSummary.Count)
		require.Len(t, created.RatingSummary.Histogram, 10)
		require.Equal(t, int64(1), created.Version)
		require.Nil(t, created.DeletedAt)

		got, r := e.getMovie(created.ID, "")
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, created, got)
		var raw map[string]any
		r.Decode(t, &raw)
		require.Contains(t, raw, "deleted_at")
		require.Nil(t, raw["deleted_at"])
		require.Equal(t, map[string]any{"1": 0.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0, "6": 0.0, "7": 0.0, "8": 0.0, "9": 0.0, "10": 0.0},
			raw["rating_summary"].(map[string]any)["histogram"])

		// update replaces everything
		r = e.call(http.MethodPut, "/api/movies/"+created.ID, e.admin, catalogapi.MovieWrite{Title: "Heat (1995)", GenreIDs: []string{drama.ID}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var updated catalogapi.Movie
		r.Decode(t, &updated)
		require.Equal(t, "Heat (1995)", updated.Title)
		require.Equal(t, int64(2), updated.Version)
		require.Empty(t, updated.Cast)
		require.Nil(t, updated.ReleaseDate)
		got, _ = e.getMovie(created.ID, "")
		require.Equal(t, updated, got, "the cached document was replaced")

		// soft delete: 204, then 404 to everyone but admins asking for deleted rows
		r = e.call(http.MethodDelete, "/api/movies/"+created.ID, e.admin, nil)
		require.Equal(t, http.StatusNoContent, r.Status)
		require.Empty(t, r.Body)
		_, r = e.getMovie(created.ID, e.admin)
		require.Equal(t, http.StatusNotFound, r.Status)
		require.Equal(t, http.StatusForbidden, e.call(http.MethodGet, "/api/admin/catalog/movies/"+created.ID+"?include_deleted=true", e.user, nil).Status)
		r = e.call(http.MethodGet, "/api/admin/catalog/movies/"+created.ID+"?include_deleted=true", e.admin, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var deleted catalogapi.Movie
		r.Decode(t, &deleted)
		require.NotNil(t, deleted.DeletedAt)
		require.Equal(t, int64(3), deleted.Version)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodPut, "/api/movies/"+created.ID, e.admin, in).Status)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodDelete, "/api/movies/"+created.ID, e.admin, nil).Status)

		var page catalogapi.MoviePage
		e.call(http.MethodGet, "/api/admin/catalog/movies", e.admin, nil).Decode(t, &page)
		require.Empty(t, page.Items)
		require.Equal(t, http.StatusForbidden, e.call(http.MethodGet, "/api/admin/catalog/movies?include_deleted=true", e.user, nil).Status)
		e.call(http.MethodGet, "/api/admin/catalog/movies?include_deleted=true", e.admin, nil).Decode(t, &page)
		require.Len(t, page.Items, 1)

		// restore
		r = e.call(http.MethodPost, "/api/movies/"+created.ID+"/restore", e.admin, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var restored catalogapi.Movie
		r.Decode(t, &restored)
		require.Nil(t, restored.DeletedAt)
		require.Equal(t, int64(4), restored.Version)
		r = e.call(http.MethodPost, "/api/movies/"+created.ID+"/restore", e.admin, nil)
		require.Equal(t, http.StatusOK, r.Status, "restoring a live movie is a no-op")
		got, r = e.getMovie(created.ID, "")
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, restored, got)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodPost, "/api/movies/"+uuid.NewString()+"/restore", e.admin, nil).Status)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/admin/catalog/movies/not-an-id", e.admin, nil).Status)

		// one event per write, with the document as it was after the write
		envs := e.outbox()
		require.Equal(t, []string{
			catalogapi.PersonCreated, catalogapi.PersonCreated,
			catalogapi.MovieCreated, catalogapi.MovieUpdated, catalogapi.MovieDeleted, catalogapi.MovieRestored,
		}, servicetest.EventTypes(envs))
		for i, want := range []catalogapi.Movie{created, updated, deleted, restored} {
			env := envs[2+i]
			require.Equal(t, catalogapi.Source, env.Source)
			require.Equal(t, created.ID, env.Subject)
			var data catalogapi.MovieEvent
			require.NoError(t, env.Decode(&data))
			require.Equal(t, want, data)
		}
		var p catalogapi.PersonEvent
		require.NoError(t, envs[0].Decode(&p))
		require.Equal(t, ann.ID, envs[0].Subject)
		require.Equal(t, ann, p)
	})
}

func TestPersonLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	r := e.call(http.MethodPost, "/api/actors", e.admin, catalogapi.PersonWrite{
		Name: "Ann Actor", BirthDate: "1970-01-02", Nationality: "French", Biography: "Born.\nActed.", PhotoURL: "https://img.example/ann.png",
	})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var ann catalogapi.Person
	r.Decode(t, &ann)
	require.Equal(t, "/api/actors/"+ann.ID, r.Header.Get("Location"))
	require.Equal(t, "1970-01-02", *ann.BirthDate)
	require.Equal(t, []catalogapi.FilmographyEntry{}, ann.Filmography)

	m := e.createMovie(catalogapi.MovieWrite{Title: "Heat", ReleaseDate: "1995-12-15", Cast: []catalogapi.CastWrite{{PersonID: ann.ID, Character: "Eady"}}})
	for _, path := range []string{"/api/admin/catalog/people/"} {
		var p catalogapi.Person
		r := e.call(http.MethodGet, path+ann.ID, e.admin, nil)
		require.Equal(t, http.StatusOK, r.Status)
		r.Decode(t, &p)
		d := "1995-12-15"
		require.Equal(t, []catalogapi.FilmographyEntry{{MovieID: m.ID, Title: "Heat", ReleaseDate: &d, Credit: "cast", Character: "Eady"}}, p.Filmography)
	}

	r = e.call(http.MethodPut, "/api/actors/"+ann.ID, e.admin, catalogapi.PersonWrite{Name: "Ann Actress"})
	require.Equal(t, http.StatusOK, r.Status)
	var updated catalogapi.Person
	r.Decode(t, &updated)
	require.Equal(t, int64(2), updated.Version)
	require.Nil(t, updated.BirthDate, "PUT replaces the whole person")

	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/actors/"+ann.ID, e.admin, nil).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/admin/catalog/people/"+ann.ID, e.admin, nil).Status)
	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/admin/catalog/people/"+ann.ID+"?include_deleted=true", e.admin, nil).Status)
	require.Equal(t, http.StatusForbidden, e.call(http.MethodGet, "/api/admin/catalog/people/"+ann.ID+"?include_deleted=true", e.user, nil).Status)
	require.Equal(t, http.StatusBadRequest, e.call(http.MethodGet, "/api/admin/catalog/people/"+ann.ID+"?include_deleted=perhaps", e.admin, nil).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodPut, "/api/actors/"+ann.ID, e.admin, catalogapi.PersonWrite{Name: "x"}).Status)
	got, _ := e.getMovie(m.ID, "")
	require.Empty(t, got.Cast, "a deleted person leaves the cast list")

	r = e.call(http.MethodPost, "/api/actors/"+ann.ID+"/restore", e.admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	got, _ = e.getMovie(m.ID, "")
	require.Len(t, got.Cast, 1, "and comes back with a restore")

	require.Equal(t, []string{
		catalogapi.PersonCreated, catalogapi.MovieCreated,
		catalogapi.PersonUpdated, catalogapi.MovieUpdated,
		catalogapi.PersonDeleted, catalogapi.MovieUpdated,
		catalogapi.PersonRestored, catalogapi.MovieUpdated,
	}, servicetest.EventTypes(e.outbox()))
}

// TestPersonRenameUpdatesMovies: a new name shows in the cast and crew of
// every movie at once (the cached documents are dropped) and each movie is
// re-emitted with a new version.
func TestPersonRenameUpdatesMovies(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		ann := e.createPerson("Ann")
		other := e.createPerson("Other")
		m1 := e.createMovie(catalogapi.MovieWrite{Title: "One", Cast: []catalogapi.CastWrite{{PersonID: ann.ID}, {PersonID: other.ID}}})
		m2 := e.createMovie(catalogapi.MovieWrite{Title: "Two", Crew: []catalogapi.CrewWrite{{PersonID: ann.ID, Job: "Director"}}})
		m3 := e.createMovie(catalogapi.MovieWrite{Title: "Three", Cast: []catalogapi.CastWrite{{PersonID: other.ID}}})
		for _, m := range []catalogapi.Movie{m1, m2, m3} {
			e.getMovie(m.ID, "") // warm the cache
		}
		before := len(e.outbox())

		r := e.call(http.MethodPut, "/api/actors/"+ann.ID, e.admin, catalogapi.PersonWrite{Name: "Ann Renamed"})
		require.Equal(t, http.StatusOK, r.Status)

		got1, _ := e.getMovie(m1.ID, "")
		require.Equal(t, "Ann Renamed", got1.Cast[0].Name)
		require.Equal(t, "Other", got1.Cast[1].Name)
		require.Equal(t, int64(2), got1.Version)
		got2, _ := e.getMovie(m2.ID, "")
		require.Equal(t, "Ann Renamed", got2.Crew[0].Name)
		require.Equal(t, int64(2), got2.Version)
		got3, _ := e.getMovie(m3.ID, "")
		require.Equal(t, int64(1), got3.Version, "movies without the person are untouched")

		envs := e.outbox()[before:]
		require.Equal(t, []string{catalogapi.PersonUpdated, catalogapi.MovieUpdated, catalogapi.MovieUpdated}, servicetest.EventTypes(envs))
		seen := map[string]catalogapi.Movie{}
		for _, env := range envs[1:] {
			var m catalogapi.MovieEvent
			require.NoError(t, env.Decode(&m))
			seen[env.Subject] = m
		}
		require.Equal(t, map[string]catalogapi.Movie{m1.ID: got1, m2.ID: got2}, seen)

		// the same name again: no movie changes
		before = len(e.outbox())
		r = e.call(http.MethodPut, "/api/actors/"+ann.ID, e.admin, catalogapi.PersonWrite{Name: "Ann Renamed", Biography: "New bio"})
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, []string{catalogapi.PersonUpdated}, servicetest.EventTypes(e.outbox()[before:]))
	})
}

// TestFailedWritesLeaveNothing: rows and events share one transaction.
func TestFailedWritesLeaveNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann := e.createPerson("Ann")
	movies, events := e.count("movies"), len(e.outbox())

	r := e.call(http.MethodPost, "/api/movies", e.admin, catalogapi.MovieWrite{Title: "X", Cast: []catalogapi.CastWrite{{PersonID: ann.ID}, {PersonID: uuid.NewString()}}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"cast[1].person_id"}, r.Fields(t))
	require.Equal(t, movies, e.count("movies"))
	require.Zero(t, e.count("credits"))
	require.Len(t, e.outbox(), events)

	// the event insert fails: the movie rows roll back with it
	_, err := e.db.ExecContext(e.ctx, `CREATE TRIGGER outbox_down BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox down'); END`)
	require.NoError(t, err)
	r = e.call(http.MethodPost, "/api/movies", e.admin, catalogapi.MovieWrite{Title: "Y", Cast: []catalogapi.CastWrite{{PersonID: ann.ID}}})
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.Equal(t, movies, e.count("movies"))
	require.Zero(t, e.count("credits"))
	r = e.call(http.MethodPut, "/api/actors/"+ann.ID, e.admin, catalogapi.PersonWrite{Name: "Not Ann"})
	require.Equal(t, http.StatusInternalServerError, r.Status)
	p, err := e.svc.GetPerson(e.ctx, ann.ID, false)
	require.NoError(t, err)
	require.Equal(t, "Ann", p.Name)
	require.Equal(t, int64(1), p.Version)
}

func TestValidationAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann := e.createPerson("Ann")
	m := e.createMovie(catalogapi.MovieWrite{Title: "Base"})
	movies, events := e.count("movies"), len(e.outbox())
	long := strings.Repeat("x", 301)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		fields []string
	}{
		{"no title", "POST", "/api/movies", catalogapi.MovieWrite{}, 422, []string{"title"}},
		{"blank title", "POST", "/api/movies", catalogapi.MovieWrite{Title: "   "}, 422, []string{"title"}},
		{"long title", "POST", "/api/movies", catalogapi.MovieWrite{Title: long}, 422, []string{"title"}},
		{"the document's limits, before the handler", "POST", "/api/movies", catalogapi.MovieWrite{Title: "x", ReleaseDate: "15/12/1995", RuntimeMinutes: intp(0)}, 422,
			[]string{"release_date", "runtime_minutes"}},
		{"bad fields at once", "POST", "/api/movies", catalogapi.MovieWrite{Title: "x", ReleaseDate: "15/12/1995", MaturityRating: "XXX", PosterURL: "ftp://x/y"}, 422,
			[]string{"maturity_rating", "poster_url", "release_date"}},
		{"unknown genre", "POST", "/api/movies", catalogapi.MovieWrite{Title: "x", GenreIDs: []string{genre(t, "drama").ID, uuid.NewString()}}, 422, []string{"genre_ids[1]"}},
		{"genre not an id", "POST", "/api/movies", catalogapi.MovieWrite{Title: "x", GenreIDs: []string{"drama"}}, 422, []string{"genre_ids[0]"}},
		{"unknown people", "POST", "/api/movies", catalogapi.MovieWrite{Title: "x",
			Cast: []catalogapi.CastWrite{{PersonID: uuid.NewString()}, {PersonID: ann.ID}},
			Crew: []catalogapi.CrewWrite{{PersonID: ann.ID, Job: "Director"}, {PersonID: uuid.NewString(), Job: "Writer"}}}, 422,
			[]string{"cast[0].person_id", "crew[1].person_id"}},
		{"crew job missing", "POST", "/api/movies", catalogapi.MovieWrite{Title: "x", Crew: []catalogapi.CrewWrite{{PersonID: ann.ID}}}, 422, []string{"crew[0].job"}},
		{"every field the document refuses at once", "POST", "/api/movies", catalogapi.MovieWrite{
			GenreIDs: []string{uuid.NewString(), "drama", genre(t, "drama").ID, genre(t, "drama").ID},
			Crew:     []catalogapi.CrewWrite{{PersonID: "nobody"}}}, 422,
			[]string{"crew[0].job", "crew[0].person_id", "genre_ids[1]", "title"}},
		{"every error the service finds at once", "POST", "/api/movies", catalogapi.MovieWrite{Title: "x",
			GenreIDs: []string{uuid.NewString(), genre(t, "drama").ID, genre(t, "drama").ID},
			Crew:     []catalogapi.CrewWrite{{PersonID: uuid.NewString(), Job: "Writer"}}}, 422,
			[]string{"genre_ids[2]", "genre_ids[0]", "crew[0].person_id"}},
		{"the document's refusal on update", "PUT", "/api/movies/" + m.ID, catalogapi.MovieWrite{GenreIDs: []string{uuid.NewString()}}, 422,
			[]string{"title"}},
		{"the service's on update", "PUT", "/api/movies/" + m.ID, catalogapi.MovieWrite{Title: "x", GenreIDs: []string{uuid.NewString()}}, 422,
			[]string{"genre_ids[0]"}},
		{"update validated too", "PUT", "/api/movies/" + m.ID, catalogapi.MovieWrite{Title: "x", Languages: []string{"english"}}, 422, []string{"languages[0]"}},
		{"update of a missing movie", "PUT", "/api/movies/" + uuid.NewString(), catalogapi.MovieWrite{Title: "x"}, 404, nil},
		{"person without name", "POST", "/api/actors", catalogapi.PersonWrite{BirthDate: "2999-01-01", PhotoURL: "not a url"}, 422, []string{"name", "photo_url"}},
		{"a birth date in the future, which the service judges", "POST", "/api/actors", catalogapi.PersonWrite{Name: "Ann", BirthDate: "2999-01-01", PhotoURL: "https://example.com/ann.jpg"}, 422, []string{"birth_date"}},
		{"malformed JSON", "POST", "/api/movies", `{"title":`, 400, []string{"body"}},
		{"wrong type", "POST", "/api/movies", `{"title":"x","runtime_minutes":"long"}`, 422, []string{"runtime_minutes"}},
		{"two objects", "POST", "/api/actors", `{"name":"a"}{"name":"b"}`, 400, []string{"body"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(tc.method, tc.path, e.admin, tc.body)
			require.Equal(t, tc.status, r.Status, "%s", r.Body)
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			if tc.fields != nil {
				require.Equal(t, tc.fields, r.Fields(t))
			}
		})
	}
	require.Equal(t, movies, e.count("movies"), "no rows")
	require.Len(t, e.outbox(), events, "no events")
}

func TestListParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	var page catalogapi.MoviePage
	r := e.call(http.MethodGet, "/api/admin/catalog/movies?sort=year", e.admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.Decode(t, &page)
	require.Nil(t, page.NextCursor)
	require.Equal(t, "null", string(mustField(t, r.Body, "next_cursor")))

	otherSortCursor := pageCursor(t, e, "/api/admin/catalog/movies?sort=created&limit=1")
	tests := []struct {
		query string
		field string
	}{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=ten", "limit"},
		{"sort=best", "sort"}, {"order=up", "order"},
		{"rating_min=11", "rating_min"}, {"rating_min=-1", "rating_min"}, {"rating_min=x", "rating_min"},
		{"available=maybe", "available"}, {"year_from=abc", "year_from"}, {"year_to=99999", "year_to"},
		{"year_from=2000&year_to=1999", "year_to"}, {"person=bob", "person"},
		{"include_deleted=perhaps", "include_deleted"}, {"q=" + strings.Repeat("q", 201), "q"},
		{"cursor=!!!", "cursor"}, {"cursor=bm90LWpzb24", "cursor"}, {"cursor=" + otherSortCursor, "cursor"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := e.call(http.MethodGet, "/api/admin/catalog/movies?"+tc.query, e.admin, nil)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			require.Contains(t, r.Fields(t), tc.field)
		})
	}
	for _, path := range []string{"/api/admin/catalog/people?actors=true", "/api/admin/catalog/people?actors=false"} {
		for _, q := range []string{"limit=0", "limit=101", "sort=title", "order=sideways"} {
			r := e.call(http.MethodGet, path+"&"+q, e.admin, nil)
			require.Equal(t, http.StatusBadRequest, r.Status, path+"?"+q)
		}
	}
	require.Equal(t, http.StatusBadRequest, e.call(http.MethodGet, "/api/admin/catalog/people?actors=maybe", e.admin, nil).Status)
	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/admin/catalog/movies?limit=1&limit=100", e.admin, nil).Status)
}

func mustField(t *testing.T, body []byte, field string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &m))
	v, ok := m[field]
	require.True(t, ok, "no %s in %s", field, body)
	return v
}

// pageCursor returns the next_cursor of the first page of path (creating movies if needed).
func pageCursor(t *testing.T, e *env, path string) string {
	t.Helper()
	for i := 0; i < 2; i++ {
		if _, err := e.svc.CreateMovie(e.ctx, catalogapi.MovieWrite{Title: fmt.Sprint("cursor ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var page catalogapi.MoviePage
	e.call(http.MethodGet, path, e.admin, nil).Decode(t, &page)
	require.NotNil(t, page.NextCursor)
	return *page.NextCursor
}

// walk follows next_cursor from path to the end, returning the ids in order.
func walk(t *testing.T, e *env, path, token string) []string {
	t.Helper()
	if token == "" {
		token = e.admin
	}
	var ids []string
	next := path
	for pages := 0; ; pages++ {
		require.Less(t, pages, 200, "pagination does not end")
		r := e.call(http.MethodGet, next, token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", next, r.Body)
		var page catalogapi.Page[struct {
			ID string `json:"id"`
		}]
		r.Decode(t, &page)
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == nil {
			return ids
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next = path + sep + "cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

func TestPaginationWalksEverySort(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		titles := []string{"Alien", "alien", "Brazil", "Casablanca", "Dune", "dune", "Élite", "Fargo", "Gattaca", "Heat", "Inception", "Jaws", "Kids", "Léon", "M"}
		for i, title := range titles {
			w := catalogapi.MovieWrite{Title: title}
			if i%4 != 0 {
				w.ReleaseDate = fmt.Sprintf("%d-0%d-01", 1980+i%5, 1+i%3)
			}
			_, err := e.svc.CreateMovie(e.ctx, w)
			require.NoError(t, err)
		}
		all := len(titles)
		for _, sort := range []string{"title", "year", "rating", "popularity", "created"} {
			for _, order := range []string{"", "asc", "desc"} {
				q := "/api/admin/catalog/movies?sort=" + sort
				if order != "" {
					q += "&order=" + order
				}
				full := walk(t, e, q+"&limit=100", "")
				require.Len(t, full, all)
				for _, size := range []int{1, 4} {
					got := walk(t, e, fmt.Sprintf("%s&limit=%d", q, size), "")
					require.Equal(t, full, got, "%s in pages of %d: no duplicates, nothing missing, same order", q, size)
				}
			}
			asc := walk(t, e, "/api/admin/catalog/movies?limit=100&order=asc&sort="+sort, "")
			desc := walk(t, e, "/api/admin/catalog/movies?limit=100&order=desc&sort="+sort, "")
			switch sort {
			case "rating", "popularity":
				require.Equal(t, asc, desc, "no ratings: every movie ties, ties go by title")
			case "year":
				// movies without a date come last both ways
				undated := (all + 3) / 4 // every fourth movie has no date
				require.Equal(t, reversed(asc[:all-undated]), desc[:all-undated])
				require.ElementsMatch(t, asc[all-undated:], desc[all-undated:])
			default:
				require.Equal(t, asc, reversed(desc), sort)
			}
		}
		// people lists too
		for i := 0; i < 7; i++ {
			e.createPerson(fmt.Sprint("Person ", 7-i))
		}
		for _, path := range []string{"/api/admin/catalog/people?actors=true", "/api/admin/catalog/people?actors=false"} {
			for _, q := range []string{"&sort=name", "&sort=name&order=desc", "&sort=created", "&sort=created&order=asc"} {
				full := walk(t, e, path+q+"&limit=100", "")
				require.Len(t, full, 7)
				require.Equal(t, full, walk(t, e, path+q+"&limit=2", ""), path+q)
			}
		}
	})
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestMovieFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann := e.createPerson("Ann")
	bob := e.createPerson("Bob")
	drama, western := genre(t, "drama"), genre(t, "western")
	mk := func(title, date string, g []string, cast, crew []string) {
		w := catalogapi.MovieWrite{Title: title, ReleaseDate: date, GenreIDs: g}
		for _, p := range cast {
			w.Cast = append(w.Cast, catalogapi.CastWrite{PersonID: p})
		}
		for _, p := range crew {
			w.Crew = append(w.Crew, catalogapi.CrewWrite{PersonID: p, Job: "Director"})
		}
		e.createMovie(w)
	}
	mk("The Good Road", "1966-12-23", []string{western.ID}, []string{ann.ID}, nil)
	mk("Good Will", "1997-12-05", []string{drama.ID}, nil, []string{ann.ID})
	mk("Bad Day", "1997-01-01", []string{drama.ID, western.ID}, []string{bob.ID}, nil)
	mk("Undated good", "", nil, nil, nil)

	titles := func(query string) []string {
		var page catalogapi.MoviePage
		r := e.call(http.MethodGet, "/api/admin/catalog/movies?"+query, e.admin, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r.Decode(t, &page)
		out := []string{}
		for _, m := range page.Items {
			require.NotNil(t, m.Genres)
			out = append(out, m.Title)
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Bad Day", "Good Will", "The Good Road", "Undated good"}},
		{"q=GOOD", []string{"Good Will", "The Good Road", "Undated good"}},
		{"genre=western", []string{"Bad Day", "The Good Road"}},
		{"genre=" + drama.ID, []string{"Bad Day", "Good Will"}},
		{"genre=no-such-genre", []string{}},
		{"year_from=1997", []string{"Bad Day", "Good Will"}},
		{"year_to=1996", []string{"The Good Road"}},
		{"year_from=1960&year_to=1997&sort=year&order=asc", []string{"The Good Road", "Bad Day", "Good Will"}},
		{"sort=year", []string{"Good Will", "Bad Day", "The Good Road", "Undated good"}},
		{"person=" + ann.ID, []string{"Good Will", "The Good Road"}},
		{"person=" + ann.ID + "&q=road&genre=western", []string{"The Good Road"}},
		{"rating_min=0", []string{"Bad Day", "Good Will", "The Good Road", "Undated good"}},
		{"rating_min=0.5", []string{}},
		{"available=false", []string{"Bad Day", "Good Will", "The Good Road", "Undated good"}},
		{"available=true", []string{}},
	} {
		require.Equal(t, tc.want, titles(tc.query), tc.query)
	}
	var page catalogapi.MoviePage
	e.call(http.MethodGet, "/api/admin/catalog/movies?q=bad", e.admin, nil).Decode(t, &page)
	require.Equal(t, []catalogapi.Genre{drama, western}, page.Items[0].Genres, "list items carry genres")
	require.NotContains(t, string(e.call(http.MethodGet, "/api/admin/catalog/movies?q=bad", e.admin, nil).Body), `"cast"`, "list items leave out cast and crew")
}

func TestActorsAndPeopleLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	listed := e.createPerson("Listed Actor")
	_ = listed
	_, err := e.svc.ImportDemo(e.ctx, []demo.Row{{Line: 1, Title: "Directed", Director: "Dee Rector"}})
	require.NoError(t, err)
	dee := findPerson(t, e, "/api/admin/catalog/people", "Dee Rector")
	castOnly, err := e.svc.CreatePerson(e.ctx, catalogapi.PersonWrite{Name: "Cast Member"})
	require.NoError(t, err)
	_ = castOnly

	names := func(path string) []string {
		var page catalogapi.PersonPage
		e.call(http.MethodGet, path, e.admin, nil).Decode(t, &page)
		out := []string{}
		for _, p := range page.Items {
			out = append(out, p.Name)
		}
		return out
	}
	require.Equal(t, []string{"Cast Member", "Listed Actor"}, names("/api/admin/catalog/people?actors=true"))
	require.Equal(t, []string{"Cast Member", "Dee Rector", "Listed Actor"}, names("/api/admin/catalog/people"))
	require.Equal(t, []string{"Dee Rector"}, names("/api/admin/catalog/people?q=rect"))

	// a crew member becomes an actor with a cast credit on a live movie
	m := e.createMovie(catalogapi.MovieWrite{Title: "Cameo", Cast: []catalogapi.CastWrite{{PersonID: dee.ID}}})
	require.Equal(t, []string{"Cast Member", "Dee Rector", "Listed Actor"}, names("/api/admin/catalog/people?actors=true"))
	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/movies/"+m.ID, e.admin, nil).Status)
	require.Equal(t, []string{"Cast Member", "Listed Actor"}, names("/api/admin/catalog/people?actors=true"), "credits on deleted movies do not count")
	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/admin/catalog/people/"+dee.ID, e.admin, nil).Status, "any person")
}

func findPerson(t *testing.T, e *env, path, name string) catalogapi.PersonSummary {
	t.Helper()
	var page catalogapi.PersonPage
	e.call(http.MethodGet, path+"?limit=100&q="+url.QueryEscape(name), e.admin, nil).Decode(t, &page)
	for _, p := range page.Items {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no person %q", name)
	return catalogapi.PersonSummary{}
}

func TestGenresList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	// GET /api/genres is the browse service's now; the catalog keeps the list
	genres, err := e.svc.ListGenres(e.ctx)
	require.NoError(t, err)
	require.ElementsMatch(t, catalogapi.Genres, genres)
	require.True(t, slices.IsSortedFunc(genres, func(a, b catalogapi.Genre) int { return strings.Compare(a.Name, b.Name) }))
	for _, name := range []string{"Action", "Adventure", "Black Comedy", "Comedy", "Concert/Performance", "Documentary", "Drama",
		"Horror", "Musical", "Romantic Comedy", "Thriller/Suspense", "Western", "Animation", "Crime", "Family", "Fantasy",
		"Science Fiction", "Romance", "Mystery", "War", "History"} {
		require.True(t, slices.ContainsFunc(genres, func(g catalogapi.Genre) bool { return g.Name == name }), name)
	}
	// migrating again (also through kit.Migrate) seeds nothing twice
	require.NoError(t, kit.Migrate(e.ctx, e.db, catalog.Module))
	require.Equal(t, len(catalogapi.Genres), e.count("genres"))
	fresh := sqldbtest.Open(t, sqldb.SQLite)
	require.NoError(t, kit.Migrate(e.ctx, fresh, catalog.Module))
	var n int
	require.NoError(t, fresh.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM genres`).Scan(&n))
	require.Equal(t, len(catalogapi.Genres), n)
}

func TestGetMovieCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	m := e.createMovie(catalogapi.MovieWrite{Title: "Cached"})
	_, first := e.getMovie(m.ID, "")
	_, second := e.getMovie(m.ID, "")
	require.Equal(t, first.Body, second.Body)
	etag := second.Header.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, fmt.Sprint(len(second.Body)), second.Header.Get("Content-Length"))
	require.Equal(t, "application/json", second.Header.Get("Content-Type"))

	r := e.call(http.MethodGet, "/api/admin/catalog/movies/"+m.ID, e.admin, nil, "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, r.Status)
	require.Empty(t, r.Body)

	// a write in between: a new document and a new ETag
	e.call(http.MethodPut, "/api/movies/"+m.ID, e.admin, catalogapi.MovieWrite{Title: "Cached 2"})
	r = e.call(http.MethodGet, "/api/admin/catalog/movies/"+m.ID, e.admin, nil, "If-None-Match", etag)
	require.Equal(t, http.StatusOK, r.Status)
	require.NotEqual(t, etag, r.Header.Get("ETag"))
	var got catalogapi.Movie
	r.Decode(t, &got)
	require.Equal(t, "Cached 2", got.Title)

	// a write made elsewhere (straight to the database) shows once the short TTL passes
	e2 := newEnv(t, sqldb.SQLite, catalog.WithCacheTTL(50*time.Millisecond))
	m2 := e2.createMovie(catalogapi.MovieWrite{Title: "Before"})
	e2.getMovie(m2.ID, "")
	_, err := e2.db.ExecContext(e2.ctx, `UPDATE movies SET title = 'After' WHERE id = ?`, m2.ID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, _ := e2.getMovie(m2.ID, "")
		return got.Title == "After"
	}, 5*time.Second, 20*time.Millisecond)
}

func TestClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	admin := catalogapi.NewClient(e.srv.URL, e.srv.Client()).WithToken(e.admin)
	anon := catalogapi.NewClient(e.srv.URL+"/", nil)

	p, err := admin.CreatePerson(e.ctx, catalogapi.PersonWrite{Name: "Ann"})
	require.NoError(t, err)
	m, err := admin.CreateMovie(e.ctx, catalogapi.MovieWrite{Title: "Heat", ReleaseDate: "1995-12-15", Cast: []catalogapi.CastWrite{{PersonID: p.ID}}})
	require.NoError(t, err)
	// the public reads are the browse service's (tested there); the catalog answers administrators
	got, err := admin.AdminGetMovie(e.ctx, m.ID, false)
	require.NoError(t, err)
	require.Equal(t, m, got)
	page, err := admin.AdminListMovies(e.ctx, catalogapi.MovieListParams{Q: "hea", YearFrom: 1990, Person: p.ID, Sort: "year", Order: "asc", Limit: 5})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	people, err := admin.AdminListPeople(e.ctx, catalogapi.PersonListParams{Q: "ann", ActorsOnly: true})
	require.NoError(t, err)
	require.Len(t, people.Items, 1)
	_, err = anon.AdminGetMovie(e.ctx, m.ID, false)
	require.ErrorIs(t, err, httpx.ErrUnauthorized)

	_, err = anon.CreateMovie(e.ctx, catalogapi.MovieWrite{Title: "x"})
	var apiErr *catalogapi.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusUnauthorized, apiErr.Status)
	_, err = admin.CreateMovie(e.ctx, catalogapi.MovieWrite{})
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, []catalogapi.FieldError{{Field: "title", Reason: "is required"}}, apiErr.Errors)

	require.NoError(t, admin.DeleteMovie(e.ctx, m.ID))
	_, err = admin.AdminGetMovie(e.ctx, m.ID, false)
	require.ErrorIs(t, err, catalogapi.ErrNotFound)
	deleted, err := admin.AdminGetMovie(e.ctx, m.ID, true)
	require.NoError(t, err)
	require.NotNil(t, deleted.DeletedAt)
	_, err = admin.RestoreMovie(e.ctx, m.ID)
	require.NoError(t, err)
	_, err = admin.UpdatePerson(e.ctx, p.ID, catalogapi.PersonWrite{Name: "Ann B"})
	require.NoError(t, err)
	fetched, err := admin.AdminGetPerson(e.ctx, p.ID, false)
	require.NoError(t, err)
	require.Equal(t, "Ann B", fetched.Name)
	require.NoError(t, admin.DeletePerson(e.ctx, p.ID))
	_, err = admin.AdminGetPerson(e.ctx, p.ID, false)
	require.ErrorIs(t, err, catalogapi.ErrNotFound)
	_, err = admin.AdminGetPerson(e.ctx, p.ID, true)
	require.NoError(t, err)
}

// TestConcurrentWritesKeepVersionsInOrder: concurrent updates serialise on
// the movie row; every event carries a distinct version and the outbox holds
// them in version order, so consumers can drop late ones.
func TestConcurrentWritesKeepVersionsInOrder(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		ann := e.createPerson("Ann")
		m := e.createMovie(catalogapi.MovieWrite{Title: "Race", Cast: []catalogapi.CastWrite{{PersonID: ann.ID}}})
		const writers = 8
		errs := make(chan error, 2*writers)
		for i := 0; i < writers; i++ {
			go func() {
				_, err := e.svc.UpdateMovie(e.ctx, m.ID, catalogapi.MovieWrite{Title: fmt.Sprint("Race ", i), Cast: []catalogapi.CastWrite{{PersonID: ann.ID}}})
				errs <- err
			}()
			go func() {
				_, err := e.svc.UpdatePerson(e.ctx, ann.ID, catalogapi.PersonWrite{Name: fmt.Sprint("Ann ", i)})
				errs <- err
			}()
		}
		for i := 0; i < 2*writers; i++ {
			require.NoError(t, <-errs)
		}
		var versions []int64
		for _, env := range e.outbox() {
			if env.Type == catalogapi.MovieUpdated {
				var doc catalogapi.MovieEvent
				require.NoError(t, env.Decode(&doc))
				versions = append(versions, doc.Version)
			}
		}
		require.Len(t, versions, 2*writers, "each movie update and each rename re-emits the movie")
		require.True(t, slices.IsSorted(versions), "outbox order is version order: %v", versions)
		require.Equal(t, int64(2), versions[0])
		require.Equal(t, int64(1+2*writers), versions[len(versions)-1])
		got, _ := e.getMovie(m.ID, "")
		require.Equal(t, int64(1+2*writers), got.Version)
		p, err := e.svc.GetPerson(e.ctx, ann.ID, false)
		require.NoError(t, err)
		require.Equal(t, p.Name, got.Cast[0].Name, "the cache does not keep a stale name")
	})
}
