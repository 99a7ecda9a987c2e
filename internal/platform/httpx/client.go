package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
)

// APIError is a problem answer received by a typed client. errors.Is
// matches it against the sentinels by status (ErrNotFound for a 404, ...).
type APIError struct {
	Service    string       `json:"-"`
	Status     int          `json:"status"`
	Title      string       `json:"title"`
	Detail     string       `json:"detail"`
	Errors     []FieldError `json:"errors"`
	RetryAfter int          `json:"-"` // seconds, from the Retry-After header of a 429
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s", e.Service, e.Status, e.Title)
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, fe := range e.Errors {
		b.WriteString("; " + fe.Field + " " + fe.Reason)
	}
	return b.String()
}

// Is reports whether the answer's status stands for target.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.Status == http.StatusServiceUnavailable
	case apperr.ErrInvalid:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	}
	return false
}

// Client is the HTTP core the typed <service>api clients share: JSON in and
// out, the bearer token, and problem answers turned into *APIError.
type Client struct {
	Service string // names the service in errors
	Base    string // e.g. http://catalog:8080
	HTTP    *http.Client
	Token   string // access token sent as Bearer, if any
}

// Do sends body (if not nil) as JSON and decodes a 2xx answer into out (if not nil).
func (c Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := strings.TrimRight(c.Base, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", c.Service, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Service, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	Propagate(ctx, req.Header) // the request id and trace of the request being served, if any
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %s %s: %w", c.Service, method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return ResponseError(c.Service, resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: decode %s %s answer: %w", c.Service, method, path, err)
	}
	return nil
}

// ResponseError reads the problem answer resp (status 3xx and up) carries,
// for clients that make their own requests (the tus upload client).
func ResponseError(service string, resp *http.Response) *APIError {
	apiErr := &APIError{}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(raw, apiErr)
	apiErr.Service, apiErr.Status = service, resp.StatusCode
	if apiErr.Title == "" {
		apiErr.Title = http.StatusText(resp.StatusCode)
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		apiErr.RetryAfter, _ = strconv.Atoi(s)
	}
	return apiErr
}
