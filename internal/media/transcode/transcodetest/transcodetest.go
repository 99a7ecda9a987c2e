// Package transcodetest holds what tests that run ffmpeg share.
package transcodetest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireFFmpeg skips without ffmpeg and ffprobe, except in CI where they
// must be there (.ci/run installs them).
func RequireFFmpeg(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; CI must run the tests that use it", bin)
			}
			t.Skipf("%s is not installed (apt-get install ffmpeg); skipped (fails in CI)", bin)
		}
	}
}
