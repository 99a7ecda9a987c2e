package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
)

// The read side (browse, social) is killed with -9 during a burst of review
// writes and started again: every accepted review is in its movie's rating
// summary within 5 s of the restart. Events the killed process had taken but
// not acknowledged come back after the short ack wait, not half a minute later.
func TestKillTheReadSideDuringReviewWrites(t *testing.T) {
	t.Parallel()
	nats := eventstest.StartServer(t)
	shared := []string{"MARQUEE_NATS_URL=" + nats.URL}
	writeDir, readDir := t.TempDir(), t.TempDir()
	writer, _ := serveEnv(t, writeDir, shared, "--services", "identity,catalog,reviews")
	readEnv := append(shared, "MARQUEE_IDENTITY_URL="+writer.url)
	read, _ := serveEnv(t, readDir, readEnv, "--services", "browse,social")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("read side:\n%s", read.out.String())
		}
	})

	const password = "kill nine admin pass"
	cmd := exec.Command(binary, "admin", "create", "--email", "root@example.com", "--password", password)
	cmd.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+writeDir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	login := func(email string) string {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		require.Equal(t, 200, jsonCall(t, "POST", writer.url+"/api/auth/login", "", map[string]string{"email": email, "password": password}, &tok))
		return tok.AccessToken
	}
	admin := login("root@example.com")
	require.Equal(t, 201, jsonCall(t, "POST", writer.url+"/api/auth/register", "", map[string]string{"email": "critic@example.com", "password": password, "display_name": "Critic"}, nil))
	critic := login("critic@example.com")

	const n = 60
	movies := make([]string, n)
	for i := range movies {
		var m struct{ ID string }
		require.Equal(t, 201, jsonCall(t, "POST", writer.url+"/api/movies", admin, map[string]any{"title": fmt.Sprintf("Burst %d", i)}, &m))
		movies[i] = m.ID
	}
	for _, id := range movies { // both sides know every movie before the burst
		require.Eventually(t, func() bool { return jsonCall(t, "GET", read.url+"/api/movies/"+id, "", nil, nil) == 200 }, 30*time.Second, 20*time.Millisecond)
	}

	// four writers; the read side dies a third of the way through
	var (
		mu       sync.Mutex
		accepted []string
		wg       sync.WaitGroup
		killed   = make(chan struct{})
		once     sync.Once
	)
	next := make(chan string, n)
	for _, id := range movies {
		next <- id
	}
	close(next)
	for range 4 {
		wg.Go(func() {
			for id := range next {
				status := 0
				for status = jsonCall(t, "POST", writer.url+"/api/movies/"+id+"/reviews", critic, map[string]any{"rating": 7}, nil); status == 404; {
					time.Sleep(20 * time.Millisecond) // reviews has not heard of the movie yet
					status = jsonCall(t, "POST", writer.url+"/api/movies/"+id+"/reviews", critic, map[string]any{"rating": 7}, nil)
				}
				if status != 201 {
					t.Errorf("review of %s: %d", id, status)
					return
				}
				mu.Lock()
				accepted = append(accepted, id)
				if len(accepted) == n/3 {
					once.Do(func() {
						if err := read.cmd.Process.Kill(); err != nil {
							t.Errorf("kill the read side: %v", err)
						}
						close(killed)
					})
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	<-killed
	<-read.done

	read, _ = serveEnv(t, readDir, readEnv, "--services", "browse,social")
	restarted := time.Now()
	require.Len(t, accepted, n)
	for _, id := range accepted {
		for {
			var m struct {
				RatingSummary struct {
					Count int `json:"count"`
				} `json:"rating_summary"`
			}
			if jsonCall(t, "GET", read.url+"/api/movies/"+id, "", nil, &m) == 200 && m.RatingSummary.Count == 1 {
				break
			}
			require.Less(t, time.Since(restarted), 5*time.Second, "movie %s still misses its review %s after the restart", id, time.Since(restarted))
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("every accepted review in its movie's summary %s after the restart", time.Since(restarted).Round(time.Millisecond))
}
