package app_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// send makes a request as given, without the document check of p.client (it
// also goes where the document has no operation), and reads the answer.
func (p *platform) send(t *testing.T, method, path, token, contentType, body string) (*http.Response, problem) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var pr problem
	if resp.StatusCode >= 400 {
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), "%s %s → %d: %s", method, path, resp.StatusCode, raw)
		require.NoError(t, json.Unmarshal(raw, &pr))
		require.Equal(t, resp.StatusCode, pr.Status)
	}
	return resp, pr
}

func fieldsOf(p problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// The example: a misspelt key used to answer 200 and wipe the
// fields it meant to set.
func TestAMisspeltKeyIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin := p.admin(t)
	type stored struct {
		Title          string `json:"title"`
		Overview       string `json:"overview"`
		RuntimeMinutes *int   `json:"runtime_minutes"`
		UpdatedAt      string `json:"updated_at"`
	}
	var m struct {
		ID string `json:"id"`
		stored
	}
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{
		"title": "Casablanca", "overview": "Rick's café", "runtime_minutes": 102}, &m))

	resp, bad := p.send(t, "PUT", "/api/movies/"+m.ID, admin, "application/json", `{"title":"X","runtime_minute":96,"overveiw":"y"}`)
	require.Equal(t, 400, resp.StatusCode)
	require.ElementsMatch(t, []string{"runtime_minute", "overveiw"}, fieldsOf(bad))

	var after stored
	require.Equal(t, 200, p.call(t, "GET", "/api/admin/catalog/movies/"+m.ID, admin, nil, &after))
	require.Equal(t, m.stored, after, "the movie is unchanged")
}

func TestMalformedInputIsAProblemNamingIt(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin, user := p.admin(t), p.user(t)
	null := base64.RawURLEncoding.EncodeToString([]byte("null"))
	for _, tc := range []struct {
		name, method, path, token, contentType, body string
		status                                       int
		field                                        string
	}{
		{"NaN rating", "GET", "/api/movies?rating_min=NaN", "", "", "", 400, "rating_min"},
		{"NaN rating, the catalog's list", "GET", "/api/admin/catalog/movies?rating_min=NaN", admin, "", "", 400, "rating_min"},
		{"a null cursor, browse", "GET", "/api/movies?cursor=" + null, "", "", "", 400, "cursor"},
		{"a null cursor, identity", "GET", "/api/users?cursor=" + null, admin, "", "", 400, "cursor"},
		{"a null cursor, social", "GET", "/api/feed?cursor=" + null, user, "", "", 400, "cursor"},
		{"not exactly JSON", "POST", "/api/movies", admin, "application/jsonx", `{"title":"X"}`, 415, ""},
		{"no Content-Type", "POST", "/api/movies", admin, "", `{"title":"X"}`, 415, ""},
		{"no Content-Type, sign-in", "POST", "/api/auth/login", "", "", `{"email":"a@example.com","password":"0123456789"}`, 415, ""},
		{"invalid UTF-8", "POST", "/api/movies", admin, "application/json", "{\"title\":\"Caf\xe9\"}", 400, "body"},
	} {
		resp, pr := p.send(t, tc.method, tc.path, tc.token, tc.contentType, tc.body)
		require.Equal(t, tc.status, resp.StatusCode, tc.name)
		if tc.field != "" {
			require.Equal(t, []string{tc.field}, fieldsOf(pr), tc.name)
		}
	}
	var list struct {
		Items []any `json:"items"`
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/admin/catalog/movies", admin, nil, &list))
	require.Empty(t, list.Items, "none of the refused writes created a movie")
}

func TestErrorsOutsideTheHandlersAreProblems(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"unknown API path", "GET", "/api/nope", 404},
		{"unknown API path below a known one", "GET", "/api/movies/top-rated/x/y", 404},
		{"unknown method of an API path", "PATCH", "/api/movies", 405},
		{"a write to the web app", "POST", "/", 405},
		{"a write to a page of the web app", "DELETE", "/movies/x", 405},
		{"an oversized query", "GET", "/api/movies?q=" + strings.Repeat("x", 70<<10), 431},
	} {
		resp, _ := p.send(t, tc.method, tc.path, "", "", "")
		require.Equal(t, tc.status, resp.StatusCode, tc.name)
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	for _, path := range []string{"/healthz", "/api/genres", "/api/openapi.json", "/api/nope", "/api/movies?limit=0", "/", "/movies/x", "/api/docs"} {
		resp, err := http.Get(p.url + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		require.NotEmpty(t, resp.Header.Get("Referrer-Policy"), path)
		csp := resp.Header.Get("Content-Security-Policy")
		require.Contains(t, csp, "frame-ancestors 'none'", path)
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			require.NotContains(t, csp, "script-src 'unsafe-inline'", path)
		}
	}
}

// A well-formed body breaking the document's limits is refused before the
// handler runs: one 422 names every field it breaks, and nothing is written.
func TestALimitBreakingBodyIsRefusedBeforeTheHandler(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin, user := p.admin(t), p.user(t)
	reasons := func(pr problem) map[string]string {
		out := map[string]string{}
		for _, e := range pr.Errors {
			out[e.Field] = e.Reason
		}
		return out
	}

	resp, bad := p.send(t, "POST", "/api/movies", admin, "application/json", `{"title":"","runtime_minutes":-5,"cast":[{"person_id":"nobody"}]}`)
	require.Equal(t, 422, resp.StatusCode)
	require.Equal(t, map[string]string{"title": "is required", "runtime_minutes": "must be an integer from 1 to 1000 or null",
		"cast[0].person_id": "must be a UUID"}, reasons(bad))
	var movies struct {
		Items []any `json:"items"`
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/admin/catalog/movies", admin, nil, &movies))
	require.Empty(t, movies.Items, "no movie was created")

	var m movie
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{"title": "Heat"}, &m))
	var reviews struct {
		Items []any `json:"items"`
	}
	p.eventually(t, 200, "GET", "/api/movies/"+m.ID+"/reviews", "", nil, &reviews) // the reviews service knows the movie
	resp, bad = p.send(t, "POST", "/api/movies/"+m.ID+"/reviews", user, "application/json",
		`{"rating":11,"body":"`+strings.Repeat("x", 10_001)+`"}`)
	require.Equal(t, 422, resp.StatusCode)
	require.Equal(t, map[string]string{"rating": "must be an integer from 1 to 10", "body": "must be at most 10000 characters"}, reasons(bad))
	require.Equal(t, 200, p.call(t, "GET", "/api/movies/"+m.ID+"/reviews", "", nil, &reviews))
	require.Empty(t, reviews.Items, "no review was written")
	// the same user may still review it: nothing of the refused write remains
	require.Equal(t, 201, p.call(t, "POST", "/api/movies/"+m.ID+"/reviews", user, map[string]any{"rating": 10}, nil))
}

// Issue 13 point 8: a form with several mistakes learns all of them from
// one answer, in words it can show, because the document states every
// check the service makes that needs neither the database nor the clock.
func TestAFormWithManyMistakesLearnsThemAllAtOnce(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin := p.admin(t)
	reasons := func(pr problem) map[string]string {
		out := map[string]string{}
		for _, e := range pr.Errors {
			out[e.Field] = e.Reason
		}
		return out
	}

	for _, c := range []struct {
		path, token, body string
		reasons           map[string]string
	}{
		{"/api/movies", admin,
			`{"title":"  ","languages":["en","english"],"poster_url":"poster.jpg","runtime_minutes":"two hours","release_date":"12/24/1999"}`,
			map[string]string{
				"title":           "is required",
				"languages[1]":    "must be a language code such as en, fr or pt-BR",
				"poster_url":      "must be an absolute http or https URL",
				"runtime_minutes": "must be an integer from 1 to 1000 or null",
				"release_date":    "must be a date as YYYY-MM-DD",
			}},
		{"/api/actors", admin,
			`{"name":"","birth_date":"1950-13-01","photo_url":"ftp://example.com/a.jpg"}`,
			map[string]string{
				"name":       "is required",
				"birth_date": "must be a date as YYYY-MM-DD",
				"photo_url":  "must be an absolute http or https URL",
			}},
		{"/api/auth/register", "",
			`{"email":"ann.example.com","password":"short","display_name":" "}`,
			map[string]string{
				"email":        "is not an e-mail address",
				"password":     "must be at least 10 characters",
				"display_name": "is required",
			}},
	} {
		resp, bad := p.send(t, "POST", c.path, c.token, "application/json", c.body)
		require.Equal(t, 422, resp.StatusCode, c.path)
		require.Equal(t, c.reasons, reasons(bad), c.path)
	}

	// what the document allows the service still trims and accepts
	var m movie
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{
		"title": "  Heat ", "languages": []string{"EN", "pt-br"}, "poster_url": " https://example.com/heat.jpg ",
		"release_date": " 1995-12-15 "}, &m))
	var stored struct {
		Title       string   `json:"title"`
		Languages   []string `json:"languages"`
		PosterURL   string   `json:"poster_url"`
		ReleaseDate string   `json:"release_date"`
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/admin/catalog/movies/"+m.ID, admin, nil, &stored))
	require.Equal(t, "Heat", stored.Title)
	require.Equal(t, []string{"en", "pt-BR"}, stored.Languages)
	require.Equal(t, "https://example.com/heat.jpg", stored.PosterURL)
	require.Equal(t, "1995-12-15", stored.ReleaseDate)
}
