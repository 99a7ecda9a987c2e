package gateway_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/gateway"
)

// The docs page draws its access badges (no emoji: their glyphs are missing
// from many fonts) and reads each operation's own security entry.
func TestDocsPageDrawsItsGlyphs(t *testing.T) {
	t.Parallel()
	g, err := gateway.New(map[string]any{}, []gateway.Backend{{Service: "a", Spec: []byte(specA), Local: named("a")}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/api/docs", nil))
	require.Equal(t, 200, rec.Code)
	page, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	for _, r := range string(page) {
		require.False(t, r > 0xFFFF || unicode.Is(unicode.So, r), "symbol %q needs a font that may be missing", r)
	}
	for _, s := range []string{"token required", "token optional", "public", "op.security !== undefined"} {
		require.True(t, strings.Contains(string(page), s), s)
	}
}
