package social_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/social"
)

// The document's limits are the ones the service checks (see the catalog's test).
func TestTheDocumentStatesTheLimitsTheCodeChecks(t *testing.T) {
	t.Parallel()
	require.EqualValues(t, httpx.MaxLimit, openapicheck.Number(t, social.OpenAPI, "/components/parameters/Limit/schema/maximum"))
	require.EqualValues(t, httpx.DefaultLimit, openapicheck.Number(t, social.OpenAPI, "/components/parameters/Limit/schema/default"))
}
