package stream

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media/storage"
	"github.com/marquee-dev/marquee/internal/media/transcode"
)

// streamServer serves /stream over a real local storage holding a video
// with 360p, 720p and 1080p renditions; it returns the server, the gate and the video id.
func streamServer(t *testing.T) (*httptest.Server, *Gate, uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	files, err := storage.Open(ctx, "", t.TempDir())
	require.NoError(t, err)
	video := uuid.New()
	prefix := "videos/" + video.String() + "/"
	var rungs []transcode.Rendition
	for _, h := range []int{360, 720, 1080} {
		name := strconv.Itoa(h) + "p"
		rungs = append(rungs, transcode.Rendition{Name: name, Width: h * 16 / 9, Height: h, Bandwidth: h * 1000, AverageBandwidth: h * 900, Codecs: "avc1.640028,mp4a.40.2"})
		put(t, files, prefix+name+"/index.m3u8", "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n")
		put(t, files, prefix+name+"/init.mp4", "init "+name)
		put(t, files, prefix+name+"/seg_00001.m4s", "segment 1 of "+name)
	}
	put(t, files, prefix+"master.m3u8", string(transcode.MasterPlaylist(rungs)))
	put(t, files, prefix+"storyboard.jpg", "sprite")
	put(t, files, "sources/"+video.String(), "the uploaded original")

	ring, err := NewRing(newKey(t))
	require.NoError(t, err)
	gate := NewGate(ring, time.Hour)
	h := NewHandler(gate, files, func(_ context.Context, id uuid.UUID) (string, error) { return "videos/" + id.String() + "/", nil })
	mux := http.NewServeMux()
	mux.Handle(TopPattern, h)
	mux.Handle(RenditionPattern, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, gate, video
}

func put(t *testing.T, files storage.Storage, key, body string) {
	t.Helper()
	require.NoError(t, files.Put(context.Background(), key, strings.NewReader(body), int64(len(body)), ""))
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestStreamServesThePlansRenditions(t *testing.T) {
	t.Parallel()
	srv, gate, video := streamServer(t)
	claims := sampleClaims()
	claims.VideoID, claims.MaxHeight = video, 720
	base := srv.URL + "/stream/" + gate.Ring().Sign(claims) + "/"

	resp, master := get(t, base+MasterName)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/vnd.apple.mpegurl", resp.Header.Get("Content-Type"))
	require.Equal(t, playlistCache, resp.Header.Get("Cache-Control"))
	require.Contains(t, master, "360p/index.m3u8")
	require.Contains(t, master, "720p/index.m3u8")
	require.NotContains(t, master, "1080", "nothing above the plan's height")

	// the playlists' relative URLs resolve under the token prefix
	resp, playlist := get(t, base+"720p/index.m3u8")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, playlistCache, resp.Header.Get("Cache-Control"))
	require.Contains(t, playlist, "seg_00001.m4s")
	resp, seg := get(t, base+"720p/seg_00001.m4s")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "segment 1 of 720p", seg)
	require.Equal(t, immutableCache, resp.Header.Get("Cache-Control"))
	resp, part := get(t, base+"720p/seg_00001.m4s", "Range", "bytes=0-6")
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	require.Equal(t, "segment", part)
	resp, init := get(t, base+"360p/init.mp4")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "init 360p", init)
	resp, _ = get(t, base+"storyboard.jpg")
	require.Equal(t, 200, resp.StatusCode)

	for path, want := range map[string]int{
		"1080p/seg_00001.m4s":                   403, // above the plan
		"1080p/index.m3u8":                      403,
		"360p/missing.m4s":                      404,
		"..%2F..%2Fsources%2F" + video.String(): 403,
		"360p/..%2Findex.m3u8":                  403,
		"0360p/index.m3u8":                      403,
		"360p/.hidden.m4s":                      403,
		"360p/notes.txt":                        403,
		"seg_00001.m4s":                         403, // media only inside rendition folders
		"360p%2Fseg_00001.m4s":                  403,
	} {
		resp, body := get(t, base+path)
		require.Equal(t, want, resp.StatusCode, path)
		if want == 403 {
			require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), path)
			require.NotContains(t, body, "segment", path)
		}
	}
}

func TestStreamRefusesBadTokens(t *testing.T) {
	t.Parallel()
	srv, gate, video := streamServer(t)
	good := sampleClaims()
	good.VideoID = video
	token := gate.Ring().Sign(good)
	expired := good
	expired.Expires = time.Now().Add(-time.Second)
	revoked := sampleClaims()
	revoked.VideoID = video
	revokedToken := gate.Ring().Sign(revoked)
	gate.RevokeSession(revoked.SessionID.String(), time.Now())
	tampered := []byte(token)
	tampered[60] ^= 1

	resp, _ := get(t, srv.URL+"/stream/"+token+"/360p/seg_00001.m4s")
	require.Equal(t, 200, resp.StatusCode)
	for name, tok := range map[string]string{
		"garbage":  "not-a-token",
		"tampered": string(tampered),
		"expired":  gate.Ring().Sign(expired),
		"revoked":  revokedToken,
	} {
		resp, body := get(t, srv.URL+"/stream/"+tok+"/360p/seg_00001.m4s")
		require.Equal(t, 403, resp.StatusCode, name)
		require.Contains(t, body, `"status":403`, name)
	}
}
