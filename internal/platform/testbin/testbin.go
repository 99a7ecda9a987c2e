// Package testbin finds the programs tests run beside the code (ffmpeg,
// nginx, nats-server, stripe-mock, versitygw): skipped where one is missing
// on a developer's machine, a failure in CI, which installs them all
// (.ci/run).
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Require returns the path of the program name: on PATH, where `go install`
// puts it, or in /usr/sbin (Debian's daemons, off a user's PATH). Without it
// the test is skipped, or fails when CI is set; install says how to get it.
func Require(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range append(goBinDirs(), "/usr/sbin") {
		if p := filepath.Join(dir, name); dir != "" && isFile(p) {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (%s); CI must run the tests that use it", name, install)
	}
	t.Skipf("%s is not installed (%s); skipped here, fails in CI", name, install)
	return ""
}

// goBinDirs are where `go install` puts programs: GOBIN, else GOPATH's bin.
func goBinDirs() []string {
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			return []string{strings.TrimSpace(lines[0]), filepath.Join(strings.TrimSpace(lines[1]), "bin")}
		}
	}
	home, _ := os.UserHomeDir()
	return []string{os.Getenv("GOBIN"), filepath.Join(home, "go", "bin")}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
