package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps every key as an object of one bucket (under an optional prefix).
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // "" or "some/folder/"
}

// s3Config is what an S3 URL says.
type s3Config struct {
	endpoint, access, secret, bucket, prefix, region string
	secure                                           bool
}

// parseS3URL reads s3://ACCESS_KEY:SECRET@host:port/bucket[/prefix][?secure=false&region=us-east-1].
// The secret is the URL's password, so `marquee config` redacts it like any
// other; characters such as '/' and '+' in it are written %2F and %2B. secure
// (HTTPS) is true unless said otherwise; region is optional.
func parseS3URL(raw string) (s3Config, error) {
	const want = "want s3://ACCESS_KEY:SECRET@host:port/bucket[/prefix][?secure=false&region=…]"
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole URL, secret included
		return s3Config{}, errors.New("storage: MARQUEE_S3_URL: " + want)
	}
	secret, hasSecret := u.User.Password()
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if u.Scheme != "s3" || u.Host == "" || u.User.Username() == "" || !hasSecret || bucket == "" {
		return s3Config{}, errors.New("storage: MARQUEE_S3_URL: " + want)
	}
	c := s3Config{endpoint: u.Host, access: u.User.Username(), secret: secret, bucket: bucket, secure: true}
	if prefix != "" {
		c.prefix = prefix + "/"
	}
	q := u.Query()
	for name := range q {
		switch name {
		case "secure":
			if c.secure, err = strconv.ParseBool(q.Get(name)); err != nil {
				return s3Config{}, errors.New("storage: MARQUEE_S3_URL: secure: want true or false")
			}
		case "region":
			c.region = q.Get(name)
		default:
			return s3Config{}, fmt.Errorf("storage: MARQUEE_S3_URL: unknown parameter %q (secure, region)", name)
		}
	}
	return c, nil
}

// openS3 connects to the bucket s3URL names and creates it when missing;
// wrong keys fail here, at start-up, rather than at the first upload.
func openS3(ctx context.Context, s3URL string) (*S3, error) {
	c, err := parseS3URL(s3URL)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(c.endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(c.access, c.secret, ""),
		Secure:       c.secure,
		Region:       c.region,
		BucketLookup: minio.BucketLookupPath, // loopback and self-hosted servers have no bucket DNS names
	})
	if err != nil {
		return nil, fmt.Errorf("storage: s3: %w", err)
	}
	exists, err := client.BucketExists(ctx, c.bucket)
	if err != nil {
		return nil, fmt.Errorf("storage: s3 bucket %s at %s: %w", c.bucket, c.endpoint, err)
	}
	if !exists {
		err := client.MakeBucket(ctx, c.bucket, minio.MakeBucketOptions{Region: c.region})
		// another process may have created it meanwhile
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return nil, fmt.Errorf("storage: creating s3 bucket %s at %s: %w", c.bucket, c.endpoint, err)
		}
	}
	return &S3{client: client, bucket: c.bucket, prefix: c.prefix}, nil
}

// object is the object name of key.
func (s *S3) object(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// partSize bounds the memory of an upload of unknown size (minio-go buffers
// one part; its default for unknown sizes is hundreds of MiB).
const partSize = 16 << 20

// Put uploads r; S3 replaces an object atomically (a multipart upload
// appears only when completed).
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, s.bucket, name, r, size, minio.PutObjectOptions{ContentType: contentType, PartSize: partSize})
	if err != nil {
		return fmt.Errorf("storage: s3 put %s: %w", key, err)
	}
	return nil
}

// PutFile uploads the file at path (parts read in parallel from the file).
func (s *S3) PutFile(ctx context.Context, key, path, contentType string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	_, err = s.client.FPutObject(ctx, s.bucket, name, path, minio.PutObjectOptions{ContentType: contentType, PartSize: partSize})
	if err != nil {
		return fmt.Errorf("storage: s3 put %s: %w", key, err)
	}
	return nil
}

// Fetch downloads the object into path.
func (s *S3) Fetch(ctx context.Context, key, path string) error {
	obj, err := s.open(ctx, key)
	if err != nil {
		return err
	}
	defer obj.Close()
	if err := writeAtomic(ctx, path, obj, -1); err != nil {
		return s.readError(key, err)
	}
	return nil
}

// Read returns the whole object, from one GET: no Stat first, whose answer
// the GET would have to match (If-Match) and which a replacement in between
// would fail.
func (s *S3) Read(ctx context.Context, key string) ([]byte, error) {
	obj, err := s.open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return nil, s.readError(key, err)
	}
	return b, nil
}

// Serve streams the object through http.ServeContent: a Range request
// becomes a ranged GET of the object (minio's Object seeks that way). That
// GET must match the ETag of the Stat before it, so an object replaced in
// between cuts the response short (the client retries) rather than mixing
// two versions.
func (s *S3) Serve(w http.ResponseWriter, r *http.Request, key string) {
	obj, err := s.open(r.Context(), key)
	if err != nil {
		serveError(w, r, err)
		return
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		serveError(w, r, s.readError(key, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(key, info.ContentType))
	if info.ETag != "" {
		h.Set("ETag", `"`+strings.Trim(info.ETag, `"`)+`"`)
	}
	http.ServeContent(w, r, "", info.LastModified, obj)
}

// DeletePrefix removes every object below the folder.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) error {
	p, err := folder(prefix)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	listed := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + p + "/", Recursive: true})
	doomed := make(chan minio.ObjectInfo)
	var listErr error
	go func() {
		defer close(doomed)
		for o := range listed {
			if o.Err != nil {
				listErr = o.Err
				return
			}
			select {
			case doomed <- o:
			case <-ctx.Done():
				return
			}
		}
	}()
	for e := range s.client.RemoveObjects(ctx, s.bucket, doomed, minio.RemoveObjectsOptions{}) {
		if e.Err != nil && minio.ToErrorResponse(e.Err).Code != "NoSuchKey" {
			return fmt.Errorf("storage: s3 delete %s: %w", e.ObjectName, e.Err)
		}
	}
	if listErr != nil {
		return fmt.Errorf("storage: s3 list %s: %w", prefix, listErr)
	}
	return nil
}

// open returns the object, fetched lazily by its first Read or Stat.
func (s *S3) open(ctx context.Context, key string) (*minio.Object, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("storage: s3 get %s: %w", key, err)
	}
	return obj, nil
}

// readError is ErrNotFound for a missing object, else err described.
func (s *S3) readError(key string, err error) error {
	var res minio.ErrorResponse
	if errors.As(err, &res) && (res.Code == "NoSuchKey" || res.Code == "NotFound") {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("storage: s3 get %s: %w", key, err)
}
