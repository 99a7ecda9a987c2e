package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/config"
)

// `go generate ./internal/platform/config` (or this test with -update)
// writes the table into README.md.
var update = flag.Bool("update", false, "rewrite README.md's configuration table from config.Vars")

const (
	beginMarker = "<!-- config:begin (generated from internal/platform/config/vars.go by `go generate ./internal/platform/config`) -->\n"
	endMarker   = "<!-- config:end -->"
)

var readmePath = filepath.Join("..", "..", "..", "README.md")

// The README's configuration table is the one config.Vars makes.
func TestREADMEConfiguration(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	readme := string(raw)
	begin := strings.Index(readme, beginMarker)
	end := strings.Index(readme, endMarker)
	require.True(t, begin >= 0 && end > begin, "README.md has no %q … %q block", strings.TrimSpace(beginMarker), endMarker)
	want := config.README()
	got := readme[begin+len(beginMarker) : end]
	if *update {
		readme = readme[:begin+len(beginMarker)] + want + readme[end:]
		require.NoError(t, os.WriteFile(readmePath, []byte(readme), 0o644))
		return
	}
	require.Equal(t, want, got, "README.md's configuration table differs from config.Vars: run `go generate ./internal/platform/config`")
}

// Anywhere in the README, a MARQUEE_* variable is one the table declares,
// and every declared variable is in the README.
func TestREADMENamesOnlyDeclaredVariables(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	mentioned := map[string]bool{}
	for _, name := range regexp.MustCompile(`MARQUEE_[A-Z0-9_<>]*[A-Z0-9>]`).FindAllString(string(raw), -1) {
		mentioned[name] = true
		if strings.HasPrefix(name+"_", "MARQUEE_TEST_") || strings.HasPrefix(name+"_", "MARQUEE_BENCH_") {
			continue // the tests' own
		}
		require.NotNil(t, config.Lookup(name), "README.md names %s, which config.Vars does not declare", name)
	}
	var missing []string
	for _, v := range config.Vars {
		if !mentioned[v.Name] {
			missing = append(missing, v.Name)
		}
	}
	require.Empty(t, missing, "config.Vars declares variables README.md does not name")
}
