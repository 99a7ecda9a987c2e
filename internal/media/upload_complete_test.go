package media_test

import (
	"context"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media"
	"github.com/marquee-dev/marquee/internal/media/mediaapi"
	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/media/transcode/transcodetest"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

var (
	uploadClipOnce sync.Once
	uploadClip     []byte
	uploadClipErr  error
)

// playableClip is a short real video (ffmpeg's test source), made once.
func playableClip(t *testing.T) []byte {
	t.Helper()
	transcodetest.RequireFFmpeg(t)
	uploadClipOnce.Do(func() {
		dir, err := os.MkdirTemp("", "upload-test-")
		if err != nil {
			uploadClipErr = err
			return
		}
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "clip.mp4")
		if uploadClipErr = transcode.MakeDemoClip(context.Background(), p, 2*time.Second, 240); uploadClipErr == nil {
			uploadClip, uploadClipErr = os.ReadFile(p)
		}
	})
	require.NoError(t, uploadClipErr)
	return uploadClip
}

// createUpload starts a tus upload of size bytes for the movie and returns its URL and id.
func (e *env) createUpload(admin, movieID string, size int) (string, string) {
	created := e.tus("POST", e.srv.URL+"/api/movies/"+movieID+"/uploads", admin, map[string]string{"Upload-Length": strconv.Itoa(size)}, nil)
	require.Equal(e.t, 201, created.StatusCode)
	loc := created.Header.Get("Location")
	return e.srv.URL + loc[strings.Index(loc, "/api/uploads/"):], path.Base(loc)
}

func (e *env) patchAt(admin, uploadURL string, offset int, part []byte) *http.Response {
	return e.tus("PATCH", uploadURL, admin, map[string]string{"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream"}, part)
}

// requireCompletedOnce checks that the upload made one video, one transcode
// job (the media.video.uploaded event is the job) and one source in Storage.
func (e *env) requireCompletedOnce(uploadID string) {
	t := e.t
	var videos int
	require.NoError(t, e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM videos WHERE upload_id = ?`, uploadID).Scan(&videos))
	require.Equal(t, 1, videos, "one video per upload")
	jobs := 0
	for _, ev := range servicetest.OutboxEvents(t, e.db) {
		if ev.Type == mediaapi.VideoUploaded {
			jobs++
		}
	}
	require.Equal(t, 1, jobs, "one media.video.uploaded event (the transcode job)")
	sources, err := filepath.Glob(filepath.Join(e.dataDir, "media", "sources", "*"))
	require.NoError(t, err)
	require.Len(t, sources, 1, "one source in Storage")
	var state string
	require.NoError(t, e.db.QueryRowContext(context.Background(), `SELECT state FROM uploads WHERE id = ?`, uploadID).Scan(&state))
	require.Equal(t, "completed", state)
}

// requireFullOffset checks that HEAD answers a complete upload as tus says:
// the offset is the length.
func (e *env) requireFullOffset(admin, uploadURL string, size int) {
	head := e.tus("HEAD", uploadURL, admin, nil, nil)
	require.Equal(e.t, 200, head.StatusCode)
	require.Equal(e.t, strconv.Itoa(size), head.Header.Get("Upload-Offset"))
	require.Equal(e.t, strconv.Itoa(size), head.Header.Get("Upload-Length"))
}

// HEADs arriving while the PATCH that brought the last bytes completes the
// upload (the client went away and asks where it stands) neither complete
// it a second time nor lose it: one video, one job, and HEAD then answers
// the full offset.
func TestUploadIsCompletedOnceWhileHeadsRaceItsLastPatch(t *testing.T) {
	t.Parallel()
	clip := playableClip(t)
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		movieID := e.addMovie()
		admin := e.minter.Admin(t)
		uploadURL, uploadID := e.createUpload(admin, movieID, len(clip))

		patched := make(chan int, 1)
		go func() { patched <- e.patchAt(admin, uploadURL, 0, clip).StatusCode }()
		var heads sync.WaitGroup
		var lost atomic.Int64
		stop := make(chan struct{})
		for range 4 {
			heads.Add(1)
			go func() {
				defer heads.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if code := e.tus("HEAD", uploadURL, admin, nil, nil).StatusCode; code == 404 || code == 410 {
						lost.Add(1)
					}
				}
			}()
		}
		require.Equal(t, 204, <-patched)
		close(stop)
		heads.Wait()
		require.Zero(t, lost.Load(), "no HEAD found the upload gone")

		e.requireFullOffset(admin, uploadURL, len(clip))
		e.requireCompletedOnce(uploadID)
		var v mediaapi.Video
		servicetest.Send(t, http.DefaultClient, servicetest.NewRequest(t, context.Background(), "GET", e.srv.URL+"/api/movies/"+movieID+"/video", "", nil)).Decode(t, &v)
		require.Equal(t, mediaapi.StateUploaded, v.State, "the playable file is not refused")
	})
}

// An upload whose bytes all arrived but whose completion never ran (the
// process died in between) is completed by the next HEAD: of many HEADs at
// once, one completes it and every one answers the full offset.
func TestConcurrentHeadsCompleteAReceivedUploadOnce(t *testing.T) {
	t.Parallel()
	clip := playableClip(t)
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		movieID := e.addMovie()
		admin := e.minter.Admin(t)
		uploadURL, uploadID := e.createUpload(admin, movieID, len(clip))
		// the bytes as tusd's file store keeps them, as a PATCH cut before its completion leaves them
		require.NoError(t, os.WriteFile(filepath.Join(e.dataDir, "uploads", uploadID), clip, 0o600))

		codes := make([]*http.Response, 8)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Add(1)
			go func() { defer wg.Done(); codes[i] = e.tus("HEAD", uploadURL, admin, nil, nil) }()
		}
		wg.Wait()
		for _, res := range codes {
			require.Equal(t, 200, res.StatusCode)
			require.Equal(t, strconv.Itoa(len(clip)), res.Header.Get("Upload-Offset"))
		}
		e.requireCompletedOnce(uploadID)

		// a complete upload: a PATCH at its end changes nothing, any other offset conflicts, DELETE too
		done := e.patchAt(admin, uploadURL, len(clip), nil)
		require.Equal(t, 204, done.StatusCode)
		require.Equal(t, strconv.Itoa(len(clip)), done.Header.Get("Upload-Offset"))
		require.Equal(t, 409, e.patchAt(admin, uploadURL, 0, clip[:10]).StatusCode)
		require.Equal(t, 409, e.tus("DELETE", uploadURL, admin, nil, nil).StatusCode)
		e.requireCompletedOnce(uploadID)
	})
}

// An unfinished upload that received nothing for MARQUEE_UPLOAD_EXPIRY
// (24 h) is swept: its row and its bytes go; a recent one stays.
func TestUnfinishedUploadsExpire(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		var clock atomic.Pointer[time.Time]
		start := time.Now()
		clock.Store(&start)
		e := newEnv(t, db, media.WithClock(func() time.Time { return *clock.Load() }))
		movieID := e.addMovie()
		admin := e.minter.Admin(t)
		file := []byte(strings.Repeat("partial bytes\n", 100))

		staleURL, staleID := e.createUpload(admin, movieID, len(file))
		require.Equal(t, 204, e.patchAt(admin, staleURL, 0, file[:len(file)/2]).StatusCode)
		bytesFile := filepath.Join(e.dataDir, "uploads", staleID)
		require.FileExists(t, bytesFile)
		// bytes whose row another process's sweep deleted (uploads folders not shared)
		orphanURL, orphanID := e.createUpload(admin, movieID, len(file))
		require.Equal(t, 204, e.patchAt(admin, orphanURL, 0, file[:10]).StatusCode)
		_, err := db.ExecContext(context.Background(), `DELETE FROM uploads WHERE id = ?`, orphanID)
		require.NoError(t, err)
		orphanFile := filepath.Join(e.dataDir, "uploads", orphanID)
		require.FileExists(t, orphanFile)

		later := start.Add(23 * time.Hour)
		clock.Store(&later)
		n, err := e.svc.ExpireUploads(context.Background())
		require.NoError(t, err)
		require.Zero(t, n, "23 h untouched is not yet expired")
		freshURL, _ := e.createUpload(admin, movieID, len(file))

		past := start.Add(25 * time.Hour)
		clock.Store(&past)
		n, err = e.svc.ExpireUploads(context.Background())
		require.NoError(t, err)
		require.Equal(t, 2, n, "the stale upload and the orphaned bytes")
		require.NoFileExists(t, orphanFile)
		require.NoFileExists(t, orphanFile+".info")
		require.Equal(t, 404, e.tus("HEAD", staleURL, admin, nil, nil).StatusCode)
		require.NoFileExists(t, bytesFile)
		require.NoFileExists(t, bytesFile+".info")
		var rows int
		require.NoError(t, db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM uploads WHERE id = ?`, staleID).Scan(&rows))
		require.Zero(t, rows)

		head := e.tus("HEAD", freshURL, admin, nil, nil)
		require.Equal(t, 200, head.StatusCode, "the recent upload stays")
		require.Equal(t, "0", head.Header.Get("Upload-Offset"))
	})
}
