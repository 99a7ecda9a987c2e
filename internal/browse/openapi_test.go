package browse_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// TestOpenAPIDocumentsEveryRoute: the router and the document list the
// same operations, all readable without a token (a few read one when it is
// there), and every operation's answers were checked
// against the document by the tests of this package (through env.call).
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	ch, err := checker()
	require.NoError(t, err, "the OpenAPI document is valid")
	e := newEnv(t, sqldb.SQLite)
	access := map[string]auth.Access{}
	for _, op := range ch.Operations() {
		access[op] = auth.Public
	}
	// what a token changes: ?available=true by the caller's plan, and
	// ?include_deleted=true for administrators
	for _, op := range []string{"GET /api/movies", "GET /api/movies/{id}", "GET /api/actors/{id}", "GET /api/people/{id}"} {
		access[op] = auth.Anyone
	}
	servicetest.RequireRoutesMatchDocument(t, e.router.Routes(), ch, access)
}

// TestSharedComponentsMatchTheCatalog: the gateway merges the services'
// documents and refuses components of the same name that differ.
func TestSharedComponentsMatchTheCatalog(t *testing.T) {
	t.Parallel()
	const catalogDoc = "../catalog/openapi.json" // the catalog's document, as the gateway gets it
	ours := servicetest.RequireSameComponents(t, browse.OpenAPI, catalogDoc)
	raw, err := os.ReadFile(catalogDoc)
	require.NoError(t, err)
	theirs := servicetest.OpenAPIComponents(t, raw)
	shared := 0
	for _, kind := range []string{"schemas", "parameters", "securitySchemes"} {
		for name := range ours[kind] {
			if _, ok := theirs[kind][name]; ok {
				shared++
			}
		}
	}
	for _, name := range []string{"Problem", "FieldError"} {
		require.Contains(t, ours["schemas"], name)
	}
	require.Contains(t, ours["securitySchemes"], "bearerAuth")
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
