package browse_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
)

// The document's limits are the ones the service checks (see the catalog's test).
func TestTheDocumentStatesTheLimitsTheCodeChecks(t *testing.T) {
	t.Parallel()
	const list = "/paths/~1api~1movies/get/parameters/"
	for pointer, want := range map[string]int{
		list + "year_from/schema/minimum":             httpx.MinYear,
		list + "year_from/schema/maximum":             httpx.MaxYear,
		list + "year_to/schema/minimum":               httpx.MinYear,
		list + "year_to/schema/maximum":               httpx.MaxYear,
		"/components/parameters/Limit/schema/maximum": httpx.MaxLimit,
		"/components/parameters/Limit/schema/default": httpx.DefaultLimit,
	} {
		require.EqualValues(t, want, openapicheck.Number(t, browse.OpenAPI, pointer), pointer)
	}
}
