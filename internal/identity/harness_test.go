package identity_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/identity/password"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

const (
	issuer   = "marquee-test"
	audience = "marquee"
	goodPass = "Tr0ub4dor&3-horse"
)

// harness is the identity service on a real database behind a real HTTP server.
type harness struct {
	t        testing.TB
	db       *sqldb.DB
	svc      *identity.Service
	rev      *auth.Revocations
	verifier *auth.Verifier
	router   *httpx.Router
	srv      *httptest.Server
	client   *http.Client
}

// testConfig is cheap: fast argon2 parameters and no rate limits.
func testConfig() identity.Config {
	return identity.Config{Issuer: issuer, Audience: audience, Password: password.ForTests, Limits: &identity.Limits{}}
}

func migrate(t testing.TB, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, kit.Migrate(ctx, db, identity.Module))
}

func newHarness(t testing.TB, cfg identity.Config) *harness {
	t.Helper()
	return newHarnessOn(t, sqldbtest.Open(t, sqldb.SQLite), cfg)
}

func newHarnessOn(t testing.TB, db *sqldb.DB, cfg identity.Config) *harness {
	t.Helper()
	migrate(t, db)
	rev := auth.NewRevocations(15 * time.Minute)
	svc, err := identity.New(db, events.NewOutbox(db), cfg, rev, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	verifier := auth.NewVerifier(svc.Keys(), issuer, audience)
	rt := httpx.NewRouter(verifier)
	svc.Routes(rt)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &harness{t: t, db: db, svc: svc, rev: rev, verifier: verifier, router: rt, srv: srv, client: srv.Client()}
}

// req is one request; headers and cookies are optional.
type req struct {
	method, path, token string
	body                any
	header              map[string]string
	cookies             []*http.Cookie
}

func (h *harness) do(r req) servicetest.Response {
	h.t.Helper()
	return doWith(h.t, h.client, h.srv.URL, r)
}

func doWith(t testing.TB, client *http.Client, base string, r req) servicetest.Response {
	t.Helper()
	hr := servicetest.NewRequest(t, context.Background(), r.method, base+r.path, r.token, r.body)
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	return servicetest.Send(t, client, hr)
}

var seq atomic.Int64

// uniqueEmail returns a fresh address.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s%d@example.com", prefix, seq.Add(1))
}

func (h *harness) register(email, name, pw string) identityapi.Me {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: email, Password: pw, DisplayName: name}})
	require.Equal(h.t, http.StatusCreated, r.Status, "register: %s", r.Body)
	var me identityapi.Me
	r.Decode(h.t, &me)
	return me
}

func (h *harness) login(email, pw string) identityapi.AuthTokens {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: pw}})
	require.Equal(h.t, http.StatusOK, r.Status, "login: %s", r.Body)
	var t identityapi.AuthTokens
	r.Decode(h.t, &t)
	return t
}

// user registers and logs in a fresh user.
func (h *harness) user(name string) identityapi.AuthTokens {
	h.t.Helper()
	email := uniqueEmail(strings.ToLower(name))
	h.register(email, name, goodPass)
	return h.login(email, goodPass)
}

// admin creates (CreateAdmin) and logs in a fresh administrator.
func (h *harness) admin() identityapi.AuthTokens {
	h.t.Helper()
	email := uniqueEmail("admin")
	created, err := h.svc.CreateAdmin(context.Background(), email, goodPass, "Admin")
	require.NoError(h.t, err)
	require.True(h.t, created)
	return h.login(email, goodPass)
}

// outboxEvents returns the events written to the outbox, oldest first.
func (h *harness) outboxEvents() []events.Envelope {
	h.t.Helper()
	return servicetest.OutboxEvents(h.t, h.db)
}

func cookieOf(resp servicetest.Response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: resp.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
