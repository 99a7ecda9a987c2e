package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	require.NoError(t, sqldb.Migrate(ctx, db, "events", events.Migrations))
	require.NoError(t, sqldb.Migrate(ctx, db, "identity", identity.Migrations))
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

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

func (r reply) problem(t testing.TB) httpx.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	var p httpx.Problem
	r.decode(t, &p)
	require.Equal(t, r.status, p.Status)
	return p
}

// req is one request; headers and cookies are optional.
type req struct {
	method, path, token string
	body                any
	header              map[string]string
	cookies             []*http.Cookie
}

func (h *harness) do(r req) reply {
	h.t.Helper()
	return doWith(h.t, h.client, h.srv.URL, r)
}

func doWith(t testing.TB, client *http.Client, base string, r req) reply {
	t.Helper()
	var rd io.Reader
	if r.body != nil {
		if s, ok := r.body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			raw, err := json.Marshal(r.body)
			require.NoError(t, err)
			rd = bytes.NewReader(raw)
		}
	}
	hr, err := http.NewRequest(r.method, base+r.path, rd)
	require.NoError(t, err)
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	resp, err := client.Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

var seq atomic.Int64

// uniqueEmail returns a fresh address.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s%d@example.com", prefix, seq.Add(1))
}

func (h *harness) register(email, name, pw string) identityapi.Me {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/auth/register", body: identityapi.RegisterRequest{Email: email, Password: pw, DisplayName: name}})
	require.Equal(h.t, http.StatusCreated, r.status, "register: %s", r.body)
	var me identityapi.Me
	r.decode(h.t, &me)
	return me
}

func (h *harness) login(email, pw string) identityapi.AuthTokens {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/auth/login", body: identityapi.LoginRequest{Email: email, Password: pw}})
	require.Equal(h.t, http.StatusOK, r.status, "login: %s", r.body)
	var t identityapi.AuthTokens
	r.decode(h.t, &t)
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
	rows, err := h.db.QueryContext(context.Background(), `SELECT envelope FROM outbox ORDER BY id`)
	require.NoError(h.t, err)
	defer rows.Close()
	var out []events.Envelope
	for rows.Next() {
		var raw string
		require.NoError(h.t, rows.Scan(&raw))
		var env events.Envelope
		require.NoError(h.t, json.Unmarshal([]byte(raw), &env))
		out = append(out, env)
	}
	require.NoError(h.t, rows.Err())
	return out
}

func cookieOf(resp reply, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: resp.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
