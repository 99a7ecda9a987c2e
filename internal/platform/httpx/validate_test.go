package httpx_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// spec is a small document with the shapes the services use: a list with
// query parameters, a JSON write with nested objects, an operation without a body.
const spec = `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
 "paths": {
  "/things": {
   "get": {"parameters": [
      {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
      {"name": "rating_min", "in": "query", "schema": {"type": "number", "minimum": 0, "maximum": 10}},
      {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["title", "year"]}}],
    "responses": {"200": {"description": "ok"}}}},
  "/things/{id}": {
   "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
   "put": {"requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingWrite"}}}},
    "responses": {"200": {"description": "ok"}}},
   "delete": {"responses": {"204": {"description": "gone"}}}}},
 "components": {"schemas": {
  "ThingWrite": {"type": "object", "additionalProperties": false, "required": ["title"], "properties": {
    "title": {"type": "string", "minLength": 1, "maxLength": 5},
    "runtime_minutes": {"type": "integer", "minimum": 1, "maximum": 1000, "nullable": true},
    "cast": {"type": "array", "maxItems": 2, "items": {"$ref": "#/components/schemas/Credit"}}}},
  "Credit": {"type": "object", "additionalProperties": false, "required": ["person_id"], "properties": {
    "person_id": {"type": "string", "format": "uuid"}, "character": {"type": "string", "maxLength": 3}}}}}}`

type validated struct {
	rt    http.Handler
	calls int
	body  string // what the last handler call read
	log   bytes.Buffer
}

// newValidated serves the document's operations with a handler that checks
// the title as a service would (some rules only the service knows: "taken").
func newValidated(t *testing.T) *validated {
	t.Helper()
	v := &validated{}
	rt := httpx.NewRouter(authtest.New(t).Verifier())
	h := func(w http.ResponseWriter, r *http.Request) error {
		v.calls++
		b, err := io.ReadAll(r.Body)
		v.body = string(b)
		if err != nil {
			return err
		}
		var in struct {
			Title *string `json:"title"`
		}
		if len(b) > 0 && json.Unmarshal(b, &in) == nil && in.Title != nil {
			var val httpx.Validator
			val.Check(*in.Title != "", "title", "is required (said the handler)")
			val.Check(*in.Title != "taken", "title", "is taken")
			if *in.Title == "kind" { // domain code answers with an apperr kind
				return apperr.Invalid("title", "is a reserved word")
			}
			if err := val.Err(); err != nil {
				return err
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	rt.Handle("GET /things", auth.Anyone, h)
	rt.Handle("PUT /things/{id}", auth.Anyone, h)
	rt.Handle("DELETE /things/{id}", auth.Anyone, h)
	require.NoError(t, rt.ValidateRequests([]byte(spec)))
	v.rt = httpx.Chain(rt, httpx.Observe(slog.New(slog.NewTextHandler(&v.log, nil)), nil))
	return v
}

func (v *validated) do(t *testing.T, method, target, contentType, body string) (*httptest.ResponseRecorder, httpx.Problem) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	v.rt.ServeHTTP(rec, req)
	if rec.Code < 400 {
		return rec, httpx.Problem{}
	}
	return rec, decodeProblem(t, rec)
}

func fields(p httpx.Problem) map[string]string {
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Reason
	}
	return out
}

func TestRequestsAreCheckedAgainstTheDocument(t *testing.T) {
	t.Parallel()
	const jsonCT = "application/json"
	// the requests the document accepts and the handler refuses
	answeredByHandler := map[string]bool{"a rule only the handler knows": true, "a domain error kind from the handler": true}
	for _, tc := range []struct {
		name, method, target, contentType, body string
		status                                  int
		fields                                  map[string]string
	}{
		{"plain read", "GET", "/things", "", "", 204, nil},
		{"good query", "GET", "/things?limit=5&rating_min=7.5&sort=year", "", "", 204, nil},
		{"undeclared parameters are ignored", "GET", "/things?utm_source=mail&_=1", "", "", 204, nil},
		{"limit out of range", "GET", "/things?limit=0", "", "", 400, map[string]string{"limit": "must be an integer from 1 to 100"}},
		{"limit not a number", "GET", "/things?limit=ten", "", "", 400, map[string]string{"limit": "must be an integer from 1 to 100"}},
		{"NaN", "GET", "/things?rating_min=NaN", "", "", 400, map[string]string{"rating_min": "must be a number from 0 to 10"}},
		{"infinity", "GET", "/things?rating_min=Inf", "", "", 400, map[string]string{"rating_min": "must be a number from 0 to 10"}},
		{"enum", "GET", "/things?sort=price", "", "", 400, map[string]string{"sort": "must be one of title, year"}},
		{"good write", "PUT", "/things/1", jsonCT, `{"title":"X","runtime_minutes":96,"cast":[{"person_id":"01a1fd79-97ef-7207-9ec7-5861e9a04b44"}]}`, 204, nil},
		{"charset is fine", "PUT", "/things/1", "application/json; charset=utf-8", `{"title":"X"}`, 204, nil},
		{"misspelt keys", "PUT", "/things/1", jsonCT, `{"title":"X","runtime_minute":96,"overveiw":"y"}`, 400,
			map[string]string{"runtime_minute": "is not a known field", "overveiw": "is not a known field"}},
		{"nested unknown key", "PUT", "/things/1", jsonCT, `{"title":"X","cast":[{"person_id":"01a1fd79-97ef-7207-9ec7-5861e9a04b44","role":"x"}]}`, 400,
			map[string]string{"cast[0].role": "is not a known field"}},
		{"limits broken: every field named at once, before the handler", "PUT", "/things/1", jsonCT,
			`{"title":"","runtime_minutes":0,"cast":[{"person_id":"nobody","character":"Ilsa"}]}`, 422,
			map[string]string{"title": "is required", "runtime_minutes": "must be an integer from 1 to 1000 or null",
				"cast[0].person_id": "must be a UUID", "cast[0].character": "must be at most 3 characters"}},
		{"a required field missing", "PUT", "/things/1", jsonCT, `{"cast":[{}]}`, 422,
			map[string]string{"title": "is required", "cast[0].person_id": "is required"}},
		{"a wrong type is a broken limit", "PUT", "/things/1", jsonCT, `{"title":"X","runtime_minutes":"long","cast":{}}`, 422,
			map[string]string{"runtime_minutes": "must be an integer from 1 to 1000 or null", "cast": "must be a list"}},
		{"the document refuses first: the handler's rules wait", "PUT", "/things/1", jsonCT, `{"title":"taken","runtime_minutes":1001}`, 422,
			map[string]string{"runtime_minutes": "must be an integer from 1 to 1000 or null"}},
		{"a rule only the handler knows", "PUT", "/things/1", jsonCT, `{"title":"taken","runtime_minutes":1000}`, 422,
			map[string]string{"title": "is taken"}},
		{"a domain error kind from the handler", "PUT", "/things/1", jsonCT, `{"title":"kind"}`, 422,
			map[string]string{"title": "is a reserved word"}},
		{"unknown key and broken limit together", "PUT", "/things/1", jsonCT, `{"title":"too long","x":1}`, 400,
			map[string]string{"title": "must be at most 5 characters", "x": "is not a known field"}},
		{"not an object", "PUT", "/things/1", jsonCT, `[1]`, 400, map[string]string{"body": "must be an object"}},
		{"not JSON", "PUT", "/things/1", jsonCT, `{"title":`, 400, map[string]string{"body": "is not valid JSON"}},
		{"two values", "PUT", "/things/1", jsonCT, `{"title":"a"} {}`, 400, map[string]string{"body": "must hold a single JSON value"}},
		{"invalid UTF-8", "PUT", "/things/1", jsonCT, "{\"title\":\"a\xffb\"}", 400, map[string]string{"body": "is not valid UTF-8 (at byte 11)"}},
		{"empty body", "PUT", "/things/1", jsonCT, "", 400, map[string]string{"body": "is empty; a JSON object is required"}},
		{"no Content-Type", "PUT", "/things/1", "", `{"title":"X"}`, 415, nil},
		{"almost JSON", "PUT", "/things/1", "application/jsonx", `{"title":"X"}`, 415, nil},
		{"another JSON type", "PUT", "/things/1", "application/merge-patch+json", `{"title":"X"}`, 415, nil},
		{"another charset", "PUT", "/things/1", "application/json; charset=latin1", `{"title":"X"}`, 415, nil},
		{"a form", "PUT", "/things/1", "application/x-www-form-urlencoded", `title=X`, 415, nil},
		{"no body expected", "DELETE", "/things/1", "", "", 204, nil},
		{"a body where none is taken is not read", "DELETE", "/things/1", jsonCT, `{"title":"X"}`, 204, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newValidated(t)
			rec, p := v.do(t, tc.method, tc.target, tc.contentType, tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status >= 400 {
				if answeredByHandler[tc.name] {
					require.Equal(t, 1, v.calls)
				} else {
					require.Zero(t, v.calls, "the handler never runs for a request the document refuses")
				}
				if tc.fields != nil {
					require.Equal(t, tc.fields, fields(p))
				}
				return
			}
			require.Equal(t, 1, v.calls)
			require.Equal(t, tc.body, v.body, "the handler reads the body the validator read")
		})
	}
}

// A body breaking the document's limits is answered before the handler:
// a handler that would accept anything (and write it) never runs.
func TestABodyBreakingTheLimitsNeverReachesTheHandler(t *testing.T) {
	t.Parallel()
	v := newValidated(t) // its handler accepts this title and any runtime
	rec, p := v.do(t, "PUT", "/things/1", "application/json", `{"title":"too long","runtime_minutes":-5}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Zero(t, v.calls, "the handler ran")
	require.Equal(t, map[string]string{"title": "must be at most 5 characters", "runtime_minutes": "must be an integer from 1 to 1000 or null"},
		fields(p))
}

func TestTheDocumentAndTheRoutesMustMatch(t *testing.T) {
	t.Parallel()
	noop := func(w http.ResponseWriter, r *http.Request) error { return nil }
	v := authtest.New(t).Verifier()

	rt := httpx.NewRouter(v)
	rt.Handle("GET /things", auth.Anyone, noop)
	rt.Handle("PUT /things/{id}", auth.Anyone, noop)
	rt.Handle("DELETE /things/{id}", auth.Anyone, noop)
	rt.Handle("GET /secret", auth.Anyone, noop)
	require.ErrorContains(t, rt.ValidateRequests([]byte(spec)), "route GET /secret is not in the document")

	rt = httpx.NewRouter(v)
	rt.Handle("GET /things", auth.Anyone, noop)
	require.ErrorContains(t, rt.ValidateRequests([]byte(spec)), "has no route")

	open := strings.Replace(spec, `"Credit": {"type": "object", "additionalProperties": false,`, `"Credit": {"type": "object",`, 1)
	rt = httpx.NewRouter(v)
	require.ErrorContains(t, rt.ValidateRequests([]byte(open)), "must set additionalProperties: false")

	wordless := strings.Replace(spec, `"character": {"type": "string", "maxLength": 3}`, `"character": {"type": "string", "pattern": "\\S"}`, 1)
	rt = httpx.NewRouter(v)
	require.ErrorContains(t, rt.ValidateRequests([]byte(wordless)), "has a pattern but no x-pattern-reason")
}

// A pattern is refused in the words of its x-pattern-reason, not as a
// regular expression the person filling the form cannot read.
func TestAPatternIsRefusedInItsOwnWords(t *testing.T) {
	t.Parallel()
	var s openapi3.Schema
	require.NoError(t, json.Unmarshal([]byte(`{"type": "string", "pattern": "\\S", "x-pattern-reason": "is required"}`), &s))
	require.Equal(t, "is required", httpx.Refusal(&s, "  "))
	require.Empty(t, httpx.Refusal(&s, " Heat "))
	delete(s.Extensions, httpx.PatternReason)
	require.Equal(t, `must match \S`, httpx.Refusal(&s, "  "))
}

func TestDecodeJSONIsStrict(t *testing.T) {
	t.Parallel()
	type in struct {
		Title string `json:"title"`
	}
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		field                   string
	}{
		{"ok", "application/json", `{"title":"x"}`, 0, ""},
		{"unknown field", "application/json", `{"title":"x","titel":"y"}`, 400, "titel"},
		{"invalid UTF-8", "application/json", "{\"title\":\"\xc3\"}", 400, "body"},
		{"no Content-Type", "", `{"title":"x"}`, 415, ""},
		{"jsonx", "application/jsonx", `{"title":"x"}`, 415, ""},
		{"text", "text/plain", `{"title":"x"}`, 415, ""},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		var dst in
		err := httpx.DecodeJSON(httptest.NewRecorder(), req, &dst)
		if tc.status == 0 {
			require.NoError(t, err, tc.name)
			require.Equal(t, "x", dst.Title)
			continue
		}
		rec := httptest.NewRecorder()
		httpx.Error(rec, req, err)
		p := decodeProblem(t, rec)
		require.Equal(t, tc.status, p.Status, tc.name)
		if tc.field != "" {
			require.Equal(t, tc.field, p.Errors[0].Field, tc.name)
		}
	}
}

func TestACursorThatDecodesToNothingIsRefused(t *testing.T) {
	t.Parallel()
	type position struct {
		At string `json:"t"`
		ID string `json:"i"`
	}
	for _, raw := range []string{"null", `""`, "{}", `{"t":"","i":""}`, "[]"} {
		cursor := base64.RawURLEncoding.EncodeToString([]byte(raw))
		var p position
		_, err := httpx.DecodeCursor(httptest.NewRequest("GET", "/?cursor="+cursor, nil), &p)
		var ve *httpx.ValidationError
		require.ErrorAs(t, err, &ve, raw)
		require.Equal(t, "cursor", ve.Errors[0].Field)

		var s string
		_, err = httpx.DecodeCursor(httptest.NewRequest("GET", "/?cursor="+cursor, nil), &s)
		require.ErrorAs(t, err, &ve, raw)
	}
	good, err := httpx.EncodeCursor(position{At: "2026-01-01", ID: "x"})
	require.NoError(t, err)
	var p position
	ok, err := httpx.DecodeCursor(httptest.NewRequest("GET", "/?cursor="+good, nil), &p)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "x", p.ID)
}

func TestHardenSetsSecurityHeadersAndRefusesHugeHeaders(t *testing.T) {
	t.Parallel()
	h := httpx.Harden(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page" {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	for path, csp := range map[string]string{"/api": "default-src 'none'; frame-ancestors 'none'", "/page": "default-src 'self'; frame-ancestors 'none'"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		require.NotEmpty(t, rec.Header().Get("Referrer-Policy"))
		require.Equal(t, csp, rec.Header().Get("Content-Security-Policy"), "a page may set its own policy")
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api?q="+strings.Repeat("x", httpx.MaxHeaderBytes), nil))
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, rec.Code)
	decodeProblem(t, rec)
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))

	req := httptest.NewRequest("GET", "/api", nil)
	req.Header.Set("X-Big", strings.Repeat("x", httpx.MaxHeaderBytes))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, rec.Code)
}
