package httpx_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Successful requests are logged at debug, client errors at info and server
// errors at error, so an info log shows what needs attention.
func TestObserveLogsByOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		level  string
	}{
		{200, "DEBUG"},
		{304, "DEBUG"},
		{404, "INFO"},
		{422, "INFO"},
		{503, "ERROR"},
	} {
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		h := httpx.Observe(log, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) }))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line))
		require.Equal(t, tc.level, line["level"], "status %d", tc.status)
		require.EqualValues(t, tc.status, line["status"])
	}
}
