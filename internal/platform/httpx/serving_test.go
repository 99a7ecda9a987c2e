package httpx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
)

// A tus PATCH runs past the server's read timeout while its bytes keep
// coming, and past the request deadline; one that stalls is cut after the
// read timeout; any other request is still cut by the read timeout.
func TestUploadProgressOutlastsTheReadTimeout(t *testing.T) {
	t.Parallel()
	const idle = 400 * time.Millisecond
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		switch {
		case err != nil:
			http.Error(w, "read: "+err.Error(), http.StatusRequestTimeout)
		case r.Context().Err() != nil:
			http.Error(w, "the request deadline passed", http.StatusServiceUnavailable)
		default:
			_, _ = fmt.Fprint(w, n)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httpx.NewServer(ln.Addr().String(), httpx.Chain(h, httpx.UploadProgress(idle), httpx.Timeout(idle)), idle)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	// send writes pieces of 100 bytes with a pause between them (stallAfter
	// pieces, then nothing until the answer comes) and returns the status
	// (0: the connection was cut), the body and when the answer came.
	send := func(method, contentType string, pieces int, gap time.Duration, stallAfter int) (int, string, time.Duration) {
		req, err := http.NewRequest(method, "http://"+ln.Addr().String()+"/", nil)
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		return servicetest.SendTrickling(t, req, servicetest.Trickle{Pieces: pieces, PieceSize: 100, Gap: gap, StallAfter: stallAfter})
	}

	t.Run("a trickling upload completes", func(t *testing.T) {
		t.Parallel()
		status, body, took := send(http.MethodPatch, "application/offset+octet-stream", 12, 150*time.Millisecond, -1)
		require.Equal(t, 200, status, body)
		require.Equal(t, strconv.Itoa(12*100), body)
		require.Greater(t, took, 3*idle, "the body took longer than the read timeout and the request deadline")
	})
	t.Run("a stalled upload is cut after the read timeout", func(t *testing.T) {
		t.Parallel()
		status, body, took := send(http.MethodPatch, "application/offset+octet-stream", 12, 150*time.Millisecond, 4)
		require.NotEqual(t, 200, status, body)
		require.Less(t, took, 4*150*time.Millisecond+4*idle, "cut about one read timeout after the last bytes: %s", body)
	})
	t.Run("other requests keep the read timeout", func(t *testing.T) {
		t.Parallel()
		status, body, _ := send(http.MethodPost, "application/json", 12, 150*time.Millisecond, -1)
		require.NotEqual(t, 200, status, body)
	})
}

// Once an upload's bytes have all arrived, its answer may take longer than
// the read timeout (the file is checked and stored) without its request
// being cancelled, also when the handler moved the deadlines on after its
// last read (as tusd does) and then says the bytes are in.
func TestUploadAnswerMayTakeLongerThanTheReadTimeout(t *testing.T) {
	t.Parallel()
	const idle = 300 * time.Millisecond
	for _, rearm := range []bool{false, true} {
		t.Run("deadlines moved on by the handler: "+strconv.FormatBool(rearm), func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := io.Copy(io.Discard, r.Body); err != nil {
					http.Error(w, err.Error(), http.StatusRequestTimeout)
					return
				}
				if rearm {
					_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(idle))
					httpx.UploadReceived(r.Context())
				}
				select {
				case <-time.After(4 * idle): // checking and storing the file
					_, _ = fmt.Fprint(w, "stored")
				case <-r.Context().Done():
					http.Error(w, "cancelled", http.StatusServiceUnavailable)
				}
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			srv := httpx.NewServer(ln.Addr().String(), httpx.Chain(h, httpx.UploadProgress(idle)), idle)
			go func() { _ = srv.Serve(ln) }()
			t.Cleanup(func() { _ = srv.Close() })
			req, err := http.NewRequest(http.MethodPatch, "http://"+ln.Addr().String()+"/", strings.NewReader("the last bytes"))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/offset+octet-stream")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode, string(body))
			require.Equal(t, "stored", string(body))
		})
	}
}

// Observe's writer keeps the server's ReadFrom (http.ServeContent's sendfile
// path) and still counts what went through it.
func TestObserveKeepsTheServersReadFrom(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "segment.m4s")
	content := strings.Repeat("segment bytes ", 10_000)
	require.NoError(t, os.WriteFile(file, []byte(content), 0o644))
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(httpx.Observe(log, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := w.(io.ReaderFrom)
		require.True(t, ok, "a writer without ReadFrom turns sendfile into copies through user space")
		http.ServeFile(w, r, file)
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/segment.m4s")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, content, string(body))
	srv.Close() // the access-log line is written once the handler returns
	var line struct {
		Status int `json:"status"`
		Bytes  int `json:"bytes"`
	}
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line), logs.String())
	require.Equal(t, 200, line.Status)
	require.Equal(t, len(content), line.Bytes)
}
