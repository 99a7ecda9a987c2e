package reviews_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// The document's limits are the ones the service checks (see the catalog's test).
func TestTheDocumentStatesTheLimitsTheCodeChecks(t *testing.T) {
	t.Parallel()
	const review = "/components/schemas/ReviewWrite/properties/"
	for pointer, want := range map[string]int{
		review + "rating/minimum":                     reviewsapi.MinRating,
		review + "rating/maximum":                     reviewsapi.MaxRating,
		review + "body/maxLength":                     reviewsapi.MaxBodyLength,
		"/components/parameters/Limit/schema/maximum": httpx.MaxLimit,
		"/components/parameters/Limit/schema/default": httpx.DefaultLimit,
	} {
		require.EqualValues(t, want, openapicheck.Number(t, reviews.OpenAPI, pointer), pointer)
	}
}
