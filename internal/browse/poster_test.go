package browse_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// TestGeneratedPosters: a movie without a poster gets one drawn from its
// title, year and genre, at a URL whose answer never changes (cached for a
// year); a new title makes a new URL; a real poster_url is kept.
func TestGeneratedPosters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	m := e.movie(`Tom & Jerry's "<Big>" Adventure in the Very Long Title Department`, released("1992-05-22"), inGenres(drama))
	e.putMovie(m)
	got, status := e.getMovie(m.ID)
	require.Equal(t, http.StatusOK, status)
	require.NotNil(t, got.PosterURL)
	url := *got.PosterURL
	require.True(t, strings.HasPrefix(url, "/api/movies/"+m.ID+"/poster.svg?v="), url)

	r := e.call(url, "")
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "image/svg+xml", r.Header.Get("Content-Type"))
	require.Equal(t, "public, max-age=31536000, immutable", r.Header.Get("Cache-Control"))
	svg := string(r.Body)
	require.NoError(t, xml.Unmarshal(r.Body, new(struct{ XMLName xml.Name })), "well-formed XML: the title is escaped")
	require.Contains(t, svg, "Tom &amp; Jerry")
	require.Contains(t, svg, "1992")
	require.Contains(t, svg, "DRAMA")
	require.Contains(t, svg, "<tspan", "the title is set in lines")
	require.Greater(t, strings.Count(svg, "<rect")+strings.Count(svg, "<circle")+strings.Count(svg, "<polygon"), 3, "shapes, not a flat fill")
	require.Equal(t, svg, string(e.call(url, "").Body), "deterministic")
	require.Equal(t, http.StatusNotModified, e.call(url, "", "If-None-Match", r.Header.Get("ETag")).Status)

	// another title: another URL and another drawing
	renamed := e.next(m, func(m *catalogapi.Movie) { m.Title = "Short" })
	e.putMovie(renamed)
	got, _ = e.getMovie(m.ID)
	renamedURL := *got.PosterURL
	require.NotEqual(t, url, renamedURL)
	require.NotEqual(t, svg, string(e.call(renamedURL, "").Body))
	stale := e.call(url, "")
	require.Equal(t, http.StatusOK, stale.Status)
	require.NotContains(t, stale.Header.Get("Cache-Control"), "immutable", "an old version's URL is not cached long")

	// a poster of its own is kept; lists carry the generated one too
	own := e.movie("Heat", func(m *catalogapi.Movie) { u := "https://img.example/heat.jpg"; m.PosterURL = &u })
	e.putMovie(own)
	got, _ = e.getMovie(own.ID)
	require.Equal(t, "https://img.example/heat.jpg", *got.PosterURL)
	var page catalogapi.Page[catalogapi.MovieSummary]
	e.get("/api/movies?sort=title", &page)
	require.Len(t, page.Items, 2)
	for _, it := range page.Items {
		require.NotNil(t, it.PosterURL)
	}

	require.Equal(t, http.StatusNotFound, e.call("/api/movies/"+newID(t)+"/poster.svg", "").Status)
	e.putMovie(e.deleted(renamed))
	require.Equal(t, http.StatusNotFound, e.call(renamedURL, "").Status)
}
