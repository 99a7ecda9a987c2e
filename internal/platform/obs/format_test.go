package obs_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/obs"
)

func TestLoggerFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format   string
		terminal bool
		json     bool
	}{
		{"json", true, true},
		{"text", false, false},
		{"auto", true, false},
		{"auto", false, true},
		{"", true, false},
		{"", false, true},
	} {
		var buf bytes.Buffer
		obs.NewLoggerFormat(&buf, "info", tc.format, tc.terminal).Info("hello", "k", "v")
		out := strings.TrimSpace(buf.String())
		var m map[string]any
		isJSON := json.Unmarshal([]byte(out), &m) == nil
		require.Equal(t, tc.json, isJSON, "format %q terminal %v: %s", tc.format, tc.terminal, out)
		if !tc.json {
			require.Contains(t, out, "msg=hello k=v")
		}
	}
	var buf bytes.Buffer
	obs.NewLoggerFormat(&buf, "warn", "text", true).Info("quiet")
	require.Empty(t, buf.String(), "below the level")
}
