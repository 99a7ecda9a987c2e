package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/identity/store"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/ratelimit"
)

// Routes registers the identity API on rt. Every route declares who may call
// it; Owner rules (PUT /api/users/{id}) are checked in the handler with
// Principal.CanActFor. The auth endpoints are Public: an access token, even
// a dead one in a cookie, never stands between a browser and signing in.
func (s *Service) Routes(rt *httpx.Router) {
	rt.Handle("POST /api/auth/register", auth.Public, s.handleRegister)
	rt.Handle("POST /api/auth/login", auth.Public, s.handleLogin)
	rt.Handle("POST /api/auth/refresh", auth.Public, s.handleRefresh)
	rt.Handle("POST /api/auth/logout", auth.Public, s.handleLogout)
	rt.Handle("GET "+identityapi.JWKSPath, auth.Public, s.handleJWKS)

	rt.Handle("GET /api/me", auth.Signed, s.handleMe)
	rt.Handle("PATCH /api/me", auth.Signed, s.handleUpdateMe)
	rt.Handle("DELETE /api/me", auth.Signed, s.handleDeleteMe)

	rt.Handle("GET /api/users", auth.Admin, s.handleListUsers)
	rt.Handle("GET /api/users/{id}", auth.Public, s.handleGetUser)
	rt.Handle("PUT /api/users/{id}", auth.Owner, s.handleUpdateUser)
	rt.Handle("DELETE /api/users/{id}", auth.Admin, s.handleDeleteUser)
}

// allow counts one attempt under key. When the limiter itself fails (Redis
// down) the attempt is allowed and the failure logged: an outage of the
// limiter must not lock everybody out, and argon2's cost still bounds guessing.
func (s *Service) allow(ctx context.Context, key string, limit ratelimit.Limit) error {
	d, err := s.cfg.Limiter.Allow(ctx, key, limit)
	if err != nil {
		s.log.Warn("rate limiter unavailable; attempt allowed", "key", key, "error", err.Error())
		return nil
	}
	if !d.Allowed {
		return apperr.RateLimited(d.RetryAfter)
	}
	return nil
}

func loginAccountKey(email string) string { return "login:account:" + email }

// clientAddress is who the rate limits count per: the client's address
// (httpx.ClientIP: behind a trusted proxy, from X-Forwarded-For), IPv6
// addresses grouped by /64 (one subscriber usually holds a whole /64).
func clientAddress(r *http.Request) string {
	ip := httpx.ClientIP(r)
	if !ip.IsValid() {
		return r.RemoteAddr
	}
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

func (s *Service) handleRegister(w http.ResponseWriter, r *http.Request) error {
	var req identityapi.RegisterRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.allow(r.Context(), "register:addr:"+clientAddress(r), s.cfg.Limits.RegisterPerAddress); err != nil {
		return err
	}
	if email, reason := normalizeEmail(req.Email); reason == "" {
		if err := s.allow(r.Context(), "register:account:"+email, s.cfg.Limits.RegisterPerAccount); err != nil {
			return err
		}
	}
	me, err := s.Register(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/users/"+me.ID)
	httpx.WriteJSON(w, http.StatusCreated, me)
	return nil
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var req identityapi.LoginRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.allow(r.Context(), "login:addr:"+clientAddress(r), s.cfg.Limits.LoginPerAddress); err != nil {
		return err
	}
	if email := strings.ToLower(strings.TrimSpace(req.Email)); email != "" {
		// this address's budget for the account first: one address spending
		// it must not use up what the owner has from another
		if err := s.allow(r.Context(), loginAccountKey(email)+":addr:"+clientAddress(r), s.cfg.Limits.LoginPerAccountAddress); err != nil {
			return err
		}
		if err := s.allow(r.Context(), loginAccountKey(email), s.cfg.Limits.LoginPerAccount); err != nil {
			return err
		}
	}
	tokens, err := s.Login(r.Context(), req)
	if err != nil {
		return err
	}
	if cookieMode(r) {
		s.setSessionCookies(w, r, tokens, false)
	}
	writeTokens(w, tokens)
	return nil
}

func (s *Service) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	token, fromCookie, err := refreshTokenOf(w, r)
	cookies := fromCookie || cookieMode(r)
	var tokens identityapi.AuthTokens
	if err == nil {
		tokens, err = s.Refresh(r.Context(), token)
	}
	if err != nil {
		if errors.Is(err, httpx.ErrUnauthorized) && (cookies || hasCookie(r, httpx.AccessCookie)) {
			clearSessionCookies(w) // the browser should stop presenting a dead session
		}
		return err
	}
	if cookies {
		s.setSessionCookies(w, r, tokens, true)
	}
	writeTokens(w, tokens)
	return nil
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) error {
	token, fromCookie, err := refreshTokenOf(w, r)
	if err != nil && !errors.Is(err, errNoRefreshToken) {
		return err
	}
	if err := s.Logout(r.Context(), token); err != nil {
		return err
	}
	if fromCookie || cookieMode(r) || hasCookie(r, httpx.AccessCookie) {
		clearSessionCookies(w)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var errNoRefreshToken = apperr.Unauthenticated("No refresh token: send refresh_token in the body, or the " + identityapi.RefreshCookie + " cookie.")

// refreshTokenOf finds the refresh token of a refresh or logout request: the
// body's refresh_token, else the refresh cookie. The cookie is an ambient
// credential, so a request that relies on it must pass the CSRF check (the
// router checks nothing here: the auth routes are Public).
func refreshTokenOf(w http.ResponseWriter, r *http.Request) (token string, fromCookie bool, err error) {
	var req identityapi.RefreshRequest
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, &req); err != nil {
			return "", false, err
		}
	}
	if req.RefreshToken != "" {
		return req.RefreshToken, false, nil
	}
	c, err := r.Cookie(identityapi.RefreshCookie)
	if err != nil || c.Value == "" {
		return "", false, errNoRefreshToken
	}
	if !httpx.ValidCSRF(r) {
		return "", false, apperr.Forbidden("Requests authenticated by the " + identityapi.RefreshCookie + " cookie must send the " +
			httpx.CSRFHeader + " header matching the " + httpx.CSRFCookie + " cookie.")
	}
	return c.Value, true, nil
}

func cookieMode(r *http.Request) bool {
	return strings.EqualFold(strings.TrimSpace(r.Header.Get(identityapi.AuthModeHeader)), identityapi.AuthModeCookie)
}

func hasCookie(r *http.Request, name string) bool {
	c, err := r.Cookie(name)
	return err == nil && c.Value != ""
}

// accessCookieMargin: the access cookie expires this long before the token,
// so a browser does not present an expired access token (which would count
// as no token at all) while the web app still thinks it is good.
const accessCookieMargin = 30 * time.Second

// setSessionCookies sets the cookie-mode cookies: access token (httpOnly,
// every path), refresh token (httpOnly, only /api/auth, where refresh and
// logout live) and the CSRF token (readable by the web app, which echoes it
// in X-CSRF-Token). All Secure and SameSite=Strict. A refresh keeps the CSRF
// value, so requests already in flight with it still pass.
func (s *Service) setSessionCookies(w http.ResponseWriter, r *http.Request, t identityapi.AuthTokens, keepCSRF bool) {
	csrf := ""
	if c, err := r.Cookie(httpx.CSRFCookie); keepCSRF && err == nil && len(c.Value) >= 16 && len(c.Value) <= 128 {
		csrf = c.Value
	}
	if csrf == "" {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		csrf = base64.RawURLEncoding.EncodeToString(b) // 32 characters
	}
	accessAge := int((s.cfg.AccessTTL - accessCookieMargin) / time.Second)
	if accessAge < 1 {
		accessAge = int(s.cfg.AccessTTL / time.Second)
	}
	refreshAge := int(s.cfg.RefreshTTL / time.Second)
	for _, c := range []*http.Cookie{
		{Name: httpx.AccessCookie, Value: t.AccessToken, Path: "/", MaxAge: accessAge, HttpOnly: true},
		{Name: identityapi.RefreshCookie, Value: t.RefreshToken, Path: identityapi.RefreshCookiePath, MaxAge: refreshAge, HttpOnly: true},
		{Name: httpx.CSRFCookie, Value: csrf, Path: "/", MaxAge: refreshAge},
	} {
		c.Secure, c.SameSite = true, http.SameSiteStrictMode
		http.SetCookie(w, c)
	}
}

func clearSessionCookies(w http.ResponseWriter) {
	for _, c := range []*http.Cookie{
		{Name: httpx.AccessCookie, Path: "/", HttpOnly: true},
		{Name: identityapi.RefreshCookie, Path: identityapi.RefreshCookiePath, HttpOnly: true},
		{Name: httpx.CSRFCookie, Path: "/"},
	} {
		c.MaxAge, c.Secure, c.SameSite = -1, true, http.SameSiteStrictMode
		http.SetCookie(w, c)
	}
}

// writeTokens answers login and refresh; token answers are never cached (RFC 6749 §5.1).
func writeTokens(w http.ResponseWriter, t identityapi.AuthTokens) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, t)
}

func (s *Service) handleJWKS(w http.ResponseWriter, r *http.Request) error {
	// short enough that caches pick up a rotation soon; verifiers refetch on an unknown kid anyway
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.WriteJSON(w, http.StatusOK, s.keys.JWKS())
	return nil
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	me, err := s.Me(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpx.WriteJSON(w, http.StatusOK, me)
	return nil
}

func (s *Service) handleUpdateMe(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	var req identityapi.UpdateMeRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	me, err := s.UpdateMe(r.Context(), p, req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, me)
	return nil
}

func (s *Service) handleDeleteMe(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	if err := s.DeleteMe(r.Context(), p); err != nil {
		return err
	}
	if hasCookie(r, httpx.AccessCookie) {
		clearSessionCookies(w)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.ParseLimit(r)
	if err != nil {
		return err
	}
	var after string
	if _, err := httpx.DecodeCursor(r, &after); err != nil {
		return err
	}
	q := r.URL.Query()
	includeDeleted := false
	if v := q.Get("include_deleted"); v != "" {
		if includeDeleted, err = strconv.ParseBool(v); err != nil {
			return httpx.Invalid(http.StatusBadRequest, "include_deleted", "must be true or false")
		}
	}
	search := strings.TrimSpace(q.Get("q"))
	if len(search) > 100 {
		return httpx.Invalid(http.StatusBadRequest, "q", "must be at most 100 characters long")
	}
	items, err := s.ListUsers(r.Context(), store.UserFilter{Query: search, IncludeDeleted: includeDeleted, AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	page, err := httpx.NewPage(items, limit, func(last identityapi.Me) any { return last.ID })
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Service) handleGetUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (s *Service) handleUpdateUser(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if !p.CanActFor(id) {
		return httpx.ErrForbidden
	}
	var req identityapi.UpdateUserRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	me, err := s.UpdateUser(r.Context(), p, id, req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, me)
	return nil
}

func (s *Service) handleDeleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.DeleteUser(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
