package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"
)

// testS3URL is an S3 URL of an empty bucket (or prefix) on a real S3 server
// that checks signatures: MARQUEE_TEST_S3_URL when set, else a versitygw
// this test starts on loopback. With CI=true a missing server fails.
func testS3URL(t *testing.T) string {
	t.Helper()
	run := strings.ToLower(rand.Text()[:12])
	if raw := os.Getenv("MARQUEE_TEST_S3_URL"); raw != "" {
		u, err := url.Parse(raw)
		require.NoError(t, err, "MARQUEE_TEST_S3_URL")
		u.Path = strings.TrimRight(u.Path, "/") + "/test-" + run // a fresh prefix of the given bucket
		return u.String()
	}
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		bin = filepath.Join(goPath(t), "bin", "versitygw")
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("versitygw is missing (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0) and MARQUEE_TEST_S3_URL is unset")
		}
		t.Skip("no S3 server: set MARQUEE_TEST_S3_URL or install versitygw")
	}
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

func goPath(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOPATH").Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func TestS3(t *testing.T) {
	raw := testS3URL(t)
	ctx := context.Background()
	s, err := Open(ctx, raw, t.TempDir())
	require.NoError(t, err, "Open creates the bucket when missing")
	require.IsType(t, &S3{}, s)
	runSuite(t, s)

	t.Run("a wrong secret is refused", func(t *testing.T) {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		u.User = url.UserPassword(u.User.Username(), "wrong-secret")
		_, err = Open(ctx, u.String(), t.TempDir())
		require.Error(t, err)
		require.NotContains(t, err.Error(), "wrong-secret")
		require.Equal(t, http.StatusForbidden, minio.ToErrorResponse(errors.Unwrap(err)).StatusCode, err.Error())

		// the right access key with a wrong secret: the server recomputed the signature
		require.NoError(t, s.Put(ctx, "signed/x", strings.NewReader("x"), 1, "text/plain"))
		c, err := parseS3URL(raw)
		require.NoError(t, err)
		forged, err := minio.New(c.endpoint, &minio.Options{Creds: credentials.NewStaticV4(c.access, "wrong-secret", ""), BucketLookup: minio.BucketLookupPath})
		require.NoError(t, err)
		_, err = forged.StatObject(ctx, c.bucket, c.prefix+"signed/x", minio.StatObjectOptions{})
		require.Equal(t, http.StatusForbidden, minio.ToErrorResponse(err).StatusCode, "%v", err)
		obj, err := forged.GetObject(ctx, c.bucket, c.prefix+"signed/x", minio.GetObjectOptions{})
		require.NoError(t, err)
		_, err = io.ReadAll(obj)
		require.Equal(t, "SignatureDoesNotMatch", minio.ToErrorResponse(err).Code, "%v", err)
	})

	t.Run("anonymous requests are refused", func(t *testing.T) {
		require.NoError(t, s.Put(ctx, "anon/x.m3u8", strings.NewReader("#EXTM3U"), 7, "application/vnd.apple.mpegurl"))
		c, err := parseS3URL(raw)
		require.NoError(t, err)
		res, err := http.Get("http://" + c.endpoint + "/" + c.bucket + "/" + c.prefix + "anon/x.m3u8")
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusForbidden, res.StatusCode, string(body))
		require.NotContains(t, string(body), "#EXTM3U")
	})
}

func TestParseS3URL(t *testing.T) {
	c, err := parseS3URL("s3://AKID:se%2Fc%2Bret@minio.local:9000/media/marquee/prod?secure=false&region=eu-west-1")
	require.NoError(t, err)
	require.Equal(t, s3Config{endpoint: "minio.local:9000", access: "AKID", secret: "se/c+ret", bucket: "media",
		prefix: "marquee/prod/", region: "eu-west-1", secure: false}, c)

	c, err = parseS3URL("s3://AKID:pw@s3.amazonaws.com/media")
	require.NoError(t, err)
	require.True(t, c.secure, "HTTPS unless said otherwise")
	require.Empty(t, c.prefix)

	for _, bad := range []string{
		"http://AKID:pw@host/media",
		"s3://AKID@host/media",
		"s3://AKID:pw@host/",
		"s3://:pw@host/media",
		"s3://AKID:pw@host/media?secure=maybe",
		"s3://AKID:pw@host/media?acl=public",
		"s3://AKID:pw\x7f@host/media",
	} {
		_, err := parseS3URL(bad)
		require.Error(t, err, bad)
		require.NotContains(t, err.Error(), "pw", "the secret never shows in an error")
	}
}
