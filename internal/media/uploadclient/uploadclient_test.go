package uploadclient

import (
	"context"
	"crypto/rand"
	"errors"
	expslog "golang.org/x/exp/slog"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

const testToken = "admin-token"

// tusServer is tusd (file store and file locker, as the media service runs
// it) on the paths of DESIGN.md §4.2, behind a bearer token check, counting
// what it receives.
type tusServer struct {
	*httptest.Server
	dir       string
	creations atomic.Int64
	appended  []span // PATCHes marked X-Run: second that tusd accepted
	mu        sync.Mutex
	token     atomic.Pointer[string] // the one accepted
	metadata  map[string]string      // of the last finished upload
	movie     string                 // of the last creation
}

func newTusServer(t *testing.T, refuse func(tusd.HookEvent) error) *tusServer {
	s := &tusServer{dir: t.TempDir()}
	token := testToken
	s.token.Store(&token)
	composer := tusd.NewStoreComposer()
	filestore.New(s.dir).UseIn(composer)
	filelocker.New(s.dir).UseIn(composer)
	h, err := tusd.NewUnroutedHandler(tusd.Config{
		Logger:        expslog.New(expslog.NewTextHandler(io.Discard, nil)),
		BasePath:      "/api/uploads/",
		StoreComposer: composer,
		PreFinishResponseCallback: func(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
			s.mu.Lock()
			s.metadata = hook.Upload.MetaData
			s.mu.Unlock()
			if refuse != nil {
				if err := refuse(hook); err != nil {
					return tusd.HTTPResponse{}, err
				}
			}
			return tusd.HTTPResponse{}, nil
		},
	})
	require.NoError(t, err)
	authorised := func(next http.HandlerFunc) http.Handler {
		return h.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+*s.token.Load() {
				httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusUnauthorized, Title: "Unauthorized"})
				return
			}
			next(w, r)
		}))
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/movies/{id}/uploads", authorised(func(w http.ResponseWriter, r *http.Request) {
		s.creations.Add(1)
		s.mu.Lock()
		s.movie = r.PathValue("id")
		s.mu.Unlock()
		h.PostFile(w, r)
	}))
	// tusd's unrouted handler takes the upload id from the path below BasePath
	mux.Handle("HEAD /api/uploads/{id}", http.StripPrefix("/api/uploads/", authorised(h.HeadFile)))
	patch := authorised(h.PatchFile)
	mux.Handle("PATCH /api/uploads/{id}", http.StripPrefix("/api/uploads/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Run") != "second" {
			patch.ServeHTTP(w, r)
			return
		}
		var n atomic.Int64
		r.Body = countingBody{r.Body, &n} // before tusd's middleware takes the body
		rec := &statusRecorder{ResponseWriter: w}
		patch.ServeHTTP(rec, r)
		if rec.status == http.StatusNoContent {
			offset, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
			s.mu.Lock()
			s.appended = append(s.appended, span{offset, n.Load()})
			s.mu.Unlock()
		}
	})))
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// span is a run of bytes one PATCH appended.
type span struct{ offset, n int64 }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// markRun marks every request with the header X-Run.
type markRun struct{ run string }

func (m markRun) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Run", m.run)
	return http.DefaultTransport.RoundTrip(r)
}

func randomFile(t *testing.T, size int) (string, []byte) {
	data := make([]byte, size)
	_, err := rand.Read(data)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "film.mp4")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path, data
}

func TestUploadResumesAfterAnInterruption(t *testing.T) {
	srv := newTusServer(t, nil)
	path, data := randomFile(t, 5<<20+4321)
	stateDir := t.TempDir()

	// first run: cancelled in the middle of a chunk past 2 MiB
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := &Client{Base: srv.URL, Token: testToken, ChunkSize: 512 << 10, StateDir: stateDir,
		Progress: func(offset, _ int64) {
			if offset >= 2<<20+100_000 {
				cancel()
			}
		}}
	_, err := first.Upload(ctx, "movie-1", path)
	require.ErrorIs(t, err, context.Canceled)
	states, _ := filepath.Glob(filepath.Join(stateDir, "*.json"))
	require.Len(t, states, 1, "the unfinished upload is remembered")

	// second run: asks the server's offset and sends only the rest (its
	// requests are marked: the server may still be reading the cut one)
	var resumedAt int64 = -1
	var lastProgress int64
	second := &Client{Base: srv.URL, Token: testToken, ChunkSize: 512 << 10, StateDir: stateDir,
		HTTP:     &http.Client{Transport: markRun{"second"}},
		Started:  func(_ string, offset, _ int64) { resumedAt = offset },
		Progress: func(offset, _ int64) { lastProgress = offset }}
	uploadURL, err := second.Upload(context.Background(), "movie-1", path)
	require.NoError(t, err)
	require.EqualValues(t, 1, srv.creations.Load(), "no second upload was created")
	require.GreaterOrEqual(t, resumedAt, int64(2<<20), "resumed from the server's offset")
	require.Less(t, resumedAt, int64(len(data)))
	// what the second run appended follows on from where it resumed (or
	// later: the cut request may still have been writing), without a gap or
	// an overlap, up to the end
	require.NotEmpty(t, srv.appended)
	require.GreaterOrEqual(t, srv.appended[0].offset, resumedAt, "nothing before the server's offset was sent again")
	for i := 1; i < len(srv.appended); i++ {
		prev := srv.appended[i-1]
		require.Equal(t, prev.offset+prev.n, srv.appended[i].offset, "PATCH %d", i)
	}
	last := srv.appended[len(srv.appended)-1]
	require.EqualValues(t, len(data), last.offset+last.n)
	require.EqualValues(t, len(data), lastProgress)

	got, err := os.ReadFile(filepath.Join(srv.dir, filepath.Base(uploadURL)))
	require.NoError(t, err)
	require.Equal(t, data, got, "the server holds the whole file, byte for byte")
	require.Equal(t, "film.mp4", srv.metadata["filename"])
	require.Equal(t, "movie-1", srv.movie)
	states, _ = filepath.Glob(filepath.Join(stateDir, "*.json"))
	require.Empty(t, states, "a finished upload is forgotten")

	// the same file again is a new upload
	_, err = second.Upload(context.Background(), "movie-1", path)
	require.NoError(t, err)
	require.EqualValues(t, 2, srv.creations.Load())
}

func TestUploadStartsOverWhenTheServerForgotIt(t *testing.T) {
	srv := newTusServer(t, nil)
	path, data := randomFile(t, 300_000)
	stateDir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{Base: srv.URL, Token: testToken, ChunkSize: 64 << 10, StateDir: stateDir,
		Progress: func(offset, _ int64) {
			if offset > 100_000 {
				cancel()
			}
		}}
	uploadURL, err := c.Upload(ctx, "m", path)
	require.ErrorIs(t, err, context.Canceled)
	id := filepath.Base(uploadURL)
	require.NoError(t, os.Remove(filepath.Join(srv.dir, id)))
	require.NoError(t, os.Remove(filepath.Join(srv.dir, id+".info")))

	c.Progress = nil
	uploadURL, err = c.Upload(context.Background(), "m", path)
	require.NoError(t, err)
	require.NotEqual(t, id, filepath.Base(uploadURL))
	got, err := os.ReadFile(filepath.Join(srv.dir, filepath.Base(uploadURL)))
	require.NoError(t, err)
	require.Equal(t, data, got)
}

func TestUploadErrors(t *testing.T) {
	srv := newTusServer(t, func(hook tusd.HookEvent) error {
		return tusd.NewError("ERR_NOT_A_VIDEO", "no video stream", http.StatusUnprocessableEntity)
	})
	path, _ := randomFile(t, 1000)

	c := &Client{Base: srv.URL, Token: "wrong", StateDir: t.TempDir()}
	_, err := c.Upload(context.Background(), "m", path)
	var apiErr *httpx.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, http.StatusUnauthorized, apiErr.Status)

	c.Token = testToken
	_, err = c.Upload(context.Background(), "m", path)
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, http.StatusUnprocessableEntity, apiErr.Status, "a refused file is not retried")

	empty := filepath.Join(t.TempDir(), "empty.mp4")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	_, err = c.Upload(context.Background(), "m", empty)
	require.ErrorContains(t, err, "is empty")
	_, err = c.Upload(context.Background(), "m", filepath.Join(t.TempDir(), "missing.mp4"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestUploadSignsInAgainWhenTheTokenExpires(t *testing.T) {
	srv := newTusServer(t, nil)
	path, data := randomFile(t, 200_000)
	var reauths atomic.Int64
	c := &Client{Base: srv.URL, Token: "expired", StateDir: t.TempDir(), ChunkSize: 64 << 10,
		Reauth: func(context.Context) (string, error) { reauths.Add(1); return *srv.token.Load(), nil }}
	uploadURL, err := c.Upload(context.Background(), "m", path)
	require.NoError(t, err)
	require.EqualValues(t, 1, reauths.Load())
	got, err := os.ReadFile(filepath.Join(srv.dir, filepath.Base(uploadURL)))
	require.NoError(t, err)
	require.Equal(t, data, got)

	// the token expires in the middle: the refused PATCH is sent again, body and all
	path, data = randomFile(t, 200_000)
	var once sync.Once
	c.Progress = func(offset, _ int64) {
		if offset > 70_000 {
			once.Do(func() { next := "token-2"; srv.token.Store(&next) })
		}
	}
	uploadURL, err = c.Upload(context.Background(), "m", path)
	require.NoError(t, err)
	require.EqualValues(t, 2, reauths.Load())
	got, err = os.ReadFile(filepath.Join(srv.dir, filepath.Base(uploadURL)))
	require.NoError(t, err)
	require.Equal(t, data, got)
}

func TestUploadWhoseLastBytesWentUnansweredIsNotReportedDone(t *testing.T) {
	var refusals atomic.Int64
	srv := newTusServer(t, func(tusd.HookEvent) error {
		if refusals.Add(1) == 1 {
			return tusd.NewError("ERR_UNAVAILABLE", "storage unavailable", http.StatusServiceUnavailable)
		}
		return nil
	})
	path, _ := randomFile(t, 100_000)
	stateDir := t.TempDir()
	c := &Client{Base: srv.URL, Token: testToken, StateDir: stateDir}
	_, err := c.Upload(context.Background(), "m", path)
	require.ErrorContains(t, err, "run again")
	var apiErr *httpx.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, http.StatusServiceUnavailable, apiErr.Status)
	states, _ := filepath.Glob(filepath.Join(stateDir, "*.json"))
	require.Len(t, states, 1, "kept for the next run")

	_, err = c.Upload(context.Background(), "m", path)
	require.NoError(t, err)
	require.EqualValues(t, 1, srv.creations.Load(), "the next run asked about the same upload")
	states, _ = filepath.Glob(filepath.Join(stateDir, "*.json"))
	require.Empty(t, states)
}
