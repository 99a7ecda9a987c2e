package main_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
)

// The scaled-out shape with real processes on loopback: identity, the
// catalog, the read side (reviews, social, browse) and the gateway each in
// their own `marquee serve --services X`, sharing an external NATS server.
// The catalog verifies tokens with identity's JWKS and learns of revocations
// from identity's events; browse builds its read model from the catalog's.
func TestScaledOutServicesInSeparateProcesses(t *testing.T) {
	t.Parallel()
	natsURL := os.Getenv("MARQUEE_TEST_NATS_URL")
	if natsURL == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MARQUEE_TEST_NATS_URL is not set; CI must run the scaled-out test")
		}
		t.Skip("MARQUEE_TEST_NATS_URL not set")
	}
	identityDir := t.TempDir()
	// the server outlives test runs: this run's durable consumers start fresh, and go at the end
	prefix := "test-" + uuid.NewString()[:8] + "-"
	shared := []string{"MARQUEE_NATS_URL=" + natsURL, "MARQUEE_CONSUMER_PREFIX=" + prefix}
	t.Cleanup(func() { eventstest.DeleteConsumers(natsURL, prefix) })
	identityProc, _ := serveEnv(t, identityDir, shared, "--services", "identity")
	withIdentity := append(shared, "MARQUEE_IDENTITY_URL="+identityProc.url)
	catalogProc, _ := serveEnv(t, t.TempDir(), withIdentity, "--services", "catalog")
	readSide, _ := serveEnv(t, t.TempDir(), withIdentity, "--services", "reviews,social,browse,notify")
	gw, _ := serveEnv(t, t.TempDir(), append(withIdentity, "MARQUEE_CATALOG_URL="+catalogProc.url,
		"MARQUEE_REVIEWS_URL="+readSide.url, "MARQUEE_SOCIAL_URL="+readSide.url, "MARQUEE_BROWSE_URL="+readSide.url, "MARQUEE_NOTIFY_URL="+readSide.url), "--services", "gateway")

	email := "root-" + uuid.NewString()[:8] + "@example.com"
	admin := exec.Command(binary, "admin", "create", "--email", email, "--password", "scaled out admin pass")
	admin.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+identityDir)
	out, err := admin.CombinedOutput()
	require.NoError(t, err, string(out))

	post := func(path, token string, body any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", gw.url+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	status, tokens := post("/api/auth/login", "", map[string]any{"email": email, "password": "scaled out admin pass"})
	require.Equal(t, 200, status, "%v", tokens)
	adminToken := tokens["access_token"].(string)

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("catalog:\n%s\nreviews,social,browse:\n%s", catalogProc.out.String(), readSide.out.String())
		}
	})
	status, movie := post("/api/movies", adminToken, map[string]any{"title": "Distributed"})
	require.Equal(t, 201, status, "the catalog process verified the token with identity's JWKS: %v", movie)
	require.Eventually(t, func() bool {
		resp, err := http.Get(gw.url + "/api/movies/" + movie["id"].(string))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 30*time.Second, 50*time.Millisecond, "browse, in another process, learnt of the movie from the catalog's event")
	status, review := post("/api/movies/"+movie["id"].(string)+"/reviews", adminToken, map[string]any{"rating": 9, "body": "Scales."})
	require.Equal(t, 201, status, "%v", review)

	// A second administrator is deleted; the catalog process must refuse their token soon after.
	status, _ = post("/api/auth/register", "", map[string]any{"email": "doomed-" + email, "password": "scaled out admin pass", "display_name": "Doomed"})
	require.Equal(t, 201, status)
	promote := exec.Command(binary, "admin", "create", "--email", "doomed-"+email, "--password", "scaled out admin pass")
	promote.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+identityDir)
	out, err = promote.CombinedOutput()
	require.NoError(t, err, string(out))
	status, tokens = post("/api/auth/login", "", map[string]any{"email": "doomed-" + email, "password": "scaled out admin pass"})
	require.Equal(t, 200, status)
	doomed := tokens["access_token"].(string)
	doomedID := tokens["user"].(map[string]any)["id"].(string)
	status, _ = post("/api/actors", doomed, map[string]any{"name": "Before"})
	require.Equal(t, 201, status)

	req, _ := http.NewRequest("DELETE", gw.url+"/api/users/"+doomedID, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 204, resp.StatusCode)
	require.Eventually(t, func() bool {
		status, _ := post("/api/actors", doomed, map[string]any{"name": "After"})
		return status == 401
	}, 30*time.Second, 100*time.Millisecond, "the deleted user's token keeps working in the catalog process:\n%s", catalogProc.out.String())

	for _, p := range []*proc{gw, readSide, catalogProc, identityProc} {
		p.stop(t)
	}
}
