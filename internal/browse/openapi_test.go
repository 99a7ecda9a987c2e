package browse_test

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// TestOpenAPIDocumentsEveryRoute: the router and the document list the
// same operations, all public, and every operation's answers were checked
// against the document by the tests of this package (through env.call).
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	ch, err := checker()
	require.NoError(t, err, "the OpenAPI document is valid")
	e := newEnv(t, sqldb.SQLite)
	var fromRouter []string
	for _, r := range e.router.Routes() {
		fromRouter = append(fromRouter, r.Pattern)
		require.Equal(t, auth.Anyone, r.Access, r.Pattern)
	}
	fromSpec := ch.Operations()
	sort.Strings(fromSpec)
	require.Equal(t, fromRouter, fromSpec)
}

// TestSharedComponentsMatchTheCatalog: the gateway merges the services'
// documents and refuses components of the same name that differ.
func TestSharedComponentsMatchTheCatalog(t *testing.T) {
	t.Parallel()
	var ours, catalog map[string]any
	require.NoError(t, json.Unmarshal(browse.OpenAPI, &ours))
	raw, err := os.ReadFile("../catalog/openapi.json") // the catalog's document, as the gateway gets it
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &catalog))
	shared := 0
	for _, kind := range []string{"schemas", "parameters", "securitySchemes"} {
		mine := ours["components"].(map[string]any)[kind].(map[string]any)
		theirs := catalog["components"].(map[string]any)[kind].(map[string]any)
		for name, def := range mine {
			if other, ok := theirs[name]; ok {
				shared++
				require.True(t, reflect.DeepEqual(def, other), "components/%s/%s differs from the catalog's", kind, name)
			}
		}
	}
	for _, name := range []string{"Problem", "FieldError"} {
		require.Contains(t, ours["components"].(map[string]any)["schemas"], name)
	}
	require.Contains(t, ours["components"].(map[string]any)["securitySchemes"], "bearerAuth")
	require.GreaterOrEqual(t, shared, 3)
}

// TestCatalogClientReadsBrowse: the catalog's typed client reads movies,
// people and genres from browse (the public reads moved here, same shapes).
func TestCatalogClientReadsBrowse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann := e.person("Ann")
	e.putPerson(ann)
	m := e.movie("Heat", released("1995-12-15"), inGenres(drama), withCast(ann))
	e.putMovie(m)
	e.rate(m.ID, 1, 8)
	c := catalogapi.NewClient(e.srv.URL, e.client)

	got, err := c.GetMovie(e.ctx, m.ID)
	require.NoError(t, err)
	require.Equal(t, 1, got.RatingSummary.Count)
	page, err := c.ListMovies(e.ctx, catalogapi.MovieListParams{Q: "hea", YearFrom: 1990, Person: ann.ID, Sort: "year", Order: "asc", Limit: 5})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	actors, err := c.ListActors(e.ctx, catalogapi.PersonListParams{Q: "ann"})
	require.NoError(t, err)
	require.Len(t, actors.Items, 1)
	p, err := c.GetPerson(e.ctx, ann.ID)
	require.NoError(t, err)
	require.Len(t, p.Filmography, 1)
	genres, err := c.ListGenres(e.ctx)
	require.NoError(t, err)
	require.Contains(t, genres, drama)
	_, err = c.GetMovie(e.ctx, newID(t))
	require.ErrorIs(t, err, catalogapi.ErrNotFound)
	var apiErr *catalogapi.Error
	_, err = c.ListMovies(e.ctx, catalogapi.MovieListParams{Sort: "nope"})
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusBadRequest, apiErr.Status)
}
