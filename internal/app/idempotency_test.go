package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postWithKey sends a JSON POST with an Idempotency-Key and returns the
// status, the decoded body and whether the answer was a replay.
func postWithKey(t *testing.T, base, path, token, key string, body any) (int, map[string]any, bool) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return resp.StatusCode, m, resp.Header.Get("Idempotent-Replayed") == "true"
}

// Two catalog processes on one PostgreSQL database: a create retried with
// its key on the other process (the first answer was lost with a gateway)
// answers the first result and creates nothing.
func TestRetriedCreatesAcrossProcessesCreateOnce(t *testing.T) {
	t.Parallel()
	catalogDB := postgresURL(t)
	a := start(t, map[string]string{"MARQUEE_CATALOG_DATABASE_URL": catalogDB})
	b := start(t, map[string]string{"MARQUEE_SERVICES": "catalog", "MARQUEE_CATALOG_DATABASE_URL": catalogDB, "MARQUEE_IDENTITY_URL": a.url})
	admin := a.admin(t)

	for _, tc := range []struct{ path, key string }{{"/api/movies", "movie-key-1"}, {"/api/actors", "actor-key-1"}} {
		body := map[string]any{"title": "Once Only", "name": "Once Only"}
		if tc.path == "/api/actors" {
			delete(body, "title")
		} else {
			delete(body, "name")
		}
		status, first, replayed := postWithKey(t, a.url, tc.path, admin, tc.key, body)
		require.Equal(t, 201, status, "%v", first)
		require.False(t, replayed)
		status, again, replayed := postWithKey(t, b.url, tc.path, admin, tc.key, body)
		require.Equal(t, 201, status, "%v", again)
		require.True(t, replayed, "the other process answered from the stored key")
		require.Equal(t, first, again)
		status, other, _ := postWithKey(t, b.url, tc.path, admin, tc.key+"-other", body)
		require.Equal(t, 201, status)
		require.NotEqual(t, first["id"], other["id"], "a new key is a new create")
	}
	db, err := sqldb.Open(context.Background(), "check", catalogDB)
	require.NoError(t, err)
	defer db.Close()
	for table, want := range map[string]int{"movies": 2, "people": 2} {
		var n int
		require.NoError(t, db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n))
		require.Equal(t, want, n, table)
	}
}

// A review retried with its key gets the first answer instead of "you have
// already reviewed this movie".
func TestARetriedReviewAnswersTheFirstResult(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin, user := p.admin(t), p.user(t)
	var movie struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{"title": "Reviewed Once"}, &movie))
	path := "/api/movies/" + movie.ID + "/reviews"
	p.eventually(t, 200, "GET", "/api/movies/"+movie.ID, "", nil, nil)
	var status int
	var first map[string]any
	for range 200 { // the reviews service learns of the movie from the catalog's event
		if status, first, _ = postWithKey(t, p.url, path, user, "review-1", map[string]any{"rating": 8, "body": "Good."}); status != 404 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, 201, status, "%v", first)
	status, again, replayed := postWithKey(t, p.url, path, user, "review-1", map[string]any{"rating": 8, "body": "Good."})
	require.Equal(t, 201, status)
	require.True(t, replayed)
	require.Equal(t, first, again)
	status, _, _ = postWithKey(t, p.url, path, user, "review-2", map[string]any{"rating": 8, "body": "Good."})
	require.Equal(t, 409, status, "a new key is a new attempt, and one review per movie still holds")
}
