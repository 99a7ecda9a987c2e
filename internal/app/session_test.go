package app_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
)

// browser is what a browser sends: the session cookies it holds, the CSRF
// header when asked to, and the answers' cookies it is told to set or expire.
type browser struct {
	p       *platform
	cookies map[string]string
}

type answer struct {
	status  int
	body    []byte
	cookies map[string]*http.Cookie // Set-Cookie by name
}

// send makes a request with the browser's cookies; csrf adds X-CSRF-Token
// from the CSRF cookie; the answer's Set-Cookie lines update the cookies.
func (b *browser) send(t *testing.T, method, path string, body any, csrf bool, header map[string]string) answer {
	t.Helper()
	req := servicetest.NewRequest(t, context.Background(), method, b.p.url+path, "", body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for name, value := range b.cookies {
		// the refresh cookie's path is /api/auth: a browser sends it nowhere else
		if name != identityapi.RefreshCookie || len(path) >= len(identityapi.RefreshCookiePath) && path[:len(identityapi.RefreshCookiePath)] == identityapi.RefreshCookiePath {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
	}
	if csrf {
		req.Header.Set(httpx.CSRFHeader, b.cookies[httpx.CSRFCookie])
	}
	resp, err := b.p.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, body: raw, cookies: map[string]*http.Cookie{}}
	for _, c := range resp.Cookies() {
		a.cookies[c.Name] = c
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return a
}

// expires reports whether the answer expires cookie name on its own path.
func (a answer) expires(name, path string) bool {
	c, ok := a.cookies[name]
	return ok && c.MaxAge < 0 && c.Path == path
}

var cookieMode = map[string]string{identityapi.AuthModeHeader: identityapi.AuthModeCookie}

// signIn registers an account on p and signs in in cookie mode, as the web app does.
func signIn(t *testing.T, p *platform) (*browser, map[string]any) {
	t.Helper()
	creds := map[string]any{"email": "cookie-" + uuid.NewString()[:8] + "@example.com", "password": testPassword}
	require.Equal(t, 201, p.call(t, "POST", "/api/auth/register", "", map[string]any{"email": creds["email"], "password": testPassword, "display_name": "Cookie"}, nil))
	b := &browser{p: p, cookies: map[string]string{}}
	require.Equal(t, 200, b.send(t, "POST", "/api/auth/login", creds, false, cookieMode).status)
	for _, name := range []string{httpx.AccessCookie, identityapi.RefreshCookie, httpx.CSRFCookie} {
		require.NotEmpty(t, b.cookies[name], name)
	}
	return b, creds
}

// The audit's lock-out: a browser signed in to a server whose data directory
// (and so its signing keys and sessions) is then gone. Its cookies are dead;
// they must not keep it from the public pages, nor from signing in again.
func TestAStaleSessionCookieDoesNotLockTheBrowserOut(t *testing.T) {
	t.Parallel()
	before, p := start(t, nil), start(t, nil)
	stale, _ := signIn(t, before)
	before.stop()
	_, creds := signIn(t, p) // an account on the new server
	dead := maps.Clone(stale.cookies)
	b := &browser{p: p, cookies: maps.Clone(dead)}

	// public operations do not read tokens at all
	for _, path := range []string{"/api/genres", "/api/movies/top-rated", "/.well-known/jwks.json"} {
		a := b.send(t, "GET", path, nil, false, nil)
		require.Equal(t, 200, a.status, path)
		require.NotContains(t, a.cookies, httpx.AccessCookie, path)
	}
	require.Contains(t, b.cookies, httpx.AccessCookie)

	// an operation that may take a token answers as to anyone, and expires the dead cookie
	a := b.send(t, "GET", "/api/movies?limit=1", nil, false, nil)
	require.Equal(t, 200, a.status, "%s", a.body)
	require.True(t, a.expires(httpx.AccessCookie, "/"), "%v", a.cookies)
	require.Contains(t, b.cookies, identityapi.RefreshCookie, "the refresh cookie is refresh's to judge")

	// the web app's next step: its refresh fails, and expires the whole session on its paths
	a = b.send(t, "POST", "/api/auth/refresh", nil, true, cookieMode)
	require.Equal(t, 401, a.status, "%s", a.body)
	require.True(t, a.expires(httpx.AccessCookie, "/"))
	require.True(t, a.expires(identityapi.RefreshCookie, identityapi.RefreshCookiePath))
	require.True(t, a.expires(httpx.CSRFCookie, "/"))
	require.Empty(t, b.cookies)

	// signing in again with every dead cookie still there (a client that
	// dropped only its CSRF cookie) and no CSRF header: fresh cookies
	b.cookies = maps.Clone(dead)
	delete(b.cookies, httpx.CSRFCookie)
	a = b.send(t, "POST", "/api/auth/login", creds, false, map[string]string{identityapi.AuthModeHeader: identityapi.AuthModeCookie, "Authorization": "Bearer garbage"})
	require.Equal(t, 200, a.status, "%s", a.body)
	require.NotEqual(t, dead[httpx.AccessCookie], a.cookies[httpx.AccessCookie].Value)
	require.Positive(t, a.cookies[httpx.AccessCookie].MaxAge)

	// the new session is a session: reads work, writes still need the CSRF header
	require.Equal(t, 200, b.send(t, "GET", "/api/me", nil, false, nil).status)
	require.Equal(t, 403, b.send(t, "PATCH", "/api/me", map[string]any{"display_name": "Again"}, false, nil).status)
	require.Equal(t, 200, b.send(t, "PATCH", "/api/me", map[string]any{"display_name": "Again"}, true, nil).status)
}

// Every kind of dead access cookie, on each kind of operation: required →
// 401, optional → as anonymous, both expiring the cookie; public → not read.
// A dead Authorization header is still a 401 wherever a token is read.
func TestDeadAccessTokensByOperationKind(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	live, _ := signIn(t, p)
	revoked, _ := signIn(t, p)
	access := revoked.cookies[httpx.AccessCookie]
	require.Equal(t, 204, revoked.send(t, "POST", "/api/auth/logout", nil, true, cookieMode).status)
	revoked.cookies[httpx.AccessCookie] = access // a copy the browser kept
	require.Eventually(t, func() bool {
		return revoked.send(t, "GET", "/api/me", nil, false, nil).status == 401
	}, 15*time.Second, 20*time.Millisecond, "logging out revokes the session's access tokens")

	for name, tok := range map[string]string{
		"garbage":          "x.y.z",
		"not a JWT":        "not-a-token",
		"logged-out":       access,
		"another server's": live.cookies[httpx.AccessCookie][:len(live.cookies[httpx.AccessCookie])-4] + "AAAA", // a signature that does not verify
	} {
		b := &browser{p: p, cookies: map[string]string{httpx.AccessCookie: tok}}
		a := b.send(t, "GET", "/api/me", nil, false, nil)
		require.Equal(t, 401, a.status, name)
		require.True(t, a.expires(httpx.AccessCookie, "/"), name)

		b.cookies[httpx.AccessCookie] = tok
		a = b.send(t, "GET", "/api/plans", nil, false, nil)
		require.Equal(t, 200, a.status, name)
		require.True(t, a.expires(httpx.AccessCookie, "/"), name)

		b.cookies[httpx.AccessCookie] = tok
		a = b.send(t, "GET", "/api/genres", nil, false, nil)
		require.Equal(t, 200, a.status, name)
		require.NotContains(t, a.cookies, httpx.AccessCookie, name)

		for path, want := range map[string]int{"/api/me": 401, "/api/movies?limit=1": 401, "/api/genres": 200, "/.well-known/jwks.json": 200} {
			require.Equal(t, want, p.call(t, "GET", path, tok, nil, nil), "%s as a bearer token on %s", name, path)
		}
		require.Equal(t, 400, p.call(t, "POST", "/api/payments/webhooks/sandbox", tok, map[string]any{"id": "evt_x"}, nil), "%s as a bearer token on a webhook", name)
	}

	// a valid cookie session still needs the CSRF header on writes
	require.Equal(t, 200, live.send(t, "GET", "/api/me", nil, false, nil).status)
	require.Equal(t, 403, live.send(t, "PUT", "/api/me/notification-settings", map[string]any{"email_billing": true}, false, nil).status)
	require.Equal(t, 200, live.send(t, "PUT", "/api/me/notification-settings", map[string]any{"email_billing": true}, true, nil).status)
}
