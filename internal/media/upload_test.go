package media_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/media"
	"github.com/marquee-dev/marquee/internal/media/mediaapi"
	"github.com/marquee-dev/marquee/internal/media/storage"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

type env struct {
	t        *testing.T
	db       *sqldb.DB
	svc      *media.Service
	dataDir  string
	srv      *httptest.Server
	minter   *authtest.Minter
	handlers map[string]events.Handler
}

func newEnv(t *testing.T, db *sqldb.DB, opts ...media.Option) *env {
	ctx := context.Background()
	require.NoError(t, kit.Migrate(ctx, db, media.Module))
	cfg := config.Config{DataDir: t.TempDir(), UploadMaxBytes: 64 << 20, TranscodeConcurrency: 1}
	files, err := storage.Open(context.Background(), "", cfg.DataDir)
	require.NoError(t, err)
	svc, err := media.New(db, events.NewOutbox(db), nil, files, cfg, servicetest.Logger(t), opts...)
	require.NoError(t, err)
	minter := authtest.New(t)
	rt := httpx.NewRouter(minter.Verifier())
	svc.Routes(rt)
	require.NoError(t, rt.ValidateRequests(media.OpenAPI))
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	handlers := servicetest.HandlersByConsumer(svc.Subscriptions())
	return &env{t: t, db: db, svc: svc, dataDir: cfg.DataDir, srv: srv, minter: minter, handlers: handlers}
}

// addMovie adds a movie, as the catalog's event announces it, and returns its id.
func (e *env) addMovie() string {
	id := uuid.NewString()
	now := time.Now().UTC()
	ev := servicetest.NewEnvelope(e.t, catalogapi.Source, catalogapi.MovieCreated, id, catalogapi.MovieEvent(catalogapi.Movie{ID: id, Title: "Upload test", Version: 1, CreatedAt: now, UpdatedAt: now}))
	require.NoError(e.t, servicetest.Apply(e.t, context.Background(), e.db, e.handlers, media.ConsumerMovies, ev))
	return id
}

func (e *env) tus(method, url, token string, headers map[string]string, body []byte) *http.Response {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode >= 400 {
		e.t.Logf("%s %s → %d %s", method, url, resp.StatusCode, b)
	}
	_ = resp.Body.Close()
	return resp
}

// An upload interrupted half-way resumes from the offset HEAD answers; a
// finished file that is not a video makes the video failed with the reason,
// and nothing is published.
func TestUploadResumesAndANonVideoFailsWithItsReason(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		movieID := e.addMovie()
		admin := e.minter.Admin(t)
		file := bytes.Repeat([]byte("not a video at all\n"), 1000)

		// a user may not upload; an unknown movie is a 404
		require.Equal(t, 403, e.tus("POST", e.srv.URL+"/api/movies/"+movieID+"/uploads", e.minter.User(t), map[string]string{"Upload-Length": "10"}, nil).StatusCode)
		require.Equal(t, 404, e.tus("POST", e.srv.URL+"/api/movies/"+uuid.NewString()+"/uploads", admin, map[string]string{"Upload-Length": "10"}, nil).StatusCode)
		// over the size limit
		require.Equal(t, 413, e.tus("POST", e.srv.URL+"/api/movies/"+movieID+"/uploads", admin, map[string]string{"Upload-Length": strconv.Itoa(65 << 20)}, nil).StatusCode)

		created := e.tus("POST", e.srv.URL+"/api/movies/"+movieID+"/uploads", admin, map[string]string{
			"Upload-Length":   strconv.Itoa(len(file)),
			"Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("clip.txt")),
		}, nil)
		require.Equal(t, 201, created.StatusCode)
		loc := created.Header.Get("Location")
		require.Contains(t, loc, "/api/uploads/")
		uploadURL := e.srv.URL + loc[strings.Index(loc, "/api/uploads/"):]

		half := len(file) / 2
		octets := map[string]string{"Content-Type": "application/offset+octet-stream"}
		patch := func(offset int, part []byte) *http.Response {
			h := map[string]string{"Upload-Offset": strconv.Itoa(offset)}
			for k, v := range octets {
				h[k] = v
			}
			return e.tus("PATCH", uploadURL, admin, h, part)
		}
		require.Equal(t, 204, patch(0, file[:half]).StatusCode)
		// "interrupted": a new client asks where to go on
		head := e.tus("HEAD", uploadURL, admin, nil, nil)
		require.Equal(t, 200, head.StatusCode)
		require.Equal(t, strconv.Itoa(half), head.Header.Get("Upload-Offset"))
		// a PATCH at the wrong offset is a conflict
		require.Equal(t, 409, patch(0, file[:10]).StatusCode)
		require.Equal(t, 204, patch(half, file[half:]).StatusCode)

		got := servicetest.Send(t, http.DefaultClient, servicetest.NewRequest(t, context.Background(), "GET", e.srv.URL+"/api/movies/"+movieID+"/video", "", nil))
		require.Equal(t, 200, got.Status)
		var v mediaapi.Video
		got.Decode(t, &v)
		require.Equal(t, mediaapi.StateFailed, v.State)
		require.NotNil(t, v.Error)
		require.Equal(t, "no video stream in the file", *v.Error)
		require.Empty(t, servicetest.OutboxEvents(t, db), "a refused file publishes nothing")
	})
}
