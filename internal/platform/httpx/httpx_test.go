package httpx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/obs"
)

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) httpx.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var p httpx.Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(t, rec.Code, p.Status)
	return p
}

func TestRouterAccessRules(t *testing.T) {
	t.Parallel()
	m := authtest.New(t)
	rt := httpx.NewRouter(m.Verifier())
	ok := func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(http.StatusNoContent); return nil }
	rt.Handle("GET /open", auth.Anyone, ok)
	rt.Handle("GET /public", auth.Public, func(w http.ResponseWriter, r *http.Request) error {
		if _, signed := auth.FromContext(r.Context()); signed {
			return errors.New("a public route was given a principal")
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	rt.Handle("GET /signed", auth.Signed, ok)
	rt.Handle("GET /admin", auth.Admin, ok)
	user, admin := m.User(t), m.Admin(t)
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/open", "", 204}, {"/open", user, 204}, {"/open", "garbage", 401},
		{"/public", "", 204}, {"/public", user, 204}, {"/public", "garbage", 204},
		{"/signed", "", 401}, {"/signed", user, 204}, {"/signed", admin, 204},
		{"/admin", "", 401}, {"/admin", user, 403}, {"/admin", admin, 204},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		require.Equal(t, tc.want, rec.Code, "%s with token %q", tc.path, tc.token)
		if tc.want >= 400 {
			decodeProblem(t, rec)
		}
	}
	require.Equal(t, []httpx.RouteInfo{{"GET /admin", auth.Admin}, {"GET /open", auth.Anyone}, {"GET /public", auth.Public}, {"GET /signed", auth.Signed}}, rt.Routes())
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err    error
		status int
	}{
		"not found":  {httpx.NotFound("movie"), 404},
		"sentinel":   {httpx.ErrNotFound, 404},
		"conflict":   {httpx.Conflict("already"), 409},
		"validation": {httpx.Invalid(400, "limit", "bad"), 400},
		"forbidden":  {httpx.ErrForbidden, 403},
		"internal":   {errors.New("db password is hunter2"), 500},
	} {
		rec := httptest.NewRecorder()
		httpx.Error(rec, httptest.NewRequest("GET", "/x", nil), tc.err)
		p := decodeProblem(t, rec)
		require.Equal(t, tc.status, p.Status, name)
		require.NotContains(t, rec.Body.String(), "hunter2", "internals never leak")
	}
	var v httpx.Validator
	v.Check(false, "title", "is required")
	v.Check(true, "year", "fine")
	rec := httptest.NewRecorder()
	httpx.Error(rec, httptest.NewRequest("POST", "/x", nil), v.Err())
	p := decodeProblem(t, rec)
	require.Equal(t, 422, p.Status)
	require.Equal(t, []httpx.FieldError{{Field: "title", Reason: "is required"}}, p.Errors)
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	type in struct {
		Title   string `json:"title"`
		Runtime int    `json:"runtime_minutes"`
	}
	for name, tc := range map[string]struct {
		body, field string
		status      int
	}{
		"ok":         {`{"title":"x","runtime_minutes":3}`, "", 0},
		"wrong type": {`{"runtime_minutes":"long"}`, "runtime_minutes", 400},
		"syntax":     {`{"title":`, "body", 400},
		"empty":      {``, "body", 400},
		"two":        {`{} {}`, "body", 400},
		"too large":  {`{"title":"` + strings.Repeat("a", httpx.MaxBodyBytes) + `"}`, "", 413},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		var dst in
		err := httpx.DecodeJSON(httptest.NewRecorder(), req, &dst)
		if tc.status == 0 {
			require.NoError(t, err, name)
			continue
		}
		rec := httptest.NewRecorder()
		httpx.Error(rec, req, err)
		p := decodeProblem(t, rec)
		require.Equal(t, tc.status, p.Status, name)
		if tc.field != "" {
			require.Equal(t, tc.field, p.Errors[0].Field, name)
		}
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]int{"": 20, "limit=1": 1, "limit=100": 100, "limit=0": -1, "limit=101": -1, "limit=x": -1} {
		n, err := httpx.ParseLimit(httptest.NewRequest("GET", "/?"+q, nil))
		if want < 0 {
			var ve *httpx.ValidationError
			require.ErrorAs(t, err, &ve, q)
			require.Equal(t, "limit", ve.Errors[0].Field)
			continue
		}
		require.Equal(t, want, n, q)
	}
	page, err := httpx.NewPage([]int{1, 2, 3}, 2, func(last int) any { return last })
	require.NoError(t, err)
	require.Equal(t, []int{1, 2}, page.Items)
	require.NotNil(t, page.NextCursor)
	var pos int
	ok, err := httpx.DecodeCursor(httptest.NewRequest("GET", "/?cursor="+*page.NextCursor, nil), &pos)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 2, pos)
	_, err = httpx.DecodeCursor(httptest.NewRequest("GET", "/?cursor=!!not-a-cursor", nil), &pos)
	require.Error(t, err)
}

func TestMiddlewareRecoversLogsAndCounts(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	metrics := obs.NewMetrics()
	mux := http.NewServeMux()
	mux.Handle("GET /boom/{id}", httpx.Routed(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") })))
	h := httpx.Chain(mux, httpx.Observe(slog.New(slog.NewJSONHandler(&logs, nil)), metrics), httpx.Recover)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom/1", nil))
	p := decodeProblem(t, rec)
	require.Equal(t, 500, p.Status)
	require.NotContains(t, rec.Body.String(), "secret detail")
	id := rec.Header().Get("X-Request-Id")
	require.NotEmpty(t, id)

	var line map[string]any
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &line))
	require.Equal(t, "request", line["msg"])
	require.Equal(t, id, line["request_id"])
	require.Equal(t, "GET /boom/{id}", line["route"])
	require.EqualValues(t, 500, line["status"])

	srv := httptest.NewServer(httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		if err != nil {
			httpx.Error(w, r, httpx.Errorf(413, "too large"))
		}
	}), httpx.LimitBody(10)))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(strings.Repeat("x", 100)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 413, resp.StatusCode)

	// a tus chunk is limited by the upload handler, not here
	req, err := http.NewRequest(http.MethodPatch, srv.URL, strings.NewReader(strings.Repeat("x", 100)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
}

func TestCookieModeNeedsCSRFOnWrites(t *testing.T) {
	t.Parallel()
	m := authtest.New(t)
	rt := httpx.NewRouter(m.Verifier())
	ok := func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(http.StatusNoContent); return nil }
	rt.Handle("GET /me", auth.Signed, ok)
	rt.Handle("POST /me", auth.Signed, ok)
	rt.Handle("POST /public", auth.Public, func(w http.ResponseWriter, r *http.Request) error {
		if _, signed := auth.FromContext(r.Context()); signed {
			return errors.New("a public route read the token")
		}
		return ok(w, r)
	})
	tok := m.User(t)
	csrf := "0123456789abcdef0123"
	for _, tc := range []struct {
		method, header string
		want           int
	}{
		{"GET", "", 204},  // reads need no CSRF header
		{"POST", "", 403}, // a write without the header is refused
		{"POST", "wrong-value-wrong", 403},
		{"POST", csrf, 204},
	} {
		req := httptest.NewRequest(tc.method, "/me", nil)
		req.AddCookie(&http.Cookie{Name: httpx.AccessCookie, Value: tok})
		req.AddCookie(&http.Cookie{Name: httpx.CSRFCookie, Value: csrf})
		if tc.header != "" {
			req.Header.Set(httpx.CSRFHeader, tc.header)
		}
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		require.Equal(t, tc.want, rec.Code, "%s with csrf header %q", tc.method, tc.header)
	}
	// A public route never reads the cookie, valid or not: a plain form post
	// (the sandbox's checkout) needs no CSRF header, and no principal is made.
	req := httptest.NewRequest("POST", "/public", nil)
	req.AddCookie(&http.Cookie{Name: httpx.AccessCookie, Value: tok})
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	require.Equal(t, 204, rec.Code, "%s", rec.Body)

	// Bearer-token writes are not subject to CSRF (no ambient credential).
	req = httptest.NewRequest("POST", "/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec = httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	require.Equal(t, 204, rec.Code)
}

// An access cookie that does not verify (garbage, another issuer's key, an
// expired or revoked token) is no token: optional routes answer as to
// anyone, routes that need a token answer 401, Public routes never look,
// and the answer expires the cookie; no CSRF header is asked for a session
// that does not exist. A bad Authorization header is still a 401.
func TestDeadAccessCookieCountsAsNoToken(t *testing.T) {
	t.Parallel()
	m := authtest.New(t)
	revocations := auth.NewRevocations(time.Hour)
	rt := httpx.NewRouter(auth.NewVerifier(m.Keys, authtest.Issuer, authtest.Audience, auth.WithRevocations(revocations)))
	caller := func(w http.ResponseWriter, r *http.Request) error {
		p, signed := auth.FromContext(r.Context())
		w.Header().Set("X-Caller", map[bool]string{true: p.UserID, false: "anonymous"}[signed])
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	rt.Handle("GET /optional", auth.Anyone, caller)
	rt.Handle("POST /optional", auth.Anyone, caller)
	rt.Handle("POST /public", auth.Public, caller)
	rt.Handle("GET /signed", auth.Signed, caller)

	revoked := m.Token(t, "revoked-user", auth.RoleUser)
	revocations.Revoke("revoked-user", time.Now().Add(time.Second))
	expiredToken, err := auth.Sign(m.Private, m.Kid, authtest.Issuer, authtest.Audience, auth.Principal{UserID: "u1", Role: auth.RoleUser}, time.Minute, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	other := authtest.New(t) // another signing key, as after a restart on a fresh data directory
	dead := map[string]string{
		"garbage":       "x.y.z",
		"other key":     other.User(t),
		"expired":       expiredToken,
		"revoked":       revoked,
		"not a JWT":     "not-a-token",
		"unsigned-none": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSIsInJvbGUiOiJhZG1pbiJ9.",
	}
	do := func(method, path string, cookie, bearer string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: httpx.AccessCookie, Value: cookie})
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		return rec
	}
	expired := func(rec *httptest.ResponseRecorder) bool {
		for _, c := range (&http.Response{Header: rec.Header()}).Cookies() {
			if c.Name == httpx.AccessCookie && c.MaxAge < 0 && c.Path == "/" && c.HttpOnly {
				return true
			}
		}
		return false
	}
	for name, tok := range dead {
		rec := do("GET", "/optional", tok, "")
		require.Equal(t, 204, rec.Code, name)
		require.Equal(t, "anonymous", rec.Header().Get("X-Caller"), name)
		require.True(t, expired(rec), "%s: the answer expires the dead cookie", name)
		require.Contains(t, rec.Header().Get("Cache-Control"), "private", name)

		rec = do("POST", "/optional", tok, "")
		require.Equal(t, 204, rec.Code, "%s: no CSRF header is needed without a session", name)
		require.Equal(t, "anonymous", rec.Header().Get("X-Caller"), name)

		rec = do("POST", "/public", tok, "")
		require.Equal(t, 204, rec.Code, name)
		require.False(t, expired(rec), "%s: a public route does not look at tokens", name)

		rec = do("GET", "/signed", tok, "")
		require.Equal(t, 401, rec.Code, name)
		require.True(t, expired(rec), name)
		decodeProblem(t, rec)

		for _, path := range []string{"/optional", "/signed"} {
			rec = do("GET", path, "", tok)
			require.Equal(t, 401, rec.Code, "%s as a bearer token on %s", name, path)
			require.False(t, expired(rec), name)
		}
		require.Equal(t, 204, do("POST", "/public", "", tok).Code, "%s as a bearer token on a public route", name)
	}

	// a good cookie is still a session, and its writes still need CSRF
	good := m.User(t)
	rec := do("GET", "/optional", good, "")
	require.Equal(t, 204, rec.Code)
	require.NotEqual(t, "anonymous", rec.Header().Get("X-Caller"))
	require.False(t, expired(rec))
	require.Equal(t, 403, do("POST", "/optional", good, "").Code)
	require.Equal(t, 204, do("POST", "/public", good, "").Code, "public routes need no CSRF header: they never act for the session")
}

func TestSortedCursorBelongsToItsSortAndOrder(t *testing.T) {
	t.Parallel()
	c, err := httpx.EncodeCursor(httpx.SortedCursor{Sort: "title", Order: "asc", Key: []string{"casablanca", "id1"}})
	require.NoError(t, err)
	key, err := httpx.ReadSortedCursor(httptest.NewRequest("GET", "/?cursor="+c, nil), "title", "asc")
	require.NoError(t, err)
	require.Equal(t, []string{"casablanca", "id1"}, key)
	_, err = httpx.ReadSortedCursor(httptest.NewRequest("GET", "/?cursor="+c, nil), "year", "asc")
	var ve *httpx.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "cursor", ve.Errors[0].Field)
	key, err = httpx.ReadSortedCursor(httptest.NewRequest("GET", "/", nil), "title", "asc")
	require.NoError(t, err)
	require.Nil(t, key)
}

func TestQueryParameterHelpers(t *testing.T) {
	require.True(t, httpx.IsUUID("01a1fd79-97ef-7207-9ec7-5861e9a04b44"))
	for _, s := range []string{"", "nobody", "01a1fd7997ef72079ec75861e9a04b44", "{01a1fd79-97ef-7207-9ec7-5861e9a04b44}"} {
		require.False(t, httpx.IsUUID(s), s)
	}

	v := &httpx.Validator{}
	desc, name := httpx.ParseOrder(v, "", true)
	require.True(t, desc)
	require.Equal(t, "desc", name)
	desc, name = httpx.ParseOrder(v, "asc", true)
	require.False(t, desc)
	require.Equal(t, "asc", name)
	require.Equal(t, 1999, httpx.ParseYear(v, map[string][]string{"year": {"1999"}}, "year"))
	require.Zero(t, httpx.ParseYear(v, map[string][]string{}, "year"))
	require.NoError(t, v.Err())

	httpx.ParseOrder(v, "sideways", false)
	httpx.ParseYear(v, map[string][]string{"year_min": {"1700"}}, "year_min")
	var verr *httpx.ValidationError
	require.ErrorAs(t, v.Err(), &verr)
	require.Len(t, verr.Errors, 2)
	require.Equal(t, "order", verr.Errors[0].Field)
	require.Equal(t, "year_min", verr.Errors[1].Field)
}
