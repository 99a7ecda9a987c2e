package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// runSuite is the one test suite every Storage implementation passes.
func runSuite(t *testing.T, s Storage) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Serve(w, r, strings.TrimPrefix(r.URL.Path, "/"))
	}))
	t.Cleanup(srv.Close)
	get := func(t *testing.T, key string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/"+key, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, body
	}
	put := func(t *testing.T, key, body string) {
		t.Helper()
		require.NoError(t, s.Put(ctx, key, strings.NewReader(body), int64(len(body)), "application/octet-stream"))
	}

	t.Run("put and read", func(t *testing.T) {
		put(t, "videos/v1/360p/index.m3u8", "#EXTM3U\n")
		got, err := s.Read(ctx, "videos/v1/360p/index.m3u8")
		require.NoError(t, err)
		require.Equal(t, "#EXTM3U\n", string(got))

		put(t, "empty", "")
		got, err = s.Read(ctx, "empty")
		require.NoError(t, err)
		require.Empty(t, got)

		_, err = s.Read(ctx, "videos/v1/360p/missing.m3u8")
		require.ErrorIs(t, err, ErrNotFound)
		_, err = s.Read(ctx, "videos/v1/360p") // a folder is no object
		require.ErrorIs(t, err, ErrNotFound)
	})

	t.Run("replace", func(t *testing.T) {
		put(t, "replace/master.m3u8", "old, and longer than the new one")
		put(t, "replace/master.m3u8", "new")
		got, err := s.Read(ctx, "replace/master.m3u8")
		require.NoError(t, err)
		require.Equal(t, "new", string(got))
	})

	t.Run("a short reader fails and keeps the old object", func(t *testing.T) {
		put(t, "short/a.txt", "kept")
		err := s.Put(ctx, "short/a.txt", strings.NewReader("abc"), 10, "text/plain")
		require.Error(t, err)
		got, err := s.Read(ctx, "short/a.txt")
		require.NoError(t, err)
		require.Equal(t, "kept", string(got))
	})

	t.Run("invalid keys are refused", func(t *testing.T) {
		for _, key := range []string{"", "/abs", "../up", "a/../../b", "a//b", "a/./b", "a/", ".", `a\b`} {
			err := s.Put(ctx, key, strings.NewReader("x"), 1, "text/plain")
			require.Error(t, err, "key %q", key)
			_, err = s.Read(ctx, key)
			require.Error(t, err, "key %q", key)
		}
		require.Error(t, s.DeletePrefix(ctx, ""))
		require.Error(t, s.DeletePrefix(ctx, "/"))
	})

	t.Run("serve", func(t *testing.T) {
		files := map[string]string{
			"serve/master.m3u8":      "application/vnd.apple.mpegurl",
			"serve/360p/init.mp4":    "video/mp4",
			"serve/360p/seg_001.m4s": "video/iso.segment",
			"serve/thumbs.vtt":       "text/vtt; charset=utf-8",
			"serve/poster.jpg":       "image/jpeg",
		}
		for key, typ := range files {
			put(t, key, "0123456789")
			res, body := get(t, key)
			require.Equal(t, http.StatusOK, res.StatusCode, key)
			require.Equal(t, "0123456789", string(body))
			require.Equal(t, typ, res.Header.Get("Content-Type"), key)
			require.Equal(t, "10", res.Header.Get("Content-Length"))
			require.Equal(t, "bytes", res.Header.Get("Accept-Ranges"))
			require.NotEmpty(t, res.Header.Get("ETag"))
		}

		res, body := get(t, "serve/360p/seg_001.m4s", "Range", "bytes=2-5")
		require.Equal(t, http.StatusPartialContent, res.StatusCode)
		require.Equal(t, "2345", string(body))
		require.Equal(t, "bytes 2-5/10", res.Header.Get("Content-Range"))

		res, body = get(t, "serve/360p/seg_001.m4s", "Range", "bytes=-3")
		require.Equal(t, http.StatusPartialContent, res.StatusCode)
		require.Equal(t, "789", string(body))

		res, _ = get(t, "serve/360p/seg_001.m4s", "Range", "bytes=20-30")
		require.Equal(t, http.StatusRequestedRangeNotSatisfiable, res.StatusCode)

		res, _ = get(t, "serve/master.m3u8")
		etag := res.Header.Get("ETag")
		res, body = get(t, "serve/master.m3u8", "If-None-Match", etag)
		require.Equal(t, http.StatusNotModified, res.StatusCode)
		require.Empty(t, body)

		put(t, "serve/master.m3u8", "changed!!!")
		res, body = get(t, "serve/master.m3u8", "If-None-Match", etag)
		require.Equal(t, http.StatusOK, res.StatusCode, "a replaced object has a new ETag")
		require.Equal(t, "changed!!!", string(body))
		require.NotEqual(t, etag, res.Header.Get("ETag"))

		for _, key := range []string{"serve/missing.m4s", "serve/360p", "serve/../outside"} {
			res, body = get(t, key)
			require.Equal(t, http.StatusNotFound, res.StatusCode, key)
			require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"), key)
			var p map[string]any
			require.NoError(t, json.Unmarshal(body, &p), key)
			require.EqualValues(t, 404, p["status"])
		}

		req := httptest.NewRequest(http.MethodHead, "/serve/poster.jpg", nil)
		rec := httptest.NewRecorder()
		s.Serve(rec, req, "serve/poster.jpg")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "10", rec.Header().Get("Content-Length"))
		require.Empty(t, rec.Body.Bytes())
	})

	t.Run("delete prefix", func(t *testing.T) {
		for _, key := range []string{"del/v1/master.m3u8", "del/v1/360p/seg_1.m4s", "del/v1/360p/seg_2.m4s", "del/v10/keep", "del/v2/keep"} {
			put(t, key, key)
		}
		require.NoError(t, s.DeletePrefix(ctx, "del/v1/"))
		for _, key := range []string{"del/v1/master.m3u8", "del/v1/360p/seg_1.m4s", "del/v1/360p/seg_2.m4s"} {
			_, err := s.Read(ctx, key)
			require.ErrorIs(t, err, ErrNotFound, key)
		}
		for _, key := range []string{"del/v10/keep", "del/v2/keep"} {
			got, err := s.Read(ctx, key)
			require.NoError(t, err, key)
			require.Equal(t, key, string(got))
		}
		require.NoError(t, s.DeletePrefix(ctx, "del/none/"), "deleting nothing is fine")
		require.NoError(t, s.DeletePrefix(ctx, "del/v2"), "the slash is optional")
		_, err := s.Read(ctx, "del/v2/keep")
		require.ErrorIs(t, err, ErrNotFound)
	})

	t.Run("large file through PutFile, Fetch and Serve", func(t *testing.T) {
		dir := t.TempDir()
		src := filepath.Join(dir, "source.mp4")
		data := make([]byte, 24<<20+12345) // several multipart parts on S3
		_, err := rand.Read(data)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(src, data, 0o600))

		require.NoError(t, s.PutFile(ctx, "sources/big", src, "video/mp4"))
		dst := filepath.Join(dir, "fetched", "copy.mp4")
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, s.Fetch(ctx, "sources/big", dst))
		got, err := os.ReadFile(dst)
		require.NoError(t, err)
		require.Equal(t, sha256.Sum256(data), sha256.Sum256(got))

		res, body := get(t, "sources/big")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, sha256.Sum256(data), sha256.Sum256(body))
		from := len(data) - 100000
		res, body = get(t, "sources/big", "Range", fmt.Sprintf("bytes=%d-", from))
		require.Equal(t, http.StatusPartialContent, res.StatusCode)
		require.True(t, bytes.Equal(data[from:], body))

		missing := filepath.Join(dir, "missing.mp4")
		require.ErrorIs(t, s.Fetch(ctx, "sources/none", missing), ErrNotFound)
		_, err = os.Stat(missing)
		require.ErrorIs(t, err, os.ErrNotExist, "a failed fetch leaves no file")
		require.Error(t, s.PutFile(ctx, "sources/x", missing, "video/mp4"))
	})

	t.Run("readers of a replaced object see the old or the new bytes", func(t *testing.T) {
		versions := [][]byte{bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 300<<10)}
		key := "videos/v1/master.m3u8"
		require.NoError(t, s.Put(ctx, key, bytes.NewReader(versions[0]), int64(len(versions[0])), "application/vnd.apple.mpegurl"))

		const writes, readers = 20, 3
		var wg sync.WaitGroup
		done := make(chan struct{})
		seen := make([]map[byte]int, readers)
		errs := make(chan error, readers+1)
		for i := range readers {
			seen[i] = map[byte]int{}
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					got, err := s.Read(ctx, key)
					if err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
						errs <- fmt.Errorf("read %d bytes that are neither version", len(got))
						return
					}
					seen[i][got[0]]++
				}
			})
		}
		for i := range writes {
			v := versions[(i+1)%2]
			if err := s.Put(ctx, key, bytes.NewReader(v), int64(len(v)), "application/vnd.apple.mpegurl"); err != nil {
				errs <- err
				break
			}
		}
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		reads := 0
		for _, m := range seen {
			reads += m['a'] + m['b']
		}
		require.Positive(t, reads)
		got, err := s.Read(ctx, key)
		require.NoError(t, err)
		require.Equal(t, versions[writes%2], got, "the last write wins")
	})

	t.Run("a cancelled context stops a put", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := s.Put(cctx, "cancelled/x", strings.NewReader("abc"), 3, "text/plain")
		require.Error(t, err)
		_, err = s.Read(ctx, "cancelled/x")
		require.True(t, errors.Is(err, ErrNotFound))
	})
}

func TestLocal(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), "", dir)
	require.NoError(t, err)
	runSuite(t, s)

	t.Run("serve hands the *os.File to the connection (sendfile)", func(t *testing.T) {
		rec := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
		s.Serve(rec, httptest.NewRequest(http.MethodGet, "/x", nil), "videos/v1/master.m3u8")
		require.Equal(t, http.StatusOK, rec.Code)
		require.True(t, rec.fromFile, "net/http's conn.ReadFrom sends an *os.File with sendfile(2)")
	})

	t.Run("files live under dataDir/media and no temporary file is left", func(t *testing.T) {
		_, err := os.Stat(filepath.Join(dir, "media", "videos", "v1", "master.m3u8"))
		require.NoError(t, err)
		err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			require.NoError(t, err)
			require.False(t, strings.HasSuffix(p, ".tmp"), p)
			return nil
		})
		require.NoError(t, err)
	})
}

// readFromRecorder records whether the body came through ReadFrom from an
// *os.File, the path on which a TCP connection uses sendfile.
type readFromRecorder struct {
	*httptest.ResponseRecorder
	fromFile bool
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	if lr, ok := src.(*io.LimitedReader); ok {
		src = lr.R
	}
	_, r.fromFile = src.(*os.File)
	return io.Copy(r.ResponseRecorder, src)
}
