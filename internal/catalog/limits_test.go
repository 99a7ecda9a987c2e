package catalog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
)

// The router refuses what breaks the document's limits before the handler
// runs, and the service checks its own (for writes that do not come over
// HTTP, such as the demo import): the two must say the same.
func TestTheDocumentStatesTheLimitsTheCodeChecks(t *testing.T) {
	t.Parallel()
	const (
		movie  = "/components/schemas/MovieWrite/properties/"
		cast   = "/components/schemas/CastWrite/properties/"
		crew   = "/components/schemas/CrewWrite/properties/"
		person = "/components/schemas/PersonWrite/properties/"
		list   = "/paths/~1api~1admin~1catalog~1movies/get/parameters/"
	)
	for pointer, want := range map[string]int{
		movie + "title/maxLength":                     catalog.MaxTitleLen,
		movie + "original_title/maxLength":            catalog.MaxTitleLen,
		movie + "overview/maxLength":                  catalog.MaxOverviewLen,
		movie + "runtime_minutes/minimum":             catalog.MinRuntime,
		movie + "runtime_minutes/maximum":             catalog.MaxRuntime,
		movie + "languages/maxItems":                  catalog.MaxLanguages,
		movie + "poster_url/maxLength":                catalog.MaxURLLen,
		movie + "genre_ids/maxItems":                  catalog.MaxGenres,
		movie + "cast/maxItems":                       catalog.MaxCredits,
		movie + "crew/maxItems":                       catalog.MaxCredits,
		cast + "character/maxLength":                  catalog.MaxTextLen,
		cast + "order/minimum":                        0,
		cast + "order/maximum":                        catalog.MaxCastOrder,
		crew + "job/maxLength":                        catalog.MaxJobLen,
		person + "name/maxLength":                     catalog.MaxNameLen,
		person + "nationality/maxLength":              catalog.MaxTextLen,
		person + "biography/maxLength":                catalog.MaxBiographyLen,
		person + "photo_url/maxLength":                catalog.MaxURLLen,
		list + "year_from/schema/minimum":             httpx.MinYear,
		list + "year_from/schema/maximum":             httpx.MaxYear,
		list + "year_to/schema/minimum":               httpx.MinYear,
		list + "year_to/schema/maximum":               httpx.MaxYear,
		"/components/parameters/Limit/schema/maximum": httpx.MaxLimit,
		"/components/parameters/Limit/schema/default": httpx.DefaultLimit,
	} {
		require.EqualValues(t, want, openapicheck.Number(t, catalog.OpenAPI, pointer), pointer)
	}
}
