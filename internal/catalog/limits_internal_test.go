package catalog

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
)

// The document's patterns refuse what the service's checks refuse, with the
// same words, so an admin form learns every mistake from one 422: each value
// is tried on both. (What needs the clock or the database, such as a date
// in the future or an unknown genre, only the service can judge.)
func TestTheDocumentRefusesWhatTheCodeRefusesInTheSameWords(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	dates := []string{"", "1999-12-24", " 1999-12-24 ", "12/24/1999", "1999-13-01", "1999-12-32", "1999-1-2", "yesterday", "1999-12-24T10:00:00Z"}
	urls := []string{"", "https://example.com/a.jpg", " http://example.com ", "HTTPS://Example.com/x?y#z", "poster.jpg",
		"ftp://example.com/a.jpg", "http://", "http:/example.com", "//example.com/a.jpg", "mailto:ann@example.com", "https://example.com/a b.jpg"}
	blanks := []string{"Heat", "  Heat ", "", " ", "\t\n"}
	ratings := append([]string{"", "pg-13", " tv-y7-fv ", "Nc-17", "XXX", "PG13", "PG-", "TV"}, MaturityRatings...)
	languages := []string{"en", "EN", " fr ", "pt-BR", "pt-br", "zh-Hant", "zh-hant", "es-419", "english", "e", "en-", "en-U", "en_US", "en-US-x", "-en"}

	movie := func(field string, value any) (string, string) {
		body := map[string]any{"title": "Heat", field: value}
		pointer, name := "/components/schemas/MovieWrite/properties/"+field, field
		if field == "languages" {
			body[field] = []any{value}
			pointer, name = pointer+"/items", "languages[0]"
		}
		var w catalogapi.MovieWrite
		decode(t, body, &w)
		return openapicheck.Refusal(t, OpenAPI, pointer, value), reasonOf(t, validateMovie(&w, now), name)
	}
	person := func(field string, value any) (string, string) {
		var w catalogapi.PersonWrite
		decode(t, map[string]any{"name": "Ann", field: value}, &w)
		return openapicheck.Refusal(t, OpenAPI, "/components/schemas/PersonWrite/properties/"+field, value), reasonOf(t, validatePerson(&w, now), field)
	}
	crewJob := func(value string) (string, string) {
		var w catalogapi.MovieWrite
		decode(t, map[string]any{"title": "Heat", "crew": []any{map[string]any{"person_id": "0190d1f4-8a1b-7c3d-9e2f-0123456789ab", "job": value}}}, &w)
		return openapicheck.Refusal(t, OpenAPI, "/components/schemas/CrewWrite/properties/job", value), reasonOf(t, validateMovie(&w, now), "crew[0].job")
	}
	for _, tc := range []struct {
		of     func(string, any) (string, string)
		field  string
		values []string
	}{
		{movie, "title", blanks}, {movie, "release_date", dates}, {movie, "poster_url", urls}, {movie, "languages", languages},
		{movie, "maturity_rating", ratings},
		{person, "name", blanks}, {person, "birth_date", dates}, {person, "photo_url", urls},
		{func(_ string, v any) (string, string) { return crewJob(v.(string)) }, "job", blanks},
	} {
		for _, v := range tc.values {
			document, code := tc.of(tc.field, v)
			require.Equal(t, code, document, "%s %q: the document says %q, the code %q", tc.field, v, document, code)
		}
	}
}

func decode(t *testing.T, body map[string]any, into any) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, into))
}

// reasonOf is what err says about field, "" when nothing.
func reasonOf(t *testing.T, err error, field string) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae *apperr.Error
	require.True(t, errors.As(err, &ae), "%v", err)
	for _, f := range ae.Fields {
		if f.Field == field {
			return f.Reason
		}
	}
	return ""
}
