package main_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media/mediaapi"
	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
)

// A process killed with -9 in the middle of a transcode: started again on
// the same data dir, it takes the job again (after the ack wait) and the
// video ends ready with its whole ladder; the renditions published before
// the kill are not published twice.
func TestKillMidTranscodeTheJobFinishesAfterARestart(t *testing.T) {
	t.Parallel()
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	require.NoError(t, transcode.MakeDemoClip(context.Background(), clip, 12*time.Second, 480))
	body, err := os.ReadFile(clip)
	require.NoError(t, err)

	nats := eventstest.StartServer(t)
	env := []string{"MARQUEE_NATS_URL=" + nats.URL}
	dir := t.TempDir()
	p, _ := serveEnv(t, dir, env)
	const password = "kill nine media pass"
	cmd := exec.Command(binary, "admin", "create", "--email", "root@example.com", "--password", password)
	cmd.Env = append(os.Environ(), "MARQUEE_DATA_DIR="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.Equal(t, 200, jsonCall(t, "POST", p.url+"/api/auth/login", "", map[string]string{"email": "root@example.com", "password": password}, &tok))
	admin := tok.AccessToken
	var m struct{ ID string }
	require.Equal(t, 201, jsonCall(t, "POST", p.url+"/api/movies", admin, map[string]any{"title": "Killed mid-transcode"}, &m))
	require.Eventually(t, func() bool { return jsonCall(t, "GET", p.url+"/api/movies/"+m.ID+"/video", "", nil, nil) == 200 }, 30*time.Second, 20*time.Millisecond)

	// the upload, in one PATCH larger than the 1 MiB JSON body limit (tus bytes are exempt)
	tusUpload(t, http.DefaultClient, p.url, admin, m.ID, body)

	video := func(url string) mediaapi.Video {
		var v mediaapi.Video
		require.Equal(t, 200, jsonCall(t, "GET", url+"/api/movies/"+m.ID+"/video", "", nil, &v))
		return v
	}
	// kill -9 once ffmpeg is under way
	var before mediaapi.Video
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the transcode never showed progress: %+v", before)
		before = video(p.url)
		require.NotEqual(t, mediaapi.StateFailed, before.State, "%+v", before)
		if before.State == mediaapi.StateProcessing && before.Progress > 0 {
			break
		}
	}
	require.NoError(t, p.cmd.Process.Kill())
	<-p.done
	t.Logf("killed at state %s, progress %.2f", before.State, before.Progress)

	p, _ = serveEnv(t, dir, env)
	var after mediaapi.Video
	for deadline := time.Now().Add(4 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the job did not finish after the restart: %+v\n%s", after, p.out.String())
		after = video(p.url)
		require.NotEqual(t, mediaapi.StateFailed, after.State, "%+v", after)
		if after.State == mediaapi.StateReady && after.Progress == 1 {
			break
		}
	}
	require.Nil(t, after.Error)
	heights := []int{}
	for _, r := range after.Renditions {
		heights = append(heights, r.Height)
	}
	require.Equal(t, []int{360, 480}, heights)
	require.NotNil(t, after.PosterURL)

	// the video's events: each step published once (a step is recorded with its event)
	ready := map[string]int{}
	for _, e := range videoEvents(t, nats.URL, *after.ID) {
		ready[e.key]++
	}
	require.Equal(t, 1, ready["ready 1 false"], "%v", ready)
	require.Equal(t, 1, ready["ready 2 true"], "%v", ready)
	require.Equal(t, 1, ready["uploaded 0 false"], "%v", ready)
}

type videoEvent struct{ key string }

// videoEvents reads the MEDIA stream's events of one video: "type renditions complete".
func videoEvents(t *testing.T, url, videoID string) []videoEvent {
	t.Helper()
	nc, err := nats.Connect(url)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "MEDIA", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"media.video.>"}})
	require.NoError(t, err)
	var out []videoEvent
	for {
		msg, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			return out
		}
		var env events.Envelope
		require.NoError(t, json.Unmarshal(msg.Data(), &env))
		var v mediaapi.VideoEvent
		require.NoError(t, env.Decode(&v))
		if v.ID == videoID {
			out = append(out, videoEvent{strings.TrimPrefix(msg.Subject(), "media.video.") + " " + strconv.Itoa(len(v.Renditions)) + " " + strconv.FormatBool(v.Complete)})
		}
	}
}

// tusUpload uploads body as the movie's video in one PATCH, as an administrator.
func tusUpload(t *testing.T, client *http.Client, base, admin, movieID string, body []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/movies/"+movieID+"/uploads", nil)
	require.NoError(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Upload-Length", strconv.Itoa(len(body)))
	req.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte("clip.mp4")))
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	loc := resp.Header.Get("Location")
	req, err = http.NewRequest("PATCH", base+loc[strings.Index(loc, "/api/uploads/"):], bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 204, resp.StatusCode)
}
