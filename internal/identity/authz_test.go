package identity_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
)

// world is what one matrix cell acts on: the subject (the account the request
// is about), another user and an administrator, all fresh.
type world struct {
	subject, other, admin identityapi.AuthTokens
}

// TestAuthorisationMatrix calls every identity route as anonymous, as the
// account it is about (user), as another user and as an administrator, and
// checks the status each must get.
func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	h.admin() // a second administrator, so an administrator may delete themself

	type callers struct{ anon, user, other, admin int }
	routes := []struct {
		pattern string
		build   func(w world) req
		want    callers
	}{
		{"POST /api/auth/register", func(world) req {
			return req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: uniqueEmail("m"), Password: goodPass, DisplayName: "M"}}
		}, callers{201, 201, 201, 201}},
		{"POST /api/auth/login", func(w world) req {
			return req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: w.subject.User.Email, Password: goodPass}}
		}, callers{200, 200, 200, 200}},
		{"POST /api/auth/refresh", func(w world) req {
			return req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: w.subject.RefreshToken}}
		}, callers{200, 200, 200, 200}},
		{"POST /api/auth/logout", func(w world) req {
			return req{method: "POST", path: "/api/auth/logout", body: identityapi.RefreshRequest{RefreshToken: w.subject.RefreshToken}}
		}, callers{204, 204, 204, 204}},
		{"GET /.well-known/jwks.json", func(world) req { return req{method: "GET", path: identityapi.JWKSPath} }, callers{200, 200, 200, 200}},
		{"GET /api/me", func(world) req { return req{method: "GET", path: "/api/me"} }, callers{401, 200, 200, 200}},
		{"PATCH /api/me", func(world) req {
			return req{method: "PATCH", path: "/api/me", body: identityapi.UpdateMeRequest{DisplayName: ptr("Renamed")}}
		}, callers{401, 200, 200, 200}},
		{"DELETE /api/me", func(world) req { return req{method: "DELETE", path: "/api/me"} }, callers{401, 204, 204, 204}},
		{"GET /api/users", func(world) req { return req{method: "GET", path: "/api/users"} }, callers{401, 403, 403, 200}},
		{"GET /api/users/{id}", func(w world) req { return req{method: "GET", path: "/api/users/" + w.subject.User.ID} }, callers{200, 200, 200, 200}},
		{"PUT /api/users/{id}", func(w world) req {
			return req{method: "PUT", path: "/api/users/" + w.subject.User.ID, body: identityapi.UpdateUserRequest{DisplayName: "Renamed"}}
		}, callers{401, 200, 403, 200}},
		{"PUT /api/users/{id} (role)", func(w world) req {
			return req{method: "PUT", path: "/api/users/" + w.subject.User.ID, body: identityapi.UpdateUserRequest{DisplayName: "Renamed", Role: ptr("admin")}}
		}, callers{401, 403, 403, 200}},
		{"DELETE /api/users/{id}", func(w world) req { return req{method: "DELETE", path: "/api/users/" + w.subject.User.ID} }, callers{401, 403, 403, 204}},
	}

	// every registered route is in the matrix
	covered := map[string]bool{}
	for _, r := range routes {
		covered[r.pattern] = true
	}
	var missing []string
	for _, ri := range h.router.Routes() {
		if !covered[ri.Pattern] {
			missing = append(missing, ri.Pattern)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "routes without a row in the authorisation matrix")

	for _, route := range routes {
		for _, c := range []struct {
			name  string
			want  int
			token func(w world) string
		}{
			{"anonymous", route.want.anon, func(world) string { return "" }},
			{"user", route.want.user, func(w world) string { return w.subject.AccessToken }},
			{"another user", route.want.other, func(w world) string { return w.other.AccessToken }},
			{"admin", route.want.admin, func(w world) string { return w.admin.AccessToken }},
		} {
			t.Run(route.pattern+" as "+c.name, func(t *testing.T) {
				t.Parallel()
				w := world{subject: h.user("Subject"), other: h.user("Other"), admin: h.admin()}
				rq := route.build(w)
				rq.token = c.token(w)
				r := h.do(rq)
				require.Equal(t, c.want, r.Status, "%s", r.Body)
				if r.Status >= 400 {
					r.Problem(t)
				}
			})
		}
	}
}
