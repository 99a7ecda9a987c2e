package billing

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
)

// The document's patterns refuse what validatePlan refuses, in the same
// words, so the admin plan form learns every mistake from one 422.
func TestTheDocumentRefusesWhatTheCodeRefusesInTheSameWords(t *testing.T) {
	t.Parallel()
	good := func() billingapi.PlanInput {
		return billingapi.PlanInput{Slug: "basic", Name: "Basic", Price: billingapi.Price{Amount: 500, Currency: "USD"}, MaxHeight: 720, MaxStreams: 1}
	}
	reason := func(err error, field string) string {
		var ve *httpx.ValidationError
		if !errors.As(err, &ve) {
			return ""
		}
		for _, f := range ve.Errors {
			if f.Field == field {
				return f.Reason
			}
		}
		return ""
	}
	const at = "/components/schemas/PlanInput/properties/"
	for _, slug := range []string{"basic", " basic-hd ", "4k", "Basic", "basic--hd", "-basic", "basic-", "basic hd", "bäsic", ""} {
		in := good()
		in.Slug = slug
		require.Equal(t, reason(validatePlan(&in), "slug"), openapicheck.Refusal(t, OpenAPI, at+"slug", slug), "slug %q", slug)
	}
	for _, name := range []string{"Basic", " Basic ", "", "  "} {
		in := good()
		in.Name = name
		require.Equal(t, reason(validatePlan(&in), "name"), openapicheck.Refusal(t, OpenAPI, at+"name", name), "name %q", name)
	}
	for _, currency := range []string{"USD", "eur", "US", "USDX", "U$D", "12a", " usd "} {
		in := good()
		in.Price.Currency = currency
		require.Equal(t, reason(validatePlan(&in), "price.currency"),
			openapicheck.Refusal(t, OpenAPI, "/components/schemas/Price/properties/currency", currency), "currency %q", currency)
	}
}
