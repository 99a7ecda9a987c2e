package browse_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestPaginationWalksEverySort: every sort and order, with and without a
// genre, in pages of 1, 4 and 100: nothing twice, nothing missing, the same order.
func TestPaginationWalksEverySort(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		titles := []string{"Alien", "alien", "Brazil", "Casablanca", "Dune", "dune", "Élite", "Fargo", "Gattaca", "Heat", "Inception", "Jaws", "Kids", "Léon", "M", "Nope", "Oldboy"}
		for i, title := range titles {
			opts := []func(*catalogapi.Movie){inGenres(drama)}
			if i%4 != 0 {
				opts = append(opts, released(fmt.Sprintf("%d-0%d-01", 1980+i%5, 1+i%3)))
			}
			if i%2 == 1 {
				opts = append(opts, inGenres(drama, crime))
			}
			m := e.movie(title, opts...)
			e.putMovie(m)
			switch i % 5 {
			case 0: // unrated
			case 1:
				e.rate(m.ID, 1, 7) // ties on rating and popularity
			default:
				e.rate(m.ID, 1, 3+i%7, 5, 8)
			}
		}
		all := len(titles)
		for _, base := range []string{"/api/movies?", "/api/movies?genre=drama&"} {
			for _, sort := range []string{"title", "year", "rating", "popularity", "created"} {
				for _, order := range []string{"", "asc", "desc"} {
					q := base + "sort=" + sort
					if order != "" {
						q += "&order=" + order
					}
					full := e.ids(q + "&limit=100")
					require.Len(t, full, all, q)
					for _, size := range []int{1, 4} {
						require.Equal(t, full, e.ids(fmt.Sprintf("%s&limit=%d", q, size)), "%s in pages of %d", q, size)
					}
				}
				asc := e.ids(base + "limit=100&order=asc&sort=" + sort)
				desc := e.ids(base + "limit=100&order=desc&sort=" + sort)
				switch sort {
				case "year", "rating":
					// unknown dates and unrated movies come last both ways
					unknown := (all + 3) / 4
					if sort == "rating" {
						unknown = (all + 4) / 5
					}
					// (ties read A to Z both ways: TestTiesBreakByTitle checks the order)
					require.ElementsMatch(t, asc[:all-unknown], desc[:all-unknown], sort)
					require.ElementsMatch(t, asc[all-unknown:], desc[all-unknown:], sort)
				case "popularity": // ties read A to Z both ways (TestTiesBreakByTitle)
					require.ElementsMatch(t, asc, desc, sort)
				default:
					require.Equal(t, asc, reversed(desc), sort)
				}
			}
		}
		// crime holds every other movie, in the same order as the whole list
		var crimeIDs []string
		for _, id := range e.ids("/api/movies?sort=rating&limit=100") {
			if contains(e.ids("/api/movies?genre=crime&limit=100"), id) {
				crimeIDs = append(crimeIDs, id)
			}
		}
		require.Equal(t, crimeIDs, e.ids("/api/movies?genre=crime&sort=rating&limit=3"))
		require.Len(t, crimeIDs, all/2)

		// people lists too
		for i := 0; i < 7; i++ {
			e.putPerson(e.person(fmt.Sprint("Person ", 7-i)))
		}
		for _, q := range []string{"?sort=name", "?sort=name&order=desc", "?sort=created", "?sort=created&order=asc"} {
			full := e.ids("/api/people" + q + "&limit=100")
			require.Len(t, full, 7)
			require.Equal(t, full, e.ids("/api/people"+q+"&limit=2"), q)
		}
	})
}

func TestMovieFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann, bob := e.person("Ann"), e.person("Bob")
	e.putPerson(ann)
	e.putPerson(bob)
	mk := func(title, date string, g []catalogapi.Genre, cast []catalogapi.Person, crew []catalogapi.Person, ratings ...int) {
		opts := []func(*catalogapi.Movie){inGenres(g...), withCast(cast...)}
		if date != "" {
			opts = append(opts, released(date))
		}
		for _, p := range crew {
			opts = append(opts, directedBy(p))
		}
		m := e.movie(title, opts...)
		e.putMovie(m)
		if len(ratings) > 0 {
			e.rate(m.ID, 1, ratings...)
		}
	}
	mk("The Good Road", "1966-12-23", []catalogapi.Genre{western}, []catalogapi.Person{ann}, nil, 9, 10)
	mk("Good Will", "1997-12-05", []catalogapi.Genre{drama}, nil, []catalogapi.Person{ann}, 6)
	mk("Bad Day", "1997-01-01", []catalogapi.Genre{drama, western}, []catalogapi.Person{bob}, nil, 2, 3)
	mk("Undated good", "", nil, nil, nil)

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Bad Day", "Good Will", "The Good Road", "Undated good"}},
		{"q=GOOD", []string{"Good Will", "The Good Road", "Undated good"}},
		{"q=%25", []string{}},
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
		{"rating_min=6", []string{"Good Will", "The Good Road"}},
		{"rating_min=6&genre=western", []string{"The Good Road"}},
		{"rating_min=9.5", []string{"The Good Road"}},
		{"rating_min=10", []string{}},
		{"sort=rating", []string{"The Good Road", "Good Will", "Bad Day", "Undated good"}},
		{"sort=popularity&order=asc", []string{"Undated good", "Good Will", "Bad Day", "The Good Road"}}, // ties by title
		{"available=false", []string{"Bad Day", "Good Will", "The Good Road", "Undated good"}},
		{"available=true", []string{}},
	} {
		require.Equal(t, tc.want, e.titles("/api/movies?"+tc.query), tc.query)
	}
	var page catalogapi.MoviePage
	e.get("/api/movies?q=bad", &page)
	require.Equal(t, []catalogapi.Genre{drama, western}, page.Items[0].Genres, "list items carry genres")
	require.Equal(t, 2, page.Items[0].RatingSummary.Count, "and the rating summary")
	require.NotContains(t, string(e.call("/api/movies?q=bad", "").Body), `"cast"`, "but not cast and crew")
}

func TestListParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	for i := 0; i < 3; i++ {
		m := e.movie(fmt.Sprint("Movie ", i))
		e.putMovie(m)
		e.rate(m.ID, 1, 5+i)
	}
	cursorOf := func(path string) string {
		var page catalogapi.Page[struct{}]
		e.get(path, &page)
		require.NotNil(t, page.NextCursor, path)
		return *page.NextCursor
	}
	otherSort := cursorOf("/api/movies?sort=created&limit=1")
	topCursor := cursorOf("/api/movies/top-rated?limit=1")
	tests := []struct {
		path  string
		field string
	}{
		{"/api/movies?limit=0", "limit"}, {"/api/movies?limit=101", "limit"}, {"/api/movies?limit=ten", "limit"},
		{"/api/movies?sort=best", "sort"}, {"/api/movies?order=up", "order"},
		{"/api/movies?rating_min=11", "rating_min"}, {"/api/movies?rating_min=-1", "rating_min"}, {"/api/movies?rating_min=x", "rating_min"},
		{"/api/movies?available=maybe", "available"}, {"/api/movies?year_from=abc", "year_from"}, {"/api/movies?year_to=99999", "year_to"},
		{"/api/movies?year_from=2000&year_to=1999", "year_to"}, {"/api/movies?person=bob", "person"},
		{"/api/movies?q=" + strings.Repeat("q", 201), "q"}, {"/api/movies?genre=" + strings.Repeat("g", 201), "genre"},
		{"/api/movies?cursor=!!!", "cursor"}, {"/api/movies?cursor=bm90LWpzb24", "cursor"},
		{"/api/movies?cursor=" + otherSort, "cursor"}, {"/api/movies?sort=rating&cursor=" + otherSort, "cursor"},
		{"/api/movies?cursor=" + topCursor, "cursor"},
		{"/api/movies/top-rated?limit=0", "limit"}, {"/api/movies/top-rated?cursor=" + otherSort, "cursor"},
		{"/api/actors?limit=101", "limit"}, {"/api/actors?sort=title", "sort"}, {"/api/people?order=sideways", "order"},
		{"/api/people?cursor=" + otherSort, "cursor"},
		{"/api/people/" + newID(t) + "?include_deleted=perhaps", "include_deleted"},
		{"/api/search", "q"}, {"/api/search?q=%20", "q"}, {"/api/search?q=x&kind=genre", "kind"},
		{"/api/search?q=x&limit=500", "limit"}, {"/api/search?q=" + strings.Repeat("q", 201), "q"},
		{"/api/search?q=movie&cursor=" + otherSort, "cursor"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r := e.call(tc.path, "")
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			require.Contains(t, r.Fields(t), tc.field)
		})
	}
	require.Equal(t, http.StatusOK, e.call("/api/movies?limit=1&limit=100", "").Status)
	require.Equal(t, http.StatusOK, e.call("/api/movies?include_deleted=true", e.admin).Status, "lists take no include_deleted: ignored")
	require.Equal(t, http.StatusUnauthorized, e.call("/api/movies", "garbage").Status, "an invalid token is refused even on public routes")
}

// TestPeopleAndActors: actors are people with a cast credit on a live
// movie; filmographies leave out deleted movies; a deleted person leaves
// the lists and search.
func TestPeopleAndActors(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		ann, dee, nobody := e.person("Ann Actor"), e.person("Dee Rector"), e.person("Nobody Yet")
		ann.BirthDate, ann.Nationality, ann.PhotoURL = ptr("1970-01-02"), "French", ptr("https://img.example/ann.png")
		for _, p := range []catalogapi.Person{ann, dee, nobody} {
			e.putPerson(p)
		}
		heat := e.movie("Heat", released("1995-12-15"), withCast(ann), directedBy(dee))
		old := e.movie("Old", released("1950-01-01"), withCast(ann))
		e.putMovie(heat)
		e.putMovie(old)

		names := func(path string) []string { return e.titles(path) }
		require.Equal(t, []string{"Ann Actor"}, names("/api/actors"))
		require.Equal(t, []string{"Ann Actor", "Dee Rector", "Nobody Yet"}, names("/api/people"))
		require.Equal(t, []string{"Dee Rector"}, names("/api/people?q=RECT"))
		require.Equal(t, []string{"Nobody Yet", "Dee Rector", "Ann Actor"}, names("/api/people?sort=created"))

		var p catalogapi.Person
		e.get("/api/actors/"+ann.ID, &p)
		want := ann
		want.Filmography = []catalogapi.FilmographyEntry{
			{MovieID: heat.ID, Title: "Heat", ReleaseDate: ptr("1995-12-15"), Credit: "cast", Character: "Role 0"},
			{MovieID: old.ID, Title: "Old", ReleaseDate: ptr("1950-01-01"), Credit: "cast", Character: "Role 0"},
		}
		require.Equal(t, want, p)
		var d catalogapi.Person
		e.get("/api/actors/"+dee.ID, &d) // any person
		require.Equal(t, []catalogapi.FilmographyEntry{{MovieID: heat.ID, Title: "Heat", ReleaseDate: ptr("1995-12-15"), Credit: "crew", Job: "Director"}}, d.Filmography)

		// a crew member becomes an actor with a cast credit, and stops being one when the movie goes
		cameo := e.movie("Cameo", withCast(dee))
		e.putMovie(cameo)
		require.Equal(t, []string{"Ann Actor", "Dee Rector"}, names("/api/actors"))
		e.putMovie(e.deleted(cameo))
		require.Equal(t, []string{"Ann Actor"}, names("/api/actors"), "credits on deleted movies do not count")
		e.putMovie(e.deleted(old))
		e.get("/api/people/"+ann.ID, &p)
		require.Len(t, p.Filmography, 1, "deleted movies leave filmographies")

		// a rename reaches the person (and, re-emitted by the catalog, the movies)
		renamed := ann
		renamed.Name, renamed.Version = "Ann Renamed", 2
		e.putPerson(renamed)
		require.Equal(t, []string{"Ann Renamed"}, names("/api/actors"))
		var search browseapi.SearchPage
		e.get("/api/search?q=renamed", &search)
		require.Len(t, search.Items, 1)

		// deleted people leave the lists and search, and answer 404 except to admins
		gone := renamed
		gone.Version, gone.DeletedAt = 3, ptr(e.now)
		e.putPerson(gone)
		require.Empty(t, names("/api/actors"))
		require.Equal(t, []string{"Dee Rector", "Nobody Yet"}, names("/api/people"))
		e.get("/api/search?q=ann", &search)
		require.Empty(t, search.Items)
		require.Equal(t, http.StatusNotFound, e.call("/api/people/"+ann.ID, "").Status)
		require.Equal(t, http.StatusNotFound, e.call("/api/actors/"+ann.ID+"?include_deleted=true", e.user).Status)
		r := e.call("/api/people/"+ann.ID+"?include_deleted=true", e.admin)
		require.Equal(t, http.StatusOK, r.Status)
		r.Decode(t, &p)
		require.NotNil(t, p.DeletedAt)
		require.Equal(t, http.StatusNotFound, e.call("/api/people/"+newID(t), "").Status)

		// restored
		back := gone
		back.Version, back.DeletedAt = 4, nil
		e.putPerson(back)
		require.Equal(t, []string{"Ann Renamed"}, names("/api/actors"))
	})
}

func TestGenres(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	var list browseapi.GenreList
	e.get("/api/genres", &list)
	require.Len(t, list.Items, len(catalogapi.Genres), "the catalog's fixed genres are offered before any movie has one")
	require.Empty(t, movieCounts(list.Items))
	require.Nil(t, list.NextCursor)

	e.putMovie(e.movie("One", inGenres(drama, crime)))
	e.putMovie(e.movie("Two", inGenres(drama)))
	three := e.movie("Three", inGenres(western))
	e.putMovie(three)
	e.putMovie(e.deleted(three))
	e.get("/api/genres", &list)
	require.Equal(t, map[string]int{"crime": 1, "drama": 2}, movieCounts(list.Items), "the deleted western counts no more")
	require.Contains(t, list.Items, browseapi.Genre{ID: western.ID, Slug: "western", Name: "Western", MovieCount: 0})
}

// movieCounts maps the slugs of genres that have movies to their counts.
func movieCounts(genres []browseapi.Genre) map[string]int {
	counts := map[string]int{}
	for _, g := range genres {
		if g.MovieCount > 0 {
			counts[g.Slug] = g.MovieCount
		}
	}
	return counts
}
