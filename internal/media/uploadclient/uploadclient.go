// Package uploadclient uploads a video file to a movie with the tus 1.0
// protocol (DESIGN.md §4.2): POST /api/movies/{id}/uploads creates the
// upload, PATCH /api/uploads/{id} appends chunks, HEAD tells the offset the
// server holds. The upload's URL is kept in a small state file, so running
// the same upload again after an interruption resumes where the server
// stopped instead of starting over.
//
// Written by hand: the Go module proxy offers no maintained tus client (the
// tus project ships tusd, a server, and tus-js-client), and the client side
// of tus 1.0 core + creation is a few requests.
package uploadclient

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

const tusVersion = "1.0.0"

// Client uploads files to one Marquee server.
type Client struct {
	Base  string // the server, e.g. http://localhost:8080
	Token string // an administrator's access token
	// Reauth, when set, gives a new access token after a 401 (access tokens
	// expire during a long upload); the request is then sent again.
	Reauth    func(ctx context.Context) (string, error)
	HTTP      *http.Client // nil: http.DefaultClient
	ChunkSize int64        // bytes per PATCH; 0: 16 MiB
	StateDir  string       // where unfinished uploads are remembered; "": <user cache dir>/marquee/uploads
	// Progress, when set, is told the offset the upload has reached
	// (including what an earlier run sent) as bytes go out.
	Progress func(offset, size int64)
	// Started, when set, is told where the upload begins: offset 0 for a new
	// upload, the server's offset for a resumed one.
	Started func(uploadURL string, offset, size int64)
}

// state is what a state file remembers of an unfinished upload.
type state struct {
	URL string `json:"url"`
}

// maxAttempts bounds the retries of a chunk that failed on the way (the
// connection dropped, the server was busy): each retry asks the server its
// offset first, so nothing is sent twice.
const maxAttempts = 5

// Upload sends the file at path as the video of movie movieID and returns
// the upload's URL once the server has every byte. An interrupted upload
// (ctx cancelled, process killed) resumes when Upload runs again on the
// same unchanged file and movie.
func (c *Client) Upload(ctx context.Context, movieID, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	size := info.Size()
	if size == 0 {
		return "", fmt.Errorf("%s is empty", path)
	}
	stateFile, err := c.stateFile(movieID, path, info)
	if err != nil {
		return "", err
	}

	uploadURL, offset, err := c.resume(ctx, stateFile, size)
	if err != nil {
		return "", err
	}
	if uploadURL == "" {
		if uploadURL, err = c.create(ctx, movieID, filepath.Base(path), size); err != nil {
			return "", err
		}
		if err := saveState(stateFile, state{URL: uploadURL}); err != nil {
			return "", err
		}
	}
	if c.Started != nil {
		c.Started(uploadURL, offset, size)
	}

	chunk := c.ChunkSize
	if chunk <= 0 {
		chunk = 16 << 20
	}
	failures := 0
	var unanswered error // the failure of the request that may have carried the last bytes
	for offset < size {
		next, err := c.patch(ctx, uploadURL, f, offset, min(chunk, size-offset), size)
		if err == nil {
			offset, failures, unanswered = next, 0, nil
			continue
		}
		unanswered = err
		if ctx.Err() != nil || !retryable(err) {
			return uploadURL, err
		}
		failures++
		if failures >= maxAttempts {
			return uploadURL, fmt.Errorf("upload failed %d times in a row: %w", failures, err)
		}
		select {
		case <-time.After(time.Duration(failures) * time.Second):
		case <-ctx.Done():
			return uploadURL, ctx.Err()
		}
		if offset, err = c.offset(ctx, uploadURL, size); err != nil {
			return uploadURL, err
		}
	}
	if unanswered != nil {
		// The server holds every byte but did not answer the request that
		// completed them: what it made of the file is unknown. The state
		// file stays, so running again asks it (a HEAD) once more.
		return uploadURL, fmt.Errorf("the server has the whole file but answered its last bytes with: %w; run again to ask it to finish", unanswered)
	}
	_ = os.Remove(stateFile)
	return uploadURL, nil
}

// resume returns the upload the state file remembers and the server's offset
// for it, or "" when there is none the server still knows.
func (c *Client) resume(ctx context.Context, stateFile string, size int64) (string, int64, error) {
	raw, err := os.ReadFile(stateFile)
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	var st state
	if err := json.Unmarshal(raw, &st); err != nil || st.URL == "" {
		return "", 0, nil // a damaged state file: start over
	}
	var offset int64
	for attempt := 1; ; attempt++ {
		// the server may still hold the lock of the request that was cut (423)
		offset, err = c.offset(ctx, st.URL, size)
		if err == nil || !retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	var apiErr *httpx.APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status == http.StatusGone) {
		_ = os.Remove(stateFile) // the server forgot it (expired, abandoned): start over
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	return st.URL, offset, nil
}

// create asks for a new upload and returns its absolute URL.
func (c *Client) create(ctx context.Context, movieID, filename string, size int64) (string, error) {
	endpoint := c.Base + "/api/movies/" + url.PathEscape(movieID) + "/uploads"
	req, err := c.request(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(filename)))
	res, err := c.do(req, http.StatusCreated)
	if err != nil {
		return "", fmt.Errorf("creating the upload: %w", err)
	}
	loc, err := res.Location()
	if err != nil {
		return "", fmt.Errorf("creating the upload: the answer has no Location: %w", err)
	}
	return loc.String(), nil
}

// offset asks the server how many bytes of the upload it holds.
func (c *Client) offset(ctx context.Context, uploadURL string, size int64) (int64, error) {
	req, err := c.request(ctx, http.MethodHead, uploadURL, nil)
	if err != nil {
		return 0, err
	}
	res, err := c.do(req, http.StatusOK, http.StatusNoContent)
	if err != nil {
		return 0, err
	}
	offset, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || offset < 0 || offset > size {
		return 0, fmt.Errorf("the server answers a bad Upload-Offset %q", res.Header.Get("Upload-Offset"))
	}
	if l := res.Header.Get("Upload-Length"); l != "" && l != strconv.FormatInt(size, 10) {
		return 0, fmt.Errorf("the server's upload is %s bytes long, the file %d", l, size)
	}
	return offset, nil
}

// patch sends n bytes of f from offset and returns the server's new offset.
func (c *Client) patch(ctx context.Context, uploadURL string, f *os.File, offset, n, size int64) (int64, error) {
	body := func() io.Reader {
		return &progressReader{r: io.NewSectionReader(f, offset, n), offset: offset, size: size, report: c.Progress}
	}
	req, err := c.request(ctx, http.MethodPatch, uploadURL, body())
	if err != nil {
		return 0, err
	}
	req.ContentLength = n
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(body()), nil }
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	res, err := c.do(req, http.StatusNoContent, http.StatusOK)
	if err != nil {
		return 0, err
	}
	next, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || next <= offset || next > size {
		return 0, fmt.Errorf("the server answers a bad Upload-Offset %q after a PATCH at %d", res.Header.Get("Upload-Offset"), offset)
	}
	return next, nil
}

func (c *Client) request(ctx context.Context, method, target string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Tus-Resumable", tusVersion)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return req, nil
}

// do sends req and turns an answer with another status than want into an
// *httpx.APIError (problem details) or a transportError.
func (c *Client) do(req *http.Request, want ...int) (*http.Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err == nil && res.StatusCode == http.StatusUnauthorized && c.Reauth != nil {
		res.Body.Close()
		if c.Token, err = c.Reauth(req.Context()); err != nil {
			return nil, fmt.Errorf("signing in again: %w", err)
		}
		if req, err = retryRequest(req, c.Token); err != nil {
			return nil, err
		}
		res, err = hc.Do(req)
	}
	if err != nil {
		return nil, transportError{err}
	}
	defer res.Body.Close()
	for _, status := range want {
		if res.StatusCode == status {
			_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
			return res, nil
		}
	}
	return nil, httpx.ResponseError("media", res)
}

// retryRequest is req again with a fresh body and token.
func retryRequest(req *http.Request, token string) (*http.Request, error) {
	again := req.Clone(req.Context())
	if req.Body != nil && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		again.Body = body
	}
	again.Header.Set("Authorization", "Bearer "+token)
	return again, nil
}

// transportError is a request that got no answer.
type transportError struct{ err error }

func (e transportError) Error() string { return e.err.Error() }
func (e transportError) Unwrap() error { return e.err }

// retryable says whether asking the offset and sending again may succeed:
// the connection failed, the offsets disagree (409), the upload is locked by
// a request the server has not yet seen end (423), or the server is busy.
func retryable(err error) bool {
	var te transportError
	if errors.As(err, &te) {
		return true
	}
	var apiErr *httpx.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Status {
		case http.StatusConflict, http.StatusLocked, http.StatusTooManyRequests,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

// stateFile is the state file of this file (path, size, modification time)
// uploaded to this movie on this server: a changed file starts a new upload.
func (c *Client) stateFile(movieID, path string, info os.FileInfo) (string, error) {
	dir := c.StateDir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no folder for the upload's state: %w", err)
		}
		dir = filepath.Join(cache, "marquee", "uploads")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d", c.Base, movieID, abs, info.Size(), info.ModTime().UnixNano())
	return filepath.Join(dir, hex.EncodeToString(h.Sum(nil)[:16])+".json"), nil
}

func saveState(file string, st state) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// progressReader reports the offset as the request body is read.
type progressReader struct {
	r            io.Reader
	offset, size int64
	report       func(offset, size int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.offset += int64(n)
	if p.report != nil && n > 0 {
		p.report(p.offset, p.size)
	}
	return n, err
}
