// Package transcodetest holds what tests that run ffmpeg share.
package transcodetest

import (
	"testing"

	"github.com/marquee-dev/marquee/internal/platform/testbin"
)

// RequireFFmpeg skips without ffmpeg and ffprobe, except in CI where they
// must be there (.ci/run installs them).
func RequireFFmpeg(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		testbin.Require(t, bin, "apt-get install ffmpeg")
	}
}
