package storage

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media/storage/storagetest"
)

func TestS3(t *testing.T) {
	raw := storagetest.S3URL(t)
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
