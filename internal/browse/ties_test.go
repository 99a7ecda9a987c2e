package browse_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// TestTiesBreakByTitle: movies equal on a sort's key come A to Z whichever
// way the sort goes, on every page size (the home page's genre rows sort by
// rating, and a fresh catalog is all ties).
func TestTiesBreakByTitle(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		// created in an order that is neither A to Z nor Z to A, so no id order reads A to Z
		titles := []string{"Vertigo", "Zodiac", "Rope", "Jaws", "Heat", "Brazil", "Alien"}
		byTitle := map[string]string{}
		movies := map[string]catalogapi.Movie{}
		imported := e.now // all created at one instant, as by a bulk import
		for i, title := range titles {
			m := e.movie(title, inGenres(drama), released("1990-01-01"), func(m *catalogapi.Movie) { m.CreatedAt = imported })
			e.putMovie(m)
			movies[title] = m
			byTitle[title] = m.ID
			if i < 3 { // Vertigo, Zodiac, Rope: rated alike
				e.rate(m.ID, 1, 6)
			}
		}
		id := func(ts ...string) []string {
			out := make([]string, len(ts))
			for i, t := range ts {
				out[i] = byTitle[t]
			}
			return out
		}
		unrated := id("Alien", "Brazil", "Heat", "Jaws")
		rated := id("Rope", "Vertigo", "Zodiac")
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"sort=rating&order=desc", append(append([]string{}, rated...), unrated...)},
			{"sort=rating&order=asc", append(append([]string{}, rated...), unrated...)},
			{"sort=popularity&order=desc", append(append([]string{}, rated...), unrated...)},
			{"sort=popularity&order=asc", append(append([]string{}, unrated...), rated...)},
			{"sort=year&order=desc", id("Alien", "Brazil", "Heat", "Jaws", "Rope", "Vertigo", "Zodiac")},
			{"sort=year&order=asc", id("Alien", "Brazil", "Heat", "Jaws", "Rope", "Vertigo", "Zodiac")},
			{"sort=created&order=desc", id("Alien", "Brazil", "Heat", "Jaws", "Rope", "Vertigo", "Zodiac")},
			{"sort=created&order=asc", id("Alien", "Brazil", "Heat", "Jaws", "Rope", "Vertigo", "Zodiac")},
			{"sort=title&order=asc", id("Alien", "Brazil", "Heat", "Jaws", "Rope", "Vertigo", "Zodiac")},
			{"sort=title&order=desc", id("Zodiac", "Vertigo", "Rope", "Jaws", "Heat", "Brazil", "Alien")},
		} {
			for _, base := range []string{"/api/movies?", "/api/movies?genre=drama&"} {
				for _, limit := range []int{1, 2, 100} {
					q := fmt.Sprintf("%s%s&limit=%d", base, tc.query, limit)
					require.Equal(t, tc.want, e.ids(q), q)
				}
			}
		}
		// the top-rated list: equal weighted ratings read A to Z on every
		// page size, and follow a renamed movie
		for _, limit := range []int{1, 2, 100} {
			require.Equal(t, rated, e.ids(fmt.Sprintf("/api/movies/top-rated?limit=%d", limit)), "limit %d", limit)
		}
		zodiac := movies["Zodiac"]
		zodiac.Title, zodiac.Version = "Kwaidan", 2
		e.putMovie(zodiac)
		for _, limit := range []int{1, 100} {
			require.Equal(t, id("Zodiac", "Rope", "Vertigo"), e.ids(fmt.Sprintf("/api/movies/top-rated?limit=%d", limit)), "Kwaidan comes first")
		}

		// equal creation times (a bulk import) too, for people as for movies
		for _, n := range []string{"Zoe", "Adam", "Mia"} {
			p := e.person(n)
			e.putPerson(p)
		}
		names := e.titles("/api/people?sort=created&order=desc&limit=10")
		require.Len(t, names, 3)
	})
}

// TestSearchRanksTheWholeTitleFirst: "alien" finds Alien first, before
// Alien³ and Aliens, however popular they are.
func TestSearchRanksTheWholeTitleFirst(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		alien3 := e.movie("Alien³", released("1992-05-22"))
		e.putMovie(alien3)
		e.rate(alien3.ID, 1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7)
		aliens := e.movie("Aliens", released("1986-07-18"))
		e.putMovie(aliens)
		e.rate(aliens.ID, 1, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8)
		alien := e.movie("Alien", released("1979-05-25"), func(m *catalogapi.Movie) {})
		e.putMovie(alien)
		got := e.search("alien")
		require.Equal(t, "movie:Alien", got[0], got)
		require.Contains(t, got, "movie:Alien³")
		require.Equal(t, []string{"movie:Alien³"}, e.search("alien 3"), "the superscript is a word of its own")
	})
}
