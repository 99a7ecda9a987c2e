package httpx

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/marquee-dev/marquee/internal/platform/auth"
)

// HandlerFunc is a handler that returns its error; Router answers it as a problem.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// RouteInfo is one registered route and who may call it.
type RouteInfo struct {
	Pattern string // "GET /api/movies/{id}"
	Access  auth.Access
}

// Router is a ServeMux on which every route declares its Access. It checks
// tokens itself, so a service is protected even when reached without the gateway.
type Router struct {
	mux      *http.ServeMux
	verifier *auth.Verifier
	entries  []*entry
	doc      *openapi3.T // set by ValidateRequests
}

// entry is a registered route and, once the router validates requests, its
// operation in the document.
type entry struct {
	RouteInfo
	op *operation
}

// NewRouter returns a router that verifies bearer tokens (or the access-token
// cookie) with v.
func NewRouter(v *auth.Verifier) *Router {
	return &Router{mux: http.NewServeMux(), verifier: v}
}

// Cookie mode (the web app): the access token rides in an httpOnly cookie, and
// every unsafe request must echo the readable CSRF cookie in a header (double
// submit), which a cross-site page cannot read and so cannot forge.
const (
	AccessCookie = "marquee_access"
	CSRFCookie   = "marquee_csrf"
	CSRFHeader   = "X-CSRF-Token"
)

// Handle registers h for pattern ("METHOD /path") with its access rule.
func (rt *Router) Handle(pattern string, access auth.Access, h HandlerFunc) {
	if !strings.Contains(pattern, " ") {
		panic("route " + pattern + " must name its method")
	}
	if rt.doc != nil {
		panic("route " + pattern + " is registered after ValidateRequests, which must come last")
	}
	e := &entry{RouteInfo: RouteInfo{Pattern: pattern, Access: access}}
	rt.entries = append(rt.entries, e)
	rt.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		RecordRoute(r)
		r, err := rt.authenticate(w, r, access)
		if err == nil {
			err = rt.check(r, access)
		}
		if err != nil {
			Error(w, r, err)
			return
		}
		if e.op != nil {
			if err := e.op.check(w, r); err != nil {
				Error(w, r, err)
				return
			}
		}
		if err = h(w, r); err != nil {
			Error(w, r, err)
		}
	}))
}

// HandleRaw registers a plain http.Handler (streams, proxies) with its access rule.
func (rt *Router) HandleRaw(pattern string, access auth.Access, h http.Handler) {
	rt.Handle(pattern, access, func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	})
}

func (rt *Router) check(r *http.Request, access auth.Access) error {
	p, ok := auth.FromContext(r.Context())
	switch access {
	case auth.Public, auth.Anyone:
		return nil
	case auth.Signed, auth.Owner:
		if !ok {
			return ErrUnauthorized
		}
		return nil
	case auth.Admin:
		if !ok {
			return ErrUnauthorized
		}
		if !p.IsAdmin() {
			return ErrForbidden
		}
		return nil
	default:
		return ErrForbidden // an unknown rule denies
	}
}

// Routes lists the registered routes, sorted by pattern.
func (rt *Router) Routes() []RouteInfo {
	out := make([]RouteInfo, len(rt.entries))
	for i, e := range rt.entries {
		out[i] = e.RouteInfo
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pattern < out[j].Pattern })
	return out
}

// ServeHTTP routes; each route authenticates its caller by its access rule.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.mux.ServeHTTP(w, r)
}

// authenticate puts the caller's principal in r's context, by the route's
// access rule (docs/ARCHITECTURE.md, "Identity and access"):
//   - Public routes never read a token: no principal, no 401, no CSRF check.
//   - An Authorization header is the client's explicit choice: a token that
//     does not verify is a 401, so API clients learn to refresh it.
//   - The access cookie is ambient, and may outlive its session (a server
//     with new keys, a revoked session): one that does not verify counts as
//     no token, and the answer expires it, so a stale cookie cannot lock
//     the browser out of public pages or of signing in again.
//   - CSRF protects what a valid cookie authenticates: an unsafe request
//     authenticated by the cookie must echo the CSRF cookie in a header.
func (rt *Router) authenticate(w http.ResponseWriter, r *http.Request, access auth.Access) (*http.Request, error) {
	if access == auth.Public || rt.verifier == nil {
		return r, nil
	}
	tok, fromCookie := bearerToken(r)
	if tok == "" {
		return r, nil
	}
	p, err := rt.verifier.Verify(r.Context(), tok)
	if err != nil {
		if !fromCookie {
			return r, errors.Join(ErrUnauthorized, err)
		}
		expireAccessCookie(w)
		return r, nil // anonymous; a route that needs a token answers 401
	}
	if fromCookie && !safeMethod(r.Method) && !ValidCSRF(r) {
		return r, &StatusError{Status: http.StatusForbidden, Detail: "Cookie-authenticated writes must send the " + CSRFHeader + " header matching the " + CSRFCookie + " cookie.", Err: ErrForbidden}
	}
	return r.WithContext(auth.WithPrincipal(r.Context(), p)), nil
}

// expireAccessCookie tells the browser to drop an access cookie that does
// not verify. Only that cookie: the refresh cookie may still be good (an
// access token expires first), and POST /api/auth/refresh, which sees it,
// expires the whole session when it is not. The answer is kept out of
// shared caches, whose copy would expire other people's cookies.
func expireAccessCookie(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "private, no-store")
	http.SetCookie(w, &http.Cookie{Name: AccessCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

// Handler returns the router's mux, for mounting under a parent mux.
func (rt *Router) Handler() http.Handler { return rt }

// bearerToken finds the access token: the Authorization header first, then the cookie.
func bearerToken(r *http.Request) (token string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok), false
		}
		return "-", false // a malformed header is an invalid token, not anonymity
	}
	if c, err := r.Cookie(AccessCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// ValidCSRF reports whether r echoes the CSRF cookie (at least 16
// characters) in the CSRF header.
func ValidCSRF(r *http.Request) bool {
	c, err := r.Cookie(CSRFCookie)
	h := r.Header.Get(CSRFHeader)
	return err == nil && len(c.Value) >= 16 && subtle.ConstantTimeCompare([]byte(c.Value), []byte(h)) == 1
}

// Caller returns the authenticated principal or ErrUnauthorized.
func Caller(r *http.Request) (auth.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return auth.Principal{}, ErrUnauthorized
	}
	return p, nil
}

// AccessToken is the caller's access token as sent (header or cookie), to
// call another service on the caller's behalf; "" when there is none.
func AccessToken(r *http.Request) string {
	if tok, _ := bearerToken(r); tok != "-" {
		return tok
	}
	return ""
}
