package idempotency_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/idempotency"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

type thing struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// service is the smallest create there is: a row per POST, with the key
// recorded in the same transaction, behind a real router and HTTP server.
func service(t *testing.T, db *sqldb.DB) (*httptest.Server, *authtest.Minter) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, sqldb.Migrate(ctx, db, "idempotency", idempotency.Migrations))
	_, err := db.ExecContext(ctx, `CREATE TABLE things (id TEXT PRIMARY KEY, name TEXT NOT NULL)`)
	require.NoError(t, err)
	m := authtest.New(t)
	rt := httpx.NewRouter(m.Verifier())
	rt.Handle("POST /things", auth.Signed, idempotency.Wrap(db, func(w http.ResponseWriter, r *http.Request) error {
		var in thing
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return err
		}
		if in.Name == "" {
			return httpx.Invalid(http.StatusUnprocessableEntity, "name", "is required")
		}
		out := thing{ID: uuid.NewString(), Name: in.Name}
		err := db.InTx(r.Context(), func(tx *sqldb.Tx) error {
			if _, err := tx.ExecContext(r.Context(), `INSERT INTO things (id, name) VALUES (?, ?)`, out.ID, out.Name); err != nil {
				return err
			}
			return idempotency.RecordCreated(r.Context(), tx, out)
		})
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusCreated, out)
		return nil
	}))
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return srv, m
}

type answer struct {
	status   int
	body     string
	replayed bool
}

func post(t *testing.T, srv *httptest.Server, token, key, body string) answer {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+"/things", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, strings.TrimSpace(string(raw)), resp.Header.Get(idempotency.ReplayedHeader) == "true"}
}

func count(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM things`).Scan(&n))
	return n
}

func TestARetryWithTheSameKeyGetsTheFirstAnswer(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		srv, m := service(t, db)
		alice, bob := m.User(t), m.User(t)

		first := post(t, srv, alice, "k-1", `{"name":"one"}`)
		require.Equal(t, 201, first.status)
		require.False(t, first.replayed)
		again := post(t, srv, alice, "k-1", `{"name":"one"}`)
		require.Equal(t, 201, again.status)
		require.True(t, again.replayed)
		require.JSONEq(t, first.body, again.body, "the same resource, not a second one")
		require.Equal(t, 1, count(t, db))

		require.Equal(t, 422, post(t, srv, alice, "k-1", `{"name":"two"}`).status, "the key with another body")
		require.Equal(t, 201, post(t, srv, bob, "k-1", `{"name":"one"}`).status, "keys are per user")
		require.Equal(t, 2, count(t, db))

		// without a key every POST creates
		require.Equal(t, 201, post(t, srv, alice, "", `{"name":"one"}`).status)
		require.Equal(t, 201, post(t, srv, alice, "", `{"name":"one"}`).status)
		require.Equal(t, 4, count(t, db))

		// a refused request stores nothing: fixed and retried with its key, it creates
		require.Equal(t, 422, post(t, srv, alice, "k-2", `{"name":""}`).status)
		require.Equal(t, 201, post(t, srv, alice, "k-2", `{"name":"fixed"}`).status)

		for _, bad := range []string{"has space", strings.Repeat("k", 256), "tab\tkey"} {
			require.Equal(t, 400, post(t, srv, alice, bad, `{"name":"x"}`).status, bad)
		}
		require.Equal(t, 5, count(t, db))
	})
}

// Retries racing the first attempt (a client that gave up too early, two
// gateways): one creates, every one gets its answer.
func TestConcurrentRequestsWithOneKeyCreateOnce(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		srv, m := service(t, db)
		tok := m.User(t)
		const n = 8
		answers := make([]answer, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i] = post(t, srv, tok, "race", `{"name":"raced"}`) })
		}
		wg.Wait()
		require.Equal(t, 1, count(t, db))
		var created thing
		for _, a := range answers {
			if a.status == 409 {
				continue // the first was still being applied: retry later
			}
			require.Equal(t, 201, a.status, a.body)
			var got thing
			require.NoError(t, json.Unmarshal([]byte(a.body), &got))
			if created.ID == "" {
				created = got
			}
			require.Equal(t, created, got)
		}
		require.Equal(t, 201, post(t, srv, tok, "race", `{"name":"raced"}`).status)
	})
}
