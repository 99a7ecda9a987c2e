package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/media"
	"github.com/marquee-dev/marquee/internal/media/mediaapi"
	"github.com/marquee-dev/marquee/internal/media/storage"
	"github.com/marquee-dev/marquee/internal/media/storage/storagetest"
	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// clips are the test clips, made once per test binary (ffmpeg is slow on CI's two cores).
var clips sync.Map

// testClip is a path to a short clip of ffmpeg's test picture with a tone at height lines.
func testClip(t *testing.T, length time.Duration, height int) string {
	t.Helper()
	key := length.String() + "/" + strconv.Itoa(height)
	if p, ok := clips.Load(key); ok {
		return p.(string)
	}
	dir, err := os.MkdirTemp("", "marquee-clip-")
	require.NoError(t, err)
	path := filepath.Join(dir, "clip.mp4")
	require.NoError(t, transcode.MakeDemoClip(context.Background(), path, length, height))
	clips.Store(key, path)
	return path
}

// newMovie creates a movie as an admin and waits until media knows it.
func (p *platform) newMovie(t *testing.T, admin, title string) string {
	t.Helper()
	var m movie
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{"title": title}, &m))
	p.eventually(t, 200, "GET", "/api/movies/"+m.ID+"/video", "", nil, nil)
	return m.ID
}

// upload sends file to the movie through the tus routes, in two PATCHes.
func (p *platform) upload(t *testing.T, admin, movieID, file string) {
	t.Helper()
	body, err := os.ReadFile(file)
	require.NoError(t, err)
	send := func(method, url string, headers map[string]string, b []byte) *http.Response {
		req, err := http.NewRequest(method, url, bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer "+admin)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp
	}
	created := send("POST", p.url+"/api/movies/"+movieID+"/uploads", map[string]string{
		"Upload-Length":   strconv.Itoa(len(body)),
		"Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte(filepath.Base(file))),
	}, nil)
	require.Equal(t, 201, created.StatusCode)
	loc := created.Header.Get("Location")
	url := p.url + loc[strings.Index(loc, "/api/uploads/"):]
	half := len(body) / 2
	for _, part := range [][2]int{{0, half}, {half, len(body)}} {
		resp := send("PATCH", url, map[string]string{"Content-Type": "application/offset+octet-stream",
			"Upload-Offset": strconv.Itoa(part[0])}, body[part[0]:part[1]])
		require.Equal(t, 204, resp.StatusCode)
	}
}

// video reads GET /api/movies/{id}/video.
func (p *platform) video(t *testing.T, movieID string) mediaapi.Video {
	t.Helper()
	var v mediaapi.Video
	require.Equal(t, 200, p.call(t, "GET", "/api/movies/"+movieID+"/video", "", nil, &v))
	return v
}

// waitComplete polls the movie's video until its whole job is done (or it
// failed) and answers every state seen on the way, the last one last.
func (p *platform) waitComplete(t *testing.T, movieID string, within time.Duration) []mediaapi.Video {
	t.Helper()
	var seen []mediaapi.Video
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		v := p.video(t, movieID)
		seen = append(seen, v)
		if v.State == mediaapi.StateFailed || v.State == mediaapi.StateReady && v.Progress == 1 {
			return seen
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the video of %s did not finish within %s; last: %+v", movieID, within, seen[len(seen)-1])
	return nil
}

// checkLadder asserts a finished video of a source height lines high: every
// rung from 360p up to the source, the pictures, and a master playlist
// listing the renditions, in the media storage (s3URL, or the data dir's).
func checkLadder(t *testing.T, s3URL, dataDir string, v mediaapi.Video, heights ...int) {
	t.Helper()
	require.Equal(t, mediaapi.StateReady, v.State, "error: %v", v.Error)
	require.Nil(t, v.Error)
	got := make([]int, len(v.Renditions))
	for i, r := range v.Renditions {
		got[i] = r.Height
		require.Positive(t, r.Bandwidth)
		require.Contains(t, r.Codecs, "avc1")
	}
	require.Equal(t, heights, got)
	require.NotNil(t, v.PosterURL)
	require.NotNil(t, v.ThumbnailsURL)

	files, err := storage.Open(context.Background(), s3URL, dataDir)
	require.NoError(t, err)
	master, err := files.Read(context.Background(), "videos/"+*v.ID+"/master.m3u8")
	require.NoError(t, err)
	require.Equal(t, len(heights), strings.Count(string(master), "#EXT-X-STREAM-INF"), string(master))
	for _, h := range heights {
		name := strconv.Itoa(h) + "p"
		require.Contains(t, string(master), name+"/", string(master))
		playlist, err := files.Read(context.Background(), "videos/"+*v.ID+"/"+name+"/index.m3u8")
		require.NoError(t, err, name)
		require.Contains(t, string(playlist), "#EXT-X-ENDLIST")
		require.Contains(t, string(playlist), "#EXT-X-MAP")
	}
	vtt, err := files.Read(context.Background(), "videos/"+*v.ID+"/thumbnails.vtt")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(vtt), "WEBVTT"))
}

// The whole pipeline through a running platform on each engine, and on
// each kind of storage (local files with SQLite, S3 on a real server that
// checks signatures with PostgreSQL): an admin uploads a clip through tus,
// the job (a JetStream work queue) makes 360p first (ready, progress between
// 0 and 1), then the ladder up to the source's height, the poster and the
// storyboard; a subscriber plays it through /stream (master, media playlist,
// init segment, a segment); a file that is not a video fails with its reason.
func TestUploadTranscodesToALadder(t *testing.T) {
	t.Parallel()
	clip := testClip(t, 5*time.Second, 480)
	for _, engine := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			dataDir := t.TempDir()
			env := map[string]string{"MARQUEE_DATA_DIR": dataDir}
			s3URL := ""
			if engine == sqldb.Postgres {
				env["MARQUEE_DATABASE_URL"] = postgresURL(t)
				s3URL = storagetest.S3URL(t)
				env["MARQUEE_S3_URL"] = s3URL
			}
			p := start(t, env)
			admin := p.admin(t)
			movieID := p.newMovie(t, admin, "Pipeline "+string(engine))
			require.Equal(t, mediaapi.StateNone, p.video(t, movieID).State)

			p.upload(t, admin, movieID, clip)
			seen := p.waitComplete(t, movieID, 5*time.Minute)
			last := seen[len(seen)-1]
			checkLadder(t, s3URL, dataDir, last, 360, 480)
			if s3URL != "" {
				_, err := os.Stat(filepath.Join(dataDir, "media"))
				require.ErrorIs(t, err, os.ErrNotExist, "with S3 nothing of the video is kept in the data dir")
			}

			// 360p alone was ready (and said so) before the rest of the ladder
			sawFirst, sawPartial := false, false
			for _, v := range seen {
				if v.State == mediaapi.StateReady && len(v.Renditions) == 1 {
					sawFirst = true
					require.Equal(t, 360, v.Renditions[0].Height)
				}
				if v.Progress > 0 && v.Progress < 1 {
					sawPartial = true
				}
			}
			require.True(t, sawFirst, "360p was never ready alone: %+v", seen)
			require.True(t, sawPartial, "no progress between 0 and 1 was shown")

			// a subscriber watches it through /stream
			viewer := p.user(t)
			p.subscribe(t, viewer, "standard")
			p.streamFirstSegment(t, viewer, movieID, 360, 480)

			// a poster is served
			resp, err := http.Get(p.url + *last.PosterURL)
			require.NoError(t, err)
			_ = resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode)
			require.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))

			// a file that is not a video fails with the reason
			bad := filepath.Join(t.TempDir(), "notes.mp4")
			require.NoError(t, os.WriteFile(bad, bytes.Repeat([]byte("not a film\n"), 500), 0o644))
			badMovie := p.newMovie(t, admin, "Not a film "+string(engine))
			p.upload(t, admin, badMovie, bad)
			failed := p.video(t, badMovie)
			require.Equal(t, mediaapi.StateFailed, failed.State)
			require.NotNil(t, failed.Error)
			require.NotEmpty(t, *failed.Error)
		})
	}
}

// The demo video is made once and the demo movies play the same video:
// attaching again (a restart) makes no second video or job, and a movie
// attached after the video is ready plays it at once.
func TestDemoVideoIsSharedAndAttachedOnce(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	// a short clip in place of the 90 s one (the clip is made only when absent)
	clip, err := os.ReadFile(testClip(t, 2*time.Second, 360))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dataDir, "demo"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "demo", "demo-video.mp4"), clip, 0o644))
	p := start(t, map[string]string{"MARQUEE_DATA_DIR": dataDir})
	svc, ok := app.Lookup[*media.Service](p.app)
	require.True(t, ok)
	admin := p.admin(t)
	first := []string{p.newMovie(t, admin, "Demo one"), p.newMovie(t, admin, "Demo two"), p.newMovie(t, admin, "Demo three")}

	ctx := context.Background()
	require.NoError(t, svc.AttachDemoVideo(ctx, first))
	require.NoError(t, svc.AttachDemoVideo(ctx, first)) // a restart
	var videoID string
	for _, id := range first {
		seen := p.waitComplete(t, id, 3*time.Minute)
		last := seen[len(seen)-1]
		require.Equal(t, mediaapi.StateReady, last.State, "%+v", last)
		require.Len(t, last.Renditions, 1)
		require.Equal(t, 360, last.Renditions[0].Height)
		if videoID == "" {
			videoID = *last.ID
		}
		require.Equal(t, videoID, *last.ID, "every demo movie plays the same video")
	}
	late := p.newMovie(t, admin, "Demo four")
	require.NoError(t, svc.AttachDemoVideo(ctx, append(first, late)))
	v := p.video(t, late)
	require.Equal(t, mediaapi.StateReady, v.State)
	require.Equal(t, videoID, *v.ID)

	// the restart attached nothing: three movies, then the late one
	logs := p.logs.String()
	require.Equal(t, 2, strings.Count(logs, `"msg":"demo video attached"`), logs)
	require.Equal(t, 1, strings.Count(logs, `"movies":3`), logs)
}

// An upload's PATCH through the whole HTTP stack and tusd, with a read
// timeout of 1 s: bytes that trickle in for several seconds are all taken;
// a PATCH that stalls is cut about a read timeout later, the server keeps
// what arrived, and the upload resumes from there.
func TestASlowUploadKeepsGoingAndAStalledOneResumes(t *testing.T) {
	t.Parallel()
	const readTimeout = time.Second
	p := start(t, map[string]string{"MARQUEE_HTTP_READ_TIMEOUT": readTimeout.String()})
	admin := p.admin(t)
	movieID := p.newMovie(t, admin, "Slow link")
	const piece, total = 1000, 30_000
	req, err := http.NewRequest("POST", p.url+"/api/movies/"+movieID+"/uploads", nil)
	require.NoError(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Upload-Length", strconv.Itoa(total))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	loc := resp.Header.Get("Location")
	uploadURL := p.url + loc[strings.Index(loc, "/api/uploads/"):]

	// patch sends pieces from offset with gap between them; after stallAfter
	// pieces it sends nothing more until the answer comes. It returns the
	// status (0: the connection was cut) and how long the PATCH took.
	patch := func(offset, pieces, stallAfter int, gap time.Duration) (int, time.Duration) {
		req, err := http.NewRequest("PATCH", uploadURL, nil)
		require.NoError(t, err)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Upload-Offset", strconv.Itoa(offset))
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		status, _, took := servicetest.SendTrickling(t, req, servicetest.Trickle{Pieces: pieces, PieceSize: piece, Gap: gap, StallAfter: stallAfter})
		return status, took
	}
	offset := func() int {
		req, err := http.NewRequest("HEAD", uploadURL, nil)
		require.NoError(t, err)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		n, err := strconv.Atoi(resp.Header.Get("Upload-Offset"))
		require.NoError(t, err)
		return n
	}

	// 10 pieces, 300 ms apart: 3 s of one PATCH, three read timeouts
	status, took := patch(0, 10, -1, 300*time.Millisecond)
	require.Equal(t, 204, status)
	require.Greater(t, took, 2*readTimeout)
	require.Equal(t, 10*piece, offset())

	// 5 pieces, then silence: cut about one read timeout after the last byte
	status, took = patch(10*piece, 10, 5, 50*time.Millisecond)
	require.NotEqual(t, 204, status)
	require.Less(t, took, 5*50*time.Millisecond+3*readTimeout, "the stalled PATCH was not cut in time")
	kept := offset()
	require.Equal(t, 15*piece, kept, "what arrived before the stall is kept")
	t.Logf("stalled PATCH cut after %v (status %d); the upload resumes at %d", took.Round(time.Millisecond), status, kept)

	// the upload resumes from there and completes
	status, _ = patch(kept, (total-kept)/piece, -1, 0)
	require.Equal(t, 204, status)
	// all of it arrived and was probed (as x's, not a video: failed with the reason)
	v := p.video(t, movieID)
	require.Equal(t, mediaapi.StateFailed, v.State)
	require.NotNil(t, v.Error)
}

// subscribe makes the user a subscriber of the plan (by its slug) through
// the sandbox's checkout, and waits until the subscription shows.
func (p *platform) subscribe(t *testing.T, user, planSlug string) {
	t.Helper()
	var plans struct {
		Items []struct{ ID, Slug string }
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/plans", "", nil, &plans))
	planID := ""
	for _, pl := range plans.Items {
		if pl.Slug == planSlug {
			planID = pl.ID
		}
	}
	require.NotEmpty(t, planID, "no plan %s", planSlug)
	var checkout struct {
		CheckoutURL string `json:"checkout_url"`
	}
	require.Equal(t, 201, p.call(t, "POST", "/api/orders", user, map[string]any{"plan_id": planID}, &checkout))
	req, err := http.NewRequest("POST", p.url+checkout.CheckoutURL+"/pay", nil)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	p.eventually(t, 200, "GET", "/api/subscription", user, nil, nil)
}

// streamFirstSegment plays the movie as the user and fetches through
// /stream what a player fetches first: the master playlist (listing the
// given heights), the first rendition's playlist, its init segment and its
// first segment.
func (p *platform) streamFirstSegment(t *testing.T, user, movieID string, heights ...int) {
	t.Helper()
	var play struct {
		ManifestURL string `json:"manifest_url"`
	}
	p.eventually(t, 201, "POST", "/api/movies/"+movieID+"/play", user, nil, &play) // the movie joins the plans by an event
	get := func(url string) []byte {
		// a stale access cookie rides along, as from a browser signed in
		// before a restart: stream routes are public and never read it
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: httpx.AccessCookie, Value: "x.y.z"})
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, "%s: %s", url, body)
		require.Empty(t, resp.Header.Values("Set-Cookie"), "%s: the cookie was not read, so not expired either", url)
		require.NotEmpty(t, body, url)
		return body
	}
	base := p.url + play.ManifestURL[:strings.LastIndex(play.ManifestURL, "/")+1]
	master := string(get(p.url + play.ManifestURL))
	var renditions []string
	for line := range strings.Lines(master) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			renditions = append(renditions, line)
		}
	}
	require.Len(t, renditions, len(heights), master)
	for i, h := range heights {
		require.True(t, strings.HasPrefix(renditions[i], strconv.Itoa(h)+"p/"), master)
	}
	dir := base + renditions[0][:strings.LastIndex(renditions[0], "/")+1]
	playlist := string(get(base + renditions[0]))
	_, initURI, ok := strings.Cut(playlist, `#EXT-X-MAP:URI="`)
	require.True(t, ok, playlist)
	initURI, _, _ = strings.Cut(initURI, `"`)
	get(dir + initURI)
	for line := range strings.Lines(playlist) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			get(dir + line)
			return
		}
	}
	t.Fatalf("no segment in %s", playlist)
}
