package httpx

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"
)

// quickCheck stands in for kin-openapi on simple query parameters: it must
// accept and refuse exactly what kin-openapi does.
func TestQuickCheckAgreesWithKinOpenAPI(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	u := func(v uint64) *uint64 { return &v }
	schemas := map[string]*openapi3.Schema{
		"limit":     {Type: &openapi3.Types{"integer"}, Min: f(1), Max: f(100)},
		"year":      {Type: &openapi3.Types{"integer"}, Min: f(1800), Max: f(3000)},
		"rating":    {Type: &openapi3.Types{"number"}, Min: f(0), Max: f(10)},
		"any":       {Type: &openapi3.Types{"number"}},
		"available": {Type: &openapi3.Types{"boolean"}},
		"sort":      {Type: &openapi3.Types{"string"}, Enum: []any{"title", "year"}},
		"q":         {Type: &openapi3.Types{"string"}, MinLength: 1, MaxLength: u(5)},
		"person":    {Type: &openapi3.Types{"string"}, Format: "uuid"},
	}
	values := []string{"1", "100", "0", "101", "-1", "+5", "05", "1.0", "1.5", "1e2", "1E1", "-0", "0x10", "1_0", " 5", "5 ",
		"NaN", "nan", "Inf", "-Inf", "infinity", "9999999999999999999999", "1e400", "true", "FALSE", "t", "1", "yes",
		"title", "Title", "year", "héllo", "hélloo", "ab", "01a1fd79-97ef-7207-9ec7-5861e9a04b44",
		"01A1FD79-97EF-7207-9EC7-5861E9A04B44", "01a1fd7997ef72079ec75861e9a04b44", "x"}
	opts := &openapi3filter.Options{SkipSettingDefaults: true, MultiError: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{formats}}
	for name, s := range schemas {
		p := &openapi3.Parameter{Name: name, In: openapi3.ParameterInQuery, Schema: openapi3.NewSchemaRef("", s)}
		require.True(t, quickParameter(p), name)
		for _, raw := range values {
			input := &openapi3filter.RequestValidationInput{
				Request: httptest.NewRequest("GET", "/?"+name+"="+url.QueryEscape(raw), nil),
				Options: opts, QueryParams: url.Values{name: {raw}},
			}
			kin := openapi3filter.ValidateParameter(context.Background(), input, p)
			quick := quickCheck(s, raw)
			require.Equal(t, kin == nil, quick == "", "%s=%q: kin-openapi says %v, quickCheck %q", name, raw, kin, quick)
		}
	}
	require.False(t, quickParameter(&openapi3.Parameter{Name: "p", In: openapi3.ParameterInQuery,
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: "^a"})}), "patterns go to kin-openapi")
	require.False(t, quickParameter(&openapi3.Parameter{Name: "p", In: openapi3.ParameterInQuery,
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"array"}})}), "lists go to kin-openapi")
}
