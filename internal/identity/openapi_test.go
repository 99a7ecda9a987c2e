package identity_test

import (
	"encoding/json"
	"net/http"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
)

// TestResponsesMatchTheOpenAPIDocument sends real requests through a client
// that validates every response against identity.OpenAPI, covering every
// operation with its success and its usual failures.
func TestResponsesMatchTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	checker, err := openapicheck.New(identity.OpenAPI)
	require.NoError(t, err)
	cfg := testConfig()
	tight := identity.Limits{}
	tight.LoginPerAccount.Burst, tight.LoginPerAccount.Period = 2, 1e12
	cfg.Limits = &tight
	h := newHarness(t, cfg)
	client := checker.Client(t)
	do := func(r req) servicetest.Response { t.Helper(); return doWith(t, client, h.srv.URL, r) }

	admin := h.admin()
	email := uniqueEmail("spec")
	cookieMode := map[string]string{identityapi.AuthModeHeader: identityapi.AuthModeCookie}

	require.Equal(t, 201, do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: email, Password: goodPass, DisplayName: "Spec"}}).Status)
	require.Equal(t, 409, do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: email, Password: goodPass, DisplayName: "Spec"}}).Status)
	require.Equal(t, 422, do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: "x", Password: "short", DisplayName: ""}}).Status)
	require.Equal(t, 400, do(req{method: "POST", path: "/api/auth/register", body: `{"email":`}).Status)

	r := do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: goodPass}, header: cookieMode})
	require.Equal(t, 200, r.Status)
	var tok identityapi.AuthTokens
	r.Decode(t, &tok)
	csrf := cookieOf(r, httpx.CSRFCookie)
	require.Equal(t, 401, do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: "wrong-wrong"}}).Status)
	require.Equal(t, 429, do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: goodPass}}).Status)
	require.Equal(t, 422, do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{}}).Status)

	r = do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok.RefreshToken}})
	require.Equal(t, 200, r.Status)
	r.Decode(t, &tok)
	require.Equal(t, 401, do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: "nope"}}).Status)
	require.Equal(t, 403, do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{{Name: identityapi.RefreshCookie, Value: tok.RefreshToken}, csrf}}).Status)

	require.Equal(t, 200, do(req{method: "GET", path: identityapi.JWKSPath}).Status)

	require.Equal(t, 200, do(req{method: "GET", path: "/api/me", token: tok.AccessToken}).Status)
	require.Equal(t, 401, do(req{method: "GET", path: "/api/me"}).Status)
	require.Equal(t, 200, do(req{method: "PATCH", path: "/api/me", token: tok.AccessToken, body: identityapi.UpdateMeRequest{DisplayName: ptr("Spec 2")}}).Status)
	require.Equal(t, 422, do(req{method: "PATCH", path: "/api/me", token: tok.AccessToken, body: identityapi.UpdateMeRequest{DisplayName: ptr("")}}).Status)
	require.Equal(t, 409, do(req{method: "PATCH", path: "/api/me", token: admin.AccessToken, body: identityapi.UpdateMeRequest{Email: ptr(email), CurrentPassword: ptr(goodPass)}}).Status)

	r = do(req{method: "GET", path: "/api/users?limit=1", token: admin.AccessToken})
	require.Equal(t, 200, r.Status)
	var page identityapi.UserPage
	r.Decode(t, &page)
	require.NotNil(t, page.NextCursor)
	require.Equal(t, 200, do(req{method: "GET", path: "/api/users?include_deleted=true&q=spec&cursor=" + *page.NextCursor, token: admin.AccessToken}).Status)
	require.Equal(t, 400, do(req{method: "GET", path: "/api/users?limit=500", token: admin.AccessToken}).Status)
	require.Equal(t, 403, do(req{method: "GET", path: "/api/users", token: tok.AccessToken}).Status)

	require.Equal(t, 200, do(req{method: "GET", path: "/api/users/" + tok.User.ID}).Status)
	require.Equal(t, 404, do(req{method: "GET", path: "/api/users/nobody"}).Status)
	require.Equal(t, 200, do(req{method: "PUT", path: "/api/users/" + tok.User.ID, token: tok.AccessToken, body: identityapi.UpdateUserRequest{DisplayName: "Spec 3"}}).Status)
	require.Equal(t, 403, do(req{method: "PUT", path: "/api/users/" + tok.User.ID, token: tok.AccessToken, body: identityapi.UpdateUserRequest{DisplayName: "Spec 3", Role: ptr("admin")}}).Status)
	require.Equal(t, 422, do(req{method: "PUT", path: "/api/users/" + tok.User.ID, token: admin.AccessToken, body: identityapi.UpdateUserRequest{DisplayName: ""}}).Status)
	require.Equal(t, 404, do(req{method: "PUT", path: "/api/users/nobody", token: admin.AccessToken, body: identityapi.UpdateUserRequest{DisplayName: "X"}}).Status)

	other := h.user("Doomed")
	require.Equal(t, 403, do(req{method: "DELETE", path: "/api/users/" + other.User.ID, token: tok.AccessToken}).Status)
	require.Equal(t, 204, do(req{method: "DELETE", path: "/api/users/" + other.User.ID, token: admin.AccessToken}).Status)
	require.Equal(t, 404, do(req{method: "DELETE", path: "/api/users/" + other.User.ID, token: admin.AccessToken}).Status)
	require.Equal(t, 409, do(req{method: "DELETE", path: "/api/me", token: admin.AccessToken}).Status, "last administrator")

	require.Equal(t, 204, do(req{method: "POST", path: "/api/auth/logout", body: identityapi.RefreshRequest{RefreshToken: tok.RefreshToken}}).Status)
	require.Equal(t, 204, do(req{method: "DELETE", path: "/api/me", token: tok.AccessToken}).Status)

	var unchecked []string
	for _, op := range checker.Operations() {
		if checker.Checked(op) == 0 {
			unchecked = append(unchecked, op)
		}
	}
	sort.Strings(unchecked)
	require.Empty(t, unchecked, "operations no response was validated for")

	// every route the service registers is documented
	ops := map[string]bool{}
	for _, op := range checker.Operations() {
		ops[op] = true
	}
	for _, ri := range h.router.Routes() {
		require.True(t, ops[ri.Pattern], "%s is not in openapi.json", ri.Pattern)
	}
}

// TestSharedComponentsMatchTheCatalog: the gateway merges every service's
// components and rejects two different definitions under one name.
func TestSharedComponentsMatchTheCatalog(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../catalog/openapi.json")
	require.NoError(t, err)
	var catalog, mine map[string]any
	require.NoError(t, json.Unmarshal(raw, &catalog))
	require.NoError(t, json.Unmarshal(identity.OpenAPI, &mine))
	theirs, ours := catalog["components"].(map[string]any), mine["components"].(map[string]any)
	shared := 0
	for kind, defs := range ours {
		for name, def := range defs.(map[string]any) {
			if other, ok := theirs[kind].(map[string]any)[name]; ok {
				require.Equal(t, other, def, "components/%s/%s differs from the catalog's", kind, name)
				shared++
			}
		}
	}
	require.GreaterOrEqual(t, shared, 4, "Problem, FieldError, bearerAuth, ... are shared")
}
