package testbin

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequireFindsProgramsOnPathAndInGOBIN(t *testing.T) {
	sh := Require(t, "sh", "")
	assert.True(t, isFile(sh), "sh found at %q", sh)

	gobin := t.TempDir()
	probe := filepath.Join(gobin, "marquee-testbin-probe")
	require.NoError(t, os.WriteFile(probe, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("GOBIN", gobin)
	assert.Equal(t, probe, Require(t, "marquee-testbin-probe", ""), "a program go install put in GOBIN, not on PATH")
}

func TestRequireSkipsHereAndFailsInCI(t *testing.T) {
	t.Setenv("CI", "")
	t.Run("missing", func(t *testing.T) {
		Require(t, "marquee-no-such-program", "nothing to install")
		t.Error("Require returned for a missing program")
	})

	t.Setenv("CI", "true")
	rec := &recordingTB{}
	Require(rec, "marquee-no-such-program", "nothing to install")
	require.NotEmpty(t, rec.calls)
	assert.Equal(t, "Fatalf", rec.calls[0], "in CI a missing program fails the test")
}

// recordingTB records which of Fatalf and Skipf a test called first; it
// does not stop the test as testing.T does.
type recordingTB struct {
	testing.TB
	calls []string
}

func (r *recordingTB) Helper()               {}
func (r *recordingTB) Fatalf(string, ...any) { r.calls = append(r.calls, "Fatalf") }
func (r *recordingTB) Skipf(string, ...any)  { r.calls = append(r.calls, "Skipf") }
