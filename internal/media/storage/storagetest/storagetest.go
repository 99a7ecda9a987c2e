// Package storagetest gives tests a real S3 server that checks signatures.
package storagetest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/testbin"
)

// S3URL is an S3 URL of an empty bucket (or prefix) on a real S3 server
// that checks signatures: MARQUEE_TEST_S3_URL when set, else a versitygw
// this test starts on loopback. With CI=true a missing server fails.
func S3URL(t *testing.T) string {
	t.Helper()
	run := strings.ToLower(rand.Text()[:12])
	if raw := os.Getenv("MARQUEE_TEST_S3_URL"); raw != "" {
		u, err := url.Parse(raw)
		require.NoError(t, err, "MARQUEE_TEST_S3_URL")
		u.Path = strings.TrimRight(u.Path, "/") + "/test-" + run // a fresh prefix of the given bucket
		return u.String()
	}
	bin := testbin.Require(t, "versitygw", "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0, or set MARQUEE_TEST_S3_URL")
	addr := freeAddr(t)
	access, secret := "marquee-test", "s3cret-"+run
	cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", t.TempDir())
	// keys through the environment: flags would show in ps
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+access, "ROOT_SECRET_ACCESS_KEY="+secret)
	var out bytes.Buffer // its log, shown when the test fails
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("versitygw:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		require.True(t, time.Now().Before(deadline), "versitygw did not listen on %s: %v", addr, err)
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Sprintf("s3://%s:%s@%s/marquee-%s?secure=false&region=us-east-1", access, url.QueryEscape(secret), addr, run)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}
