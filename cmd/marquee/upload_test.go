package main_test

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media/transcode/transcodetest"
)

// TestUploadCommand uploads a real clip with `marquee upload` to a real
// server, which probes it and takes it in. (Resuming after an interruption
// is tested on the client, internal/media/uploadclient, against tusd.)
func TestUploadCommand(t *testing.T) {
	t.Parallel()
	transcodetest.RequireFFmpeg(t)
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", clip).CombinedOutput()
	require.NoError(t, err, string(out))

	dataDir := t.TempDir()
	const email, password = "uploader@example.com", "upload admin pass"
	admin := exec.Command(binary, "admin", "create", "--email", email, "--password", password)
	admin.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+dataDir)
	out, err = admin.CombinedOutput()
	require.NoError(t, err, string(out))
	p, _ := serve(t, dataDir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server:\n%s", p.out.String())
		}
	})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.Equal(t, 200, jsonCall(t, "POST", p.url+"/api/auth/login", "", map[string]string{"email": email, "password": password}, &tok))
	var movie struct{ ID string }
	require.Equal(t, 201, jsonCall(t, "POST", p.url+"/api/movies", tok.AccessToken, map[string]any{"title": "Uploaded"}, &movie))
	require.Eventually(t, func() bool { // media learns of the movie through its event
		return jsonCall(t, "GET", p.url+"/api/movies/"+movie.ID+"/video", "", nil, nil) == 200
	}, 30*time.Second, 20*time.Millisecond)

	upload := func(env []string, args ...string) (string, string, error) {
		cmd := exec.Command(binary, append([]string{"upload", "--server", p.url}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	cache := []string{"XDG_CACHE_HOME=" + t.TempDir()} // the state files

	_, stderr, err := upload(cache, "--movie", movie.ID, clip)
	require.Error(t, err, "no credentials")
	require.Contains(t, stderr, "--token")

	_, stderr, err = upload(append(cache, "MARQUEE_TOKEN=not-a-token"), "--movie", movie.ID, clip)
	require.Error(t, err)
	require.Contains(t, stderr, "401", "a bad token is refused")

	stdout, stderr, err := upload(cache, "--movie", movie.ID, "--email", email, "--password", password, clip)
	require.NoError(t, err, "stdout: %s\nstderr: %s", stdout, stderr)
	require.Contains(t, stderr, "uploading clip.mp4")
	require.Contains(t, stderr, "100%")
	require.Contains(t, stdout, "uploaded "+clip+" to movie "+movie.ID)

	var video struct {
		State string `json:"state"`
		Error string `json:"error"`
	}
	require.Equal(t, 200, jsonCall(t, "GET", p.url+"/api/movies/"+movie.ID+"/video", "", nil, &video))
	require.Contains(t, []string{"uploaded", "processing", "ready"}, video.State, "error: %s", video.Error)
	states, err := filepath.Glob(filepath.Join(strings.TrimPrefix(cache[0], "XDG_CACHE_HOME="), "marquee", "uploads", "*"))
	require.NoError(t, err)
	require.Empty(t, states, "a finished upload leaves no state file")

	// The answer to the PATCH that brought the last bytes is lost (a proxy
	// answers 502 instead): the command fails and says to run it again,
	// which then sends nothing and says the file is already uploaded.
	clipInfo, err := os.Stat(clip)
	require.NoError(t, err)
	size := strconv.FormatInt(clipInfo.Size(), 10)
	target, err := url.Parse(p.url)
	require.NoError(t, err)
	var creations, patchedBytes atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	proxy.ModifyResponse = func(res *http.Response) error {
		switch {
		case res.Request.Method == http.MethodPost && strings.HasSuffix(res.Request.URL.Path, "/uploads"):
			creations.Add(1)
		case res.Request.Method == http.MethodPatch:
			patchedBytes.Add(res.Request.ContentLength)
			if res.StatusCode == http.StatusNoContent && res.Header.Get("Upload-Offset") == size {
				return errors.New("the answer is lost on the way")
			}
		}
		return nil
	}
	lossy := httptest.NewServer(proxy)
	t.Cleanup(lossy.Close)
	again := func() (string, string, error) {
		cmd := exec.Command(binary, "upload", "--server", lossy.URL, "--movie", movie.ID, "--email", email, "--password", password, clip)
		cmd.Env = append(os.Environ(), cache...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	stdout, stderr, err = again()
	require.Error(t, err, "stdout: %s\nstderr: %s", stdout, stderr)
	require.Contains(t, stderr, "run again")
	require.Equal(t, int64(1), creations.Load())
	require.Equal(t, clipInfo.Size(), patchedBytes.Load())

	stdout, stderr, err = again()
	require.NoError(t, err, "stdout: %s\nstderr: %s", stdout, stderr)
	require.Contains(t, stdout, "already uploaded")
	require.Equal(t, int64(1), creations.Load(), "no new upload")
	require.Equal(t, clipInfo.Size(), patchedBytes.Load(), "no byte sent again")
	states, err = filepath.Glob(filepath.Join(strings.TrimPrefix(cache[0], "XDG_CACHE_HOME="), "marquee", "uploads", "*"))
	require.NoError(t, err)
	require.Empty(t, states, "the upload is done: its state file goes")
}
