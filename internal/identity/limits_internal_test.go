package identity

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity/password"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
)

// The document's limits are the ones the service checks (see the catalog's
// test); where the code has no constant, its check is tried at the limit.
func TestTheDocumentStatesTheLimitsTheCodeChecks(t *testing.T) {
	t.Parallel()
	for _, schema := range []string{"RegisterRequest", "UpdateMeRequest"} {
		at := "/components/schemas/" + schema + "/properties/password/"
		require.EqualValues(t, password.MinLength, openapicheck.Number(t, OpenAPI, at+"minLength"), schema)
		require.EqualValues(t, password.MaxLength, openapicheck.Number(t, OpenAPI, at+"maxLength"), schema)
	}
	for _, schema := range []string{"RegisterRequest", "UpdateMeRequest", "UpdateUserRequest"} {
		at := "/components/schemas/" + schema + "/properties/"
		maxName := int(openapicheck.Number(t, OpenAPI, at+"display_name/maxLength"))
		_, reason := cleanDisplayName(strings.Repeat("é", maxName))
		require.Empty(t, reason, schema)
		_, reason = cleanDisplayName(strings.Repeat("é", maxName+1))
		require.NotEmpty(t, reason, schema)

		maxEmail := int(openapicheck.Number(t, OpenAPI, at+"email/maxLength"))
		address := func(n int) string { return strings.Repeat("a", n-len("@example.com")) + "@example.com" }
		_, reason = normalizeEmail(address(maxEmail))
		require.Empty(t, reason, schema)
		_, reason = normalizeEmail(address(maxEmail + 1))
		require.NotEmpty(t, reason, schema)
	}
	require.EqualValues(t, httpx.MaxLimit, openapicheck.Number(t, OpenAPI, "/components/parameters/Limit/schema/maximum"))
	require.EqualValues(t, httpx.DefaultLimit, openapicheck.Number(t, OpenAPI, "/components/parameters/Limit/schema/default"))
}

// The document's patterns refuse what normalizeEmail and cleanDisplayName
// refuse, in the same words, so the registration form learns every mistake
// from one 422. (An address of spaces alone is the exception: the document
// calls it no e-mail address, the service, after trimming, a missing one.)
func TestTheDocumentRefusesWhatTheCodeRefusesInTheSameWords(t *testing.T) {
	t.Parallel()
	emails := []string{"ann@example.com", " Ann@Example.COM ", "", "ann.example.com", "ann@", "@example.com", "ann@.example.com",
		"ann@example.com.", "ann smith@example.com", "<ann@example.com>", "Ann <ann@example.com>", "ann@@example.com", "ann@exa mple.com", "(x)ann@example.com"}
	names := []string{"Ann", "  Ann ", "", " ", "\t"}
	for _, schema := range []string{"RegisterRequest", "UpdateMeRequest", "UpdateUserRequest"} {
		at := "/components/schemas/" + schema + "/properties/"
		for _, e := range emails {
			_, code := normalizeEmail(e)
			require.Equal(t, code, openapicheck.Refusal(t, OpenAPI, at+"email", e), "%s email %q", schema, e)
		}
		for _, n := range names {
			_, code := cleanDisplayName(n)
			require.Equal(t, code, openapicheck.Refusal(t, OpenAPI, at+"display_name", n), "%s display_name %q", schema, n)
		}
	}
}
