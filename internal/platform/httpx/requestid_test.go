package httpx_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

func TestRequestIDsFromClientsAreKeptOnlyWhenPlain(t *testing.T) {
	t.Parallel()
	h := httpx.Observe(slog.New(slog.DiscardHandler), nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, httpx.RequestID(r.Context()))
	}))
	for sent, kept := range map[string]bool{
		"abc-DEF_123.4":         true,
		strings.Repeat("a", 64): true,
		"":                      false,
		strings.Repeat("a", 65): false,
		"has space":             false,
		"quote\"d":              false,
		"<script>alert(1)":      false,
		"ünïcode":               false,
		"line\nbreak":           false,
		"semi;colon":            false,
		"a/b":                   false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["X-Request-Id"] = []string{sent}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		got := rec.Header().Values("X-Request-Id")
		require.Len(t, got, 1, "%q", sent)
		require.Equal(t, got[0], rec.Body.String(), "the handler sees the id the client gets")
		if kept {
			require.Equal(t, sent, got[0])
		} else {
			require.NotEqual(t, sent, got[0], "%q", sent)
			require.Regexp(t, `^[0-9a-f]{12}-[0-9a-z]+$`, got[0])
		}
	}
}

// A service calling another with the typed client's core passes on the
// request id it serves under and continues the caller's trace.
func TestTypedClientsPropagateTheRequestIDAndTrace(t *testing.T) {
	t.Parallel()
	seen := make(chan http.Header, 1)
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		httpx.WriteJSON(w, 200, map[string]string{})
	}))
	defer callee.Close()
	client := httpx.Client{Service: "callee", Base: callee.URL}
	caller := httpx.Observe(slog.New(slog.DiscardHandler), nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, client.Do(r.Context(), "GET", "/x", nil, nil, nil))
	}))

	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Request-Id", "order-42")
	r.Header.Set("traceparent", parent)
	caller.ServeHTTP(httptest.NewRecorder(), r)
	got := <-seen
	require.Equal(t, "order-42", got.Get("X-Request-Id"))
	tp := strings.Split(got.Get("traceparent"), "-")
	require.Len(t, tp, 4)
	require.Equal(t, []string{"00", "4bf92f3577b34da6a3ce929d0e0e4736"}, tp[:2], "the same trace")
	require.NotEqual(t, "00f067aa0ba902b7", tp[2], "this hop's own span is the parent of the call")
	require.Equal(t, "01", tp[3], "the sampling flag goes along")

	// a broken traceparent starts a new trace instead of being passed on
	for _, bad := range []string{"garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"} {
		r = httptest.NewRequest("GET", "/", nil)
		r.Header.Set("traceparent", bad)
		caller.ServeHTTP(httptest.NewRecorder(), r)
		got = <-seen
		require.Regexp(t, `^00-[0-9a-f]{32}-[0-9a-f]{16}-00$`, got.Get("traceparent"))
		require.NotContains(t, got.Get("traceparent"), "4bf92f3577b34da6a3ce929d0e0e4736")
		require.NotEmpty(t, got.Get("X-Request-Id"), "a fresh id still goes along")
	}

	// outside a request nothing is invented
	require.NoError(t, client.Do(context.Background(), "GET", "/x", nil, nil, nil))
	got = <-seen
	require.Empty(t, got.Get("X-Request-Id"))
	require.Empty(t, got.Get("traceparent"))
}
