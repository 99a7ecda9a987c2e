package identity_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// TestAccountLifecycle walks register → login → me → refresh → reuse → logout on both engines.
func TestAccountLifecycle(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		h := newHarnessOn(t, db, testConfig())
		email := uniqueEmail("ann")

		me := h.register("  "+strings.ToUpper(email)+" ", "  Ann  ", goodPass)
		require.Equal(t, email, me.Email, "e-mail trimmed and lower-cased")
		require.Equal(t, "Ann", me.DisplayName, "display name trimmed")
		require.Equal(t, identityapi.RoleUser, me.Role)
		require.Nil(t, me.DeletedAt)

		r := h.do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: email, Password: goodPass, DisplayName: "Ann 2"}})
		require.Equal(t, http.StatusConflict, r.Status, "e-mail unique")
		r.Problem(t)

		tok := h.login(strings.ToUpper(email), goodPass)
		require.Equal(t, "Bearer", tok.TokenType)
		require.Equal(t, 900, tok.ExpiresIn)
		require.Equal(t, me, tok.User)
		claims := parseClaims(t, tok.AccessToken)
		require.Equal(t, me.ID, claims["sub"])
		require.Equal(t, "user", claims["role"])
		require.Equal(t, issuer, claims["iss"])
		require.Equal(t, []any{audience}, claims["aud"])
		exp, iat := claims["exp"].(float64), claims["iat"].(float64)
		require.InDelta(t, 900, exp-iat, 0.5, "15 minutes")
		require.NotEmpty(t, claims["sid"], "the token names its session")

		r = h.do(req{method: "GET", path: "/api/me", token: tok.AccessToken})
		require.Equal(t, http.StatusOK, r.Status)
		var got identityapi.Me
		r.Decode(t, &got)
		require.Equal(t, me, got)

		// rotation: each refresh token is good once
		r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok.RefreshToken}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
		var tok2 identityapi.AuthTokens
		r.Decode(t, &tok2)
		require.NotEqual(t, tok.RefreshToken, tok2.RefreshToken)
		require.Equal(t, me.ID, tok2.User.ID)

		r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok2.RefreshToken}})
		require.Equal(t, http.StatusOK, r.Status)
		var tok3 identityapi.AuthTokens
		r.Decode(t, &tok3)

		// presenting an already rotated token revokes the whole family: tok3 dies too
		r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok.RefreshToken}})
		require.Equal(t, http.StatusUnauthorized, r.Status)
		r.Problem(t)
		r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok3.RefreshToken}})
		require.Equal(t, http.StatusUnauthorized, r.Status, "the family is revoked")
		require.Equal(t, claims["sid"], parseClaims(t, tok3.AccessToken)["sid"], "refreshing keeps the session")
		require.True(t, h.rev.IsSessionRevoked(claims["sid"].(string)), "and so are its access tokens")

		// another login is another family; logout revokes it
		tok4 := h.login(email, goodPass)
		sid4 := parseClaims(t, tok4.AccessToken)["sid"].(string)
		require.NotEqual(t, claims["sid"], sid4)
		require.False(t, h.rev.IsSessionRevoked(sid4))
		r = h.do(req{method: "POST", path: "/api/auth/logout", body: identityapi.RefreshRequest{RefreshToken: tok4.RefreshToken}})
		require.Equal(t, http.StatusNoContent, r.Status)
		require.True(t, h.rev.IsSessionRevoked(sid4), "logout ends the session's access tokens")
		r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok4.RefreshToken}})
		require.Equal(t, http.StatusUnauthorized, r.Status)
		r = h.do(req{method: "POST", path: "/api/auth/logout", body: identityapi.RefreshRequest{RefreshToken: tok4.RefreshToken}})
		require.Equal(t, http.StatusNoContent, r.Status, "logging out twice is fine")

		for _, bad := range []string{"", "garbage", strings.Repeat("A", 43)} {
			r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: bad}})
			require.Equal(t, http.StatusUnauthorized, r.Status, bad)
		}
	})
}

func parseClaims(t testing.TB, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(token, claims)
	require.NoError(t, err)
	require.Equal(t, "EdDSA", tok.Header["alg"])
	require.NotEmpty(t, tok.Header["kid"])
	return claims
}

func TestConcurrentRefreshOfOneTokenRevokesTheFamily(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	tok := h.user("Racer")
	statuses := make([]int, 4)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			r := h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok.RefreshToken}})
			statuses[i] = r.Status
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		} else {
			require.Equal(t, http.StatusUnauthorized, s)
		}
	}
	require.Equal(t, 1, ok, "exactly one exchange wins: %v", statuses)
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	for name, tc := range map[string]struct {
		body   any
		status int
		fields []string
	}{
		"not json":             {`{"email":`, 400, []string{"body"}},
		"wrong type":           {`{"email": 3}`, 422, []string{"email", "display_name", "password"}},
		"everything missing":   {`{}`, 422, []string{"email", "display_name", "password"}},
		"everything empty":     {identityapi.RegisterRequest{Password: goodPass}, 422, []string{"email", "display_name"}},
		"bad e-mail":           {identityapi.RegisterRequest{Email: "not-an-address", Password: goodPass, DisplayName: "X"}, 422, []string{"email"}},
		"e-mail with name":     {identityapi.RegisterRequest{Email: "Ann <ann@example.com>", Password: goodPass, DisplayName: "X"}, 422, []string{"email"}},
		"name too long":        {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: goodPass, DisplayName: strings.Repeat("é", 51)}, 422, []string{"display_name"}},
		"blank name":           {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: goodPass, DisplayName: "   "}, 422, []string{"display_name"}},
		"control in name":      {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: goodPass, DisplayName: "a\u0007b"}, 422, []string{"display_name"}},
		"short password":       {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: "Sh0rt!", DisplayName: "X"}, 422, []string{"password"}},
		"common password":      {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: "Password123", DisplayName: "X"}, 422, []string{"password"}},
		"keyboard walk":        {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: "1qaz2wsx3edc", DisplayName: "X"}, 422, []string{"password"}},
		"password = e-mail":    {identityapi.RegisterRequest{Email: "longname@example.com", Password: "longname@example.com", DisplayName: "X"}, 422, []string{"password"}},
		"50 characters is ok":  {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: goodPass, DisplayName: strings.Repeat("é", 50)}, 201, nil},
		"10 characters is ok":  {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: "k9#Lm2vQ8r", DisplayName: "X"}, 201, nil},
		"unicode is fine":      {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: "ÄÖÜ-mein-Passwort", DisplayName: "Zoë"}, 201, nil},
		"passphrase is fine":   {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: "correct horse battery staple", DisplayName: "X"}, 201, nil},
		"trailing spaces kept": {identityapi.RegisterRequest{Email: uniqueEmail("v"), Password: "   spaced out pw   ", DisplayName: "X"}, 201, nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := h.do(req{method: "POST", path: "/api/auth/register", body: tc.body})
			require.Equal(t, tc.status, r.Status, "%s", r.Body)
			if tc.status >= 400 {
				p := r.Problem(t)
				var fields []string
				for _, fe := range p.Errors {
					fields = append(fields, fe.Field)
				}
				require.ElementsMatch(t, tc.fields, fields)
			}
		})
	}
}

func TestLoginFailuresLookTheSame(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	email := uniqueEmail("lf")
	h.register(email, "LF", goodPass)
	deleted := h.user("Gone")
	r := h.do(req{method: "DELETE", path: "/api/me", token: deleted.AccessToken})
	require.Equal(t, http.StatusNoContent, r.Status)

	var details []string
	for _, body := range []identityapi.LoginRequest{
		{Email: email, Password: goodPass + "x"},                             // wrong password
		{Email: uniqueEmail("nobody"), Password: goodPass},                   // unknown account
		{Email: deleted.User.Email, Password: goodPass},                      // deleted account
		{Email: "not even an address", Password: goodPass},                   // malformed address
		{Email: strings.ToUpper(email), Password: strings.ToUpper(goodPass)}, // passwords are case-sensitive
	} {
		r := h.do(req{method: "POST", path: "/api/auth/login", body: body})
		require.Equal(t, http.StatusUnauthorized, r.Status)
		details = append(details, r.Problem(t).Detail)
	}
	for _, d := range details {
		require.Equal(t, details[0], d, "one generic answer")
	}
	r = h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "missing password")
}

func TestCookieMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	email := uniqueEmail("cookie")
	h.register(email, "Cookie", goodPass)

	cookieHeader := map[string]string{identityapi.AuthModeHeader: identityapi.AuthModeCookie}
	r := h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: goodPass}, header: cookieHeader})
	require.Equal(t, http.StatusOK, r.Status)
	var tok identityapi.AuthTokens
	r.Decode(t, &tok)
	access, refresh, csrf := cookieOf(r, httpx.AccessCookie), cookieOf(r, identityapi.RefreshCookie), cookieOf(r, httpx.CSRFCookie)
	require.NotNil(t, access)
	require.NotNil(t, refresh)
	require.NotNil(t, csrf)
	require.Equal(t, tok.AccessToken, access.Value)
	require.Equal(t, tok.RefreshToken, refresh.Value)
	for _, c := range []*http.Cookie{access, refresh, csrf} {
		require.True(t, c.Secure, c.Name)
		require.Equal(t, http.SameSiteStrictMode, c.SameSite, c.Name)
	}
	require.True(t, access.HttpOnly)
	require.True(t, refresh.HttpOnly)
	require.False(t, csrf.HttpOnly, "the web app reads it")
	require.GreaterOrEqual(t, len(csrf.Value), 16)
	require.Equal(t, "/", access.Path)
	require.Equal(t, "/api/auth", refresh.Path)
	require.Equal(t, 900-30, access.MaxAge, "the cookie expires before the token")

	// without the header, no cookies
	r = h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: goodPass}})
	require.Empty(t, r.Header.Values("Set-Cookie"))

	// the access cookie authenticates reads; writes need the CSRF header (the router's check)
	r = h.do(req{method: "GET", path: "/api/me", cookies: []*http.Cookie{access}})
	require.Equal(t, http.StatusOK, r.Status)
	r = h.do(req{method: "PATCH", path: "/api/me", body: identityapi.UpdateMeRequest{DisplayName: ptr("Cookie Monster")}, cookies: []*http.Cookie{access, csrf}})
	require.Equal(t, http.StatusForbidden, r.Status)
	r = h.do(req{method: "PATCH", path: "/api/me", body: identityapi.UpdateMeRequest{DisplayName: ptr("Cookie Monster")}, cookies: []*http.Cookie{access, csrf},
		header: map[string]string{httpx.CSRFHeader: csrf.Value}})
	require.Equal(t, http.StatusOK, r.Status)

	// refresh by cookie: no body, CSRF checked by the handler (no access cookie sent)
	r = h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{refresh, csrf}})
	require.Equal(t, http.StatusForbidden, r.Status, "no CSRF header")
	r = h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{refresh, csrf}, header: map[string]string{httpx.CSRFHeader: "wrong-wrong-wrong-wrong"}})
	require.Equal(t, http.StatusForbidden, r.Status, "wrong CSRF header")
	r = h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{refresh, csrf}, header: map[string]string{httpx.CSRFHeader: csrf.Value}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	refresh2 := cookieOf(r, identityapi.RefreshCookie)
	require.NotNil(t, refresh2, "a cookie refresh answers with cookies")
	require.NotEqual(t, refresh.Value, refresh2.Value)
	require.Equal(t, csrf.Value, cookieOf(r, httpx.CSRFCookie).Value, "the CSRF value survives a refresh")

	// the old refresh cookie is used up: presenting it kills the family and clears the cookies
	r = h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{refresh, csrf}, header: map[string]string{httpx.CSRFHeader: csrf.Value}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Equal(t, -1, cookieOf(r, identityapi.RefreshCookie).MaxAge)

	// logout by cookie clears the cookies and revokes the session
	tok2 := h.login(email, goodPass)
	r = h.do(req{method: "POST", path: "/api/auth/logout", cookies: []*http.Cookie{{Name: identityapi.RefreshCookie, Value: tok2.RefreshToken}, csrf}})
	require.Equal(t, http.StatusForbidden, r.Status, "logout by cookie needs the CSRF header too")
	r = h.do(req{method: "POST", path: "/api/auth/logout", cookies: []*http.Cookie{{Name: identityapi.RefreshCookie, Value: tok2.RefreshToken}, csrf},
		header: map[string]string{httpx.CSRFHeader: csrf.Value}})
	require.Equal(t, http.StatusNoContent, r.Status)
	for _, name := range []string{httpx.AccessCookie, identityapi.RefreshCookie, httpx.CSRFCookie} {
		c := cookieOf(r, name)
		require.NotNil(t, c, name)
		require.Equal(t, -1, c.MaxAge, name)
	}
	r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: tok2.RefreshToken}})
	require.Equal(t, http.StatusUnauthorized, r.Status)

	r = h.do(req{method: "POST", path: "/api/auth/refresh"})
	require.Equal(t, http.StatusUnauthorized, r.Status, "no token at all")
}

func ptr[T any](v T) *T { return &v }

func TestUpdateMe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	tok := h.user("Pat")
	other := h.user("Other")
	patch := func(body identityapi.UpdateMeRequest) servicetest.Response {
		return h.do(req{method: "PATCH", path: "/api/me", token: tok.AccessToken, body: body})
	}

	r := patch(identityapi.UpdateMeRequest{DisplayName: ptr("  Patricia ")})
	require.Equal(t, http.StatusOK, r.Status)
	var me identityapi.Me
	r.Decode(t, &me)
	require.Equal(t, "Patricia", me.DisplayName)
	require.Equal(t, tok.User.Email, me.Email)
	require.True(t, me.UpdatedAt.After(tok.User.UpdatedAt))

	for name, tc := range map[string]struct {
		body   identityapi.UpdateMeRequest
		status int
		field  string
	}{
		"password without current": {identityapi.UpdateMeRequest{Password: ptr("An0ther-g00d-one")}, 422, "current_password"},
		"wrong current password":   {identityapi.UpdateMeRequest{Password: ptr("An0ther-g00d-one"), CurrentPassword: ptr("nope-nope-nope")}, 422, "current_password"},
		"weak new password":        {identityapi.UpdateMeRequest{Password: ptr("qwerty123456"), CurrentPassword: ptr(goodPass)}, 422, "password"},
		"e-mail without current":   {identityapi.UpdateMeRequest{Email: ptr(uniqueEmail("new"))}, 422, "current_password"},
		"bad e-mail":               {identityapi.UpdateMeRequest{Email: ptr("nope"), CurrentPassword: ptr(goodPass)}, 422, "email"},
		"taken e-mail":             {identityapi.UpdateMeRequest{Email: ptr(other.User.Email), CurrentPassword: ptr(goodPass)}, 409, ""},
		"empty name":               {identityapi.UpdateMeRequest{DisplayName: ptr("")}, 422, "display_name"},
	} {
		r := patch(tc.body)
		require.Equal(t, tc.status, r.Status, "%s: %s", name, r.Body)
		if tc.field != "" {
			require.Equal(t, tc.field, r.Problem(t).Errors[0].Field, name)
		}
	}

	// a new password ends every session; the old password stops working
	second := h.login(tok.User.Email, goodPass)
	newPass := "An0ther-g00d-one"
	r = patch(identityapi.UpdateMeRequest{Password: ptr(newPass), CurrentPassword: ptr(goodPass)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, rt := range []string{tok.RefreshToken, second.RefreshToken} {
		r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: rt}})
		require.Equal(t, http.StatusUnauthorized, r.Status)
	}
	r = h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: tok.User.Email, Password: goodPass}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	tok = h.login(tok.User.Email, newPass)

	// e-mail change with the current password
	newEmail := uniqueEmail("moved")
	r = patch(identityapi.UpdateMeRequest{Email: ptr(strings.ToUpper(newEmail)), CurrentPassword: ptr(newPass)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.Decode(t, &me)
	require.Equal(t, newEmail, me.Email)
	h.login(newEmail, newPass)

	// no change: no event, no version bump
	before := len(h.outboxEvents())
	r = patch(identityapi.UpdateMeRequest{DisplayName: ptr("Patricia")})
	require.Equal(t, http.StatusOK, r.Status)
	require.Len(t, h.outboxEvents(), before)
}

func TestUsersAndAdministration(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	admin := h.admin()
	alice := h.user("Alice")
	bob := h.user("Bob")

	// public profile: no e-mail, no role
	r := h.do(req{method: "GET", path: "/api/users/" + alice.User.ID})
	require.Equal(t, http.StatusOK, r.Status)
	require.NotContains(t, string(r.Body), alice.User.Email)
	require.NotContains(t, string(r.Body), `"role"`)
	var pub identityapi.User
	r.Decode(t, &pub)
	require.Equal(t, identityapi.User{ID: alice.User.ID, DisplayName: "Alice", CreatedAt: alice.User.CreatedAt}, pub)
	r = h.do(req{method: "GET", path: "/api/users/nope"})
	require.Equal(t, http.StatusNotFound, r.Status)

	put := func(token, id string, body identityapi.UpdateUserRequest) servicetest.Response {
		return h.do(req{method: "PUT", path: "/api/users/" + id, token: token, body: body})
	}
	// self: display name yes, role no
	r = put(alice.AccessToken, alice.User.ID, identityapi.UpdateUserRequest{DisplayName: "Alice A."})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = put(alice.AccessToken, alice.User.ID, identityapi.UpdateUserRequest{DisplayName: "Alice A.", Role: ptr("admin")})
	require.Equal(t, http.StatusForbidden, r.Status, "a user cannot make themself admin")
	r = put(alice.AccessToken, alice.User.ID, identityapi.UpdateUserRequest{DisplayName: "Alice A.", Role: ptr("user")})
	require.Equal(t, http.StatusOK, r.Status, "restating the own role is fine")
	r = put(alice.AccessToken, bob.User.ID, identityapi.UpdateUserRequest{DisplayName: "Hacked"})
	require.Equal(t, http.StatusForbidden, r.Status, "not someone else")
	r = put(alice.AccessToken, alice.User.ID, identityapi.UpdateUserRequest{DisplayName: "Alice", Email: ptr(uniqueEmail("al"))})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "own e-mail change needs the current password")

	// admin: anything about anyone, e-mail without a password
	newBobEmail := uniqueEmail("bobby")
	r = put(admin.AccessToken, bob.User.ID, identityapi.UpdateUserRequest{DisplayName: "Robert", Email: &newBobEmail, Role: ptr("admin")})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var bobMe identityapi.Me
	r.Decode(t, &bobMe)
	require.Equal(t, identityapi.Me{ID: bob.User.ID, Email: newBobEmail, DisplayName: "Robert", Role: "admin",
		CreatedAt: bob.User.CreatedAt, UpdatedAt: bobMe.UpdatedAt}, bobMe)
	r = put(admin.AccessToken, bob.User.ID, identityapi.UpdateUserRequest{DisplayName: "Robert", Role: ptr("root")})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	r = put(admin.AccessToken, admin.User.ID, identityapi.UpdateUserRequest{DisplayName: "Admin", Email: ptr(uniqueEmail("adm"))})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "administrators too need their password to change their own address")
	r = put(admin.AccessToken, "no-such-user", identityapi.UpdateUserRequest{DisplayName: "X"})
	require.Equal(t, http.StatusNotFound, r.Status)

	// Bob's new role shows in his next access token
	bobTok := h.login(newBobEmail, goodPass)
	require.Equal(t, "admin", parseClaims(t, bobTok.AccessToken)["role"])

	// demoting Bob revokes his admin access tokens in this process at once
	r = put(admin.AccessToken, bob.User.ID, identityapi.UpdateUserRequest{DisplayName: "Robert", Role: ptr("user")})
	require.Equal(t, http.StatusOK, r.Status)
	iat, err := parseClaims(t, bobTok.AccessToken).GetIssuedAt()
	require.NoError(t, err)
	require.True(t, h.rev.IsRevoked(bob.User.ID, iat.Time))
	r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: bobTok.RefreshToken}})
	require.Equal(t, http.StatusOK, r.Status, "a demotion keeps the sessions")
	var demoted identityapi.AuthTokens
	r.Decode(t, &demoted)
	iat, err = parseClaims(t, demoted.AccessToken).GetIssuedAt()
	require.NoError(t, err)
	require.False(t, h.rev.IsRevoked(bob.User.ID, iat.Time), "a token issued after the demotion is good")
	require.Equal(t, "user", parseClaims(t, demoted.AccessToken)["role"])

	// the admin list: paginated, searchable, e-mail visible
	var all []identityapi.Me
	cursor := ""
	for {
		path := "/api/users?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r = h.do(req{method: "GET", path: path, token: admin.AccessToken})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var page identityapi.UserPage
		r.Decode(t, &page)
		require.LessOrEqual(t, len(page.Items), 2)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	require.Len(t, all, 3)
	require.Equal(t, []string{admin.User.ID, alice.User.ID, bob.User.ID}, []string{all[0].ID, all[1].ID, all[2].ID}, "oldest first")
	r = h.do(req{method: "GET", path: "/api/users?q=ROBERT", token: admin.AccessToken})
	var page identityapi.UserPage
	r.Decode(t, &page)
	require.Len(t, page.Items, 1)
	require.Equal(t, newBobEmail, page.Items[0].Email)
	for _, q := range []string{"limit=0", "limit=x", "cursor=%21%21", "include_deleted=maybe"} {
		r = h.do(req{method: "GET", path: "/api/users?" + q, token: admin.AccessToken})
		require.Equal(t, http.StatusBadRequest, r.Status, q)
	}

	// delete: soft, sessions and access tokens end, profile gone, list shows it only on request
	aliceSecond := h.login(alice.User.Email, goodPass)
	r = h.do(req{method: "DELETE", path: "/api/users/" + alice.User.ID, token: admin.AccessToken})
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Body)
	iat, err = parseClaims(t, aliceSecond.AccessToken).GetIssuedAt()
	require.NoError(t, err)
	require.True(t, h.rev.IsRevoked(alice.User.ID, iat.Time), "the revocation set learns it at once")
	r = h.do(req{method: "GET", path: "/api/me", token: aliceSecond.AccessToken})
	require.Equal(t, http.StatusUnauthorized, r.Status, "identity itself refuses a deleted account's token")
	for _, rt := range []string{alice.RefreshToken, aliceSecond.RefreshToken} {
		r = h.do(req{method: "POST", path: "/api/auth/refresh", body: identityapi.RefreshRequest{RefreshToken: rt}})
		require.Equal(t, http.StatusUnauthorized, r.Status)
	}
	r = h.do(req{method: "GET", path: "/api/users/" + alice.User.ID})
	require.Equal(t, http.StatusNotFound, r.Status)
	r = h.do(req{method: "DELETE", path: "/api/users/" + alice.User.ID, token: admin.AccessToken})
	require.Equal(t, http.StatusNotFound, r.Status, "already deleted")
	r = h.do(req{method: "GET", path: "/api/users?include_deleted=true", token: admin.AccessToken})
	r.Decode(t, &page)
	require.Len(t, page.Items, 3)
	require.NotNil(t, page.Items[1].DeletedAt)
	r = h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: alice.User.Email, Password: goodPass}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	h.register(alice.User.Email, "Alice again", goodPass) // the address is free again
}

func TestTheLastAdministratorStays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	admin := h.admin()
	r := h.do(req{method: "PUT", path: "/api/users/" + admin.User.ID, token: admin.AccessToken, body: identityapi.UpdateUserRequest{DisplayName: "Admin", Role: ptr("user")}})
	require.Equal(t, http.StatusConflict, r.Status)
	r = h.do(req{method: "DELETE", path: "/api/me", token: admin.AccessToken})
	require.Equal(t, http.StatusConflict, r.Status)
	r = h.do(req{method: "DELETE", path: "/api/users/" + admin.User.ID, token: admin.AccessToken})
	require.Equal(t, http.StatusConflict, r.Status)

	second := h.admin()
	r = h.do(req{method: "DELETE", path: "/api/users/" + admin.User.ID, token: second.AccessToken})
	require.Equal(t, http.StatusNoContent, r.Status, "with another administrator it works")
}

func TestEventsGoThroughTheOutbox(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	admin := h.admin()
	u := h.user("Evan")
	r := h.do(req{method: "PATCH", path: "/api/me", token: u.AccessToken, body: identityapi.UpdateMeRequest{DisplayName: ptr("Evan E.")}})
	require.Equal(t, http.StatusOK, r.Status)
	r = h.do(req{method: "PATCH", path: "/api/me", token: u.AccessToken, body: identityapi.UpdateMeRequest{Password: ptr("An0ther-g00d-one"), CurrentPassword: ptr(goodPass)}})
	require.Equal(t, http.StatusOK, r.Status)
	r = h.do(req{method: "DELETE", path: "/api/users/" + u.User.ID, token: admin.AccessToken})
	require.Equal(t, http.StatusNoContent, r.Status)

	var mine, sessions []events.Envelope
	for _, env := range h.outboxEvents() {
		switch {
		case env.Subject != u.User.ID:
		case env.Type == identityapi.SessionRevoked:
			sessions = append(sessions, env)
		default:
			mine = append(mine, env)
		}
	}
	require.Len(t, mine, 3, "registered, updated, deleted")
	require.Len(t, sessions, 1, "the password change ends every session")
	var ended identityapi.SessionEvent
	require.NoError(t, sessions[0].Decode(&ended))
	require.Equal(t, identityapi.SessionEvent{UserID: u.User.ID, Reason: identityapi.RevokedPasswordChanged, RevokedAt: ended.RevokedAt}, ended)
	want := []struct {
		typ     string
		name    string
		version int64
		deleted bool
	}{
		{identityapi.UserRegistered, "Evan", 1, false},
		{identityapi.UserUpdated, "Evan E.", 2, false},
		{identityapi.UserDeleted, "Evan E.", 3, true},
	}
	for i, w := range want {
		env := mine[i]
		require.Equal(t, w.typ, env.Type)
		require.Equal(t, identityapi.Source, env.Source)
		var ev identityapi.UserEvent
		require.NoError(t, env.Decode(&ev))
		require.Equal(t, u.User.ID, ev.ID)
		require.Equal(t, u.User.Email, ev.Email)
		require.Equal(t, w.name, ev.DisplayName)
		require.Equal(t, "user", ev.Role)
		require.Equal(t, w.version, ev.Version)
		require.Equal(t, u.User.CreatedAt, ev.CreatedAt)
		require.Equal(t, w.deleted, ev.DeletedAt != nil)
		require.Equal(t, w.deleted, ev.TokensRevokedAt != nil, "a deletion revokes the access tokens")
	}
}

// TestCreateAdminBesideAServingProcess: `marquee admin create` opens the same
// SQLite file as a running server; the server then logs the admin in.
func TestCreateAdminBesideAServingProcess(t *testing.T) {
	t.Parallel()
	url := sqldbtest.URL(t, sqldb.SQLite)
	ctx := context.Background()
	serverDB, err := sqldb.Open(ctx, "identity", url)
	require.NoError(t, err)
	t.Cleanup(func() { serverDB.Close() })
	h := newHarnessOn(t, serverDB, testConfig())
	existing := h.user("Existing")

	cliDB, err := sqldb.Open(ctx, "identity", url)
	require.NoError(t, err)
	defer cliDB.Close()
	migrate(t, cliDB)
	cli, err := identity.New(cliDB, events.NewOutbox(cliDB), testConfig(), nil, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Equal(t, h.svc.JWKS(), cli.JWKS(), "the CLI uses the server's keys, it does not make its own")

	email := uniqueEmail("root")
	created, err := cli.CreateAdmin(ctx, "  "+strings.ToUpper(email), goodPass, "Root")
	require.NoError(t, err)
	require.True(t, created)
	created, err = cli.CreateAdmin(ctx, email, "some-other-passw0rd", "Root")
	require.NoError(t, err)
	require.False(t, created, "idempotent")
	tok := h.login(email, goodPass) // the password was not changed by the second call
	require.Equal(t, "admin", tok.User.Role)

	created, err = cli.CreateAdmin(ctx, existing.User.Email, "irrelevant-passw0rd", "")
	require.NoError(t, err)
	require.False(t, created)
	promoted := h.login(existing.User.Email, goodPass)
	require.Equal(t, "admin", promoted.User.Role, "an existing account is promoted")

	_, err = cli.CreateAdmin(ctx, uniqueEmail("weak"), "password1", "Weak")
	require.Error(t, err, "the password rules apply")
	_, err = cli.CreateAdmin(ctx, "nope", goodPass, "X")
	require.Error(t, err)

	types := map[string]int{}
	for _, env := range h.outboxEvents() {
		types[env.Type]++
	}
	require.Equal(t, map[string]int{identityapi.UserRegistered: 2, identityapi.UserUpdated: 1}, types,
		"the CLI's events wait in the shared outbox for the server's relay")
}

func TestAuthenticationErrorsUseProblems(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	r := h.do(req{method: "GET", path: "/api/me"})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r.Problem(t)
	r = h.do(req{method: "GET", path: "/api/me", token: "garbage"})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r.Problem(t)
}

func TestIssuedTokensVerifyAndForgeriesDoNot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig())
	tok := h.user("Tess")
	ctx := context.Background()
	p, err := h.verifier.Verify(ctx, tok.AccessToken)
	require.NoError(t, err)
	require.Equal(t, auth.Principal{UserID: tok.User.ID, Role: "user", SessionID: parseClaims(t, tok.AccessToken)["sid"].(string)}, p)

	claims := parseClaims(t, tok.AccessToken)
	parts := strings.Split(tok.AccessToken, ".")
	kid := func() string {
		t, _, _ := jwt.NewParser().ParseUnverified(tok.AccessToken, jwt.MapClaims{})
		return t.Header["kid"].(string)
	}()
	escalated := jwt.MapClaims{}
	for k, v := range claims {
		escalated[k] = v
	}
	escalated["role"] = "admin"

	none := jwt.NewWithClaims(jwt.SigningMethodNone, escalated)
	none.Header["kid"] = kid
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	// HMAC keyed with the published public key: the algorithm-confusion attack
	pub, err := h.svc.Keys().PublicKey(ctx, kid)
	require.NoError(t, err)
	hmac := jwt.NewWithClaims(jwt.SigningMethodHS256, escalated)
	hmac.Header["kid"] = kid
	hmacTok, err := hmac.SignedString([]byte(pub))
	require.NoError(t, err)
	// the real signature on escalated claims
	escalatedPayload, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, escalated).SigningString()
	require.NoError(t, err)
	swapped := strings.Split(escalatedPayload, ".")[1]
	badSig := parts[0] + "." + swapped + "." + parts[2]

	// tokens of a differently configured identity (other audience, issuer or lifetime) with the same key
	other := func(mut func(*identity.Config)) string {
		cfg := testConfig()
		mut(&cfg)
		cfg.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		return signWithSameKeys(t, h, cfg)
	}
	for name, forged := range map[string]string{
		"alg none":       noneTok,
		"hmac":           hmacTok,
		"bad signature":  badSig,
		"truncated":      parts[0] + "." + parts[1] + ".",
		"wrong audience": signWithSameKeys(t, h, identity.Config{Issuer: issuer, Audience: "someone-else"}),
		"wrong issuer":   signWithSameKeys(t, h, identity.Config{Issuer: "evil", Audience: audience}),
		"expired":        other(func(*identity.Config) {}),
	} {
		_, err := h.verifier.Verify(ctx, forged)
		require.ErrorIs(t, err, auth.ErrInvalidToken, name)
		r := h.do(req{method: "GET", path: "/api/me", token: forged})
		require.Equal(t, http.StatusUnauthorized, r.Status, name)
		r = h.do(req{method: "GET", path: "/api/me", cookies: []*http.Cookie{{Name: httpx.AccessCookie, Value: forged}}})
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s in the cookie", name)
		r = h.do(req{method: "GET", path: "/api/users/" + tok.User.ID, token: forged})
		require.Equal(t, http.StatusOK, r.Status, "%s: a public route does not read tokens", name)
	}
}

// signWithSameKeys issues a token from a second identity service on the same
// database (so with the same signing key) but another configuration.
func signWithSameKeys(t *testing.T, h *harness, cfg identity.Config) string {
	t.Helper()
	if cfg.Password == (identity.Config{}).Password {
		cfg.Password = testConfig().Password
	}
	cfg.Limits = &identity.Limits{}
	svc, err := identity.New(h.db, nil, cfg, nil, nil)
	require.NoError(t, err)
	email := uniqueEmail("other")
	_, err = svc.Register(context.Background(), identityapi.RegisterRequest{Email: email, Password: goodPass, DisplayName: "Other"})
	require.NoError(t, err)
	tok, err := svc.Login(context.Background(), identityapi.LoginRequest{Email: email, Password: goodPass})
	require.NoError(t, err)
	return tok.AccessToken
}
