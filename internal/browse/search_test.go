package browse_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func (e *env) search(q string) []string {
	e.t.Helper()
	var page browseapi.SearchPage
	e.get("/api/search?limit=100&q="+url.QueryEscape(q), &page)
	out := []string{}
	for _, it := range page.Items {
		out = append(out, it.Kind+":"+it.Title+it.Name)
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		bogart := e.person("Humphrey Bogart")
		casey := e.person("Casaubon Smith")
		leon := e.person("Léon Bonnard")
		for _, p := range []catalogapi.Person{bogart, casey, leon} {
			e.putPerson(p)
		}
		casablanca := e.movie("Casablanca", released("1942-11-26"), withCast(bogart))
		e.putMovie(casablanca)
		e.rate(casablanca.ID, 1, 9, 10)
		e.putMovie(e.movie("Casa de Papel"))
		e.putMovie(e.movie("Léon", func(m *catalogapi.Movie) { m.OriginalTitle = "Léon: The Professional" }))
		e.putMovie(e.movie("The Big Sleep", withCast(bogart)))
		e.putMovie(e.movie("Gone Girl", withCast(casey)))

		require.Equal(t, []string{"movie:Casa de Papel", "movie:Casablanca", "person:Casaubon Smith"}, e.search("casa"),
			"a word prefix matches (\"casa\" finds Casablanca); a whole word ranks higher")
		require.Equal(t, []string{"movie:Casa de Papel"}, e.search("casa de"), "every word must match")
		require.Equal(t, []string{"movie:Casablanca"}, e.search("CASABLANCA"), "case is ignored")
		require.Equal(t, []string{"movie:Léon", "person:Léon Bonnard"}, e.search("leon"), "accents are ignored")
		require.Equal(t, []string{"movie:Léon", "person:Léon Bonnard"}, e.search("Léon"))
		require.Equal(t, []string{"movie:Léon"}, e.search("professional"), "the original title counts")
		require.Equal(t, []string{"person:Humphrey Bogart"}, e.search("bogart"))
		require.Equal(t, []string{"person:Humphrey Bogart"}, e.search("hum bog"))
		require.Empty(t, e.search("zzzz"))
		require.Empty(t, e.search("!!"), "nothing to look for")

		var page browseapi.SearchPage
		e.get("/api/search?q=casablanca", &page)
		require.Len(t, page.Items, 1)
		got := page.Items[0]
		require.Equal(t, browseapi.KindMovie, got.Kind)
		require.Equal(t, casablanca.ID, got.ID)
		require.Equal(t, "1942-11-26", *got.ReleaseDate)
		require.Equal(t, 2, *got.RatingCount)
		require.Equal(t, 9.5, *got.RatingAverage)
		require.Greater(t, got.Score, 0.0)

		var people browseapi.SearchPage
		e.get("/api/search?kind=person&q=casa", &people)
		require.Len(t, people.Items, 1)
		require.Equal(t, "Casaubon Smith", people.Items[0].Name)
		require.Nil(t, people.Items[0].RatingCount)

		// typo tolerance where the engine has it
		typo := e.search("casablnca")
		if e.svc.FuzzySearch(e.ctx) {
			require.Equal(t, []string{"movie:Casablanca"}, typo)
		} else {
			require.Empty(t, typo)
		}
	})
}

// TestSearchPages: pages of a search walk every match once, in rank order.
func TestSearchPages(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		for i := 0; i < 13; i++ {
			m := e.movie(fmt.Sprintf("Star %c", 'A'+i))
			e.putMovie(m)
			if i%3 == 0 {
				e.rate(m.ID, 1, 7)
			}
		}
		e.putPerson(e.person("Starla Person"))
		full := e.ids("/api/search?q=star&limit=100")
		require.Len(t, full, 14)
		for _, size := range []int{1, 5} {
			require.Equal(t, full, e.ids(fmt.Sprintf("/api/search?q=star&limit=%d", size)))
		}
		require.Len(t, e.ids("/api/search?q=star&kind=movie&limit=4"), 13)
	})
}
