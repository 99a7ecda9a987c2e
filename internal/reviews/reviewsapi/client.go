package reviewsapi

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
)

// Errors matched (errors.Is) by the *Error of a 404 or 409 answer.
var (
	ErrNotFound = errors.New("reviews: not found")
	ErrConflict = errors.New("reviews: conflict")
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a non-2xx answer of the reviews API (an RFC 9457 problem).
type Error struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("reviews: %d %s", e.Status, e.Title)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	for _, fe := range e.Errors {
		msg += "; " + fe.Field + " " + fe.Reason
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for 404s and ErrConflict for 409s.
func (e *Error) Is(target error) bool {
	return (target == ErrNotFound && e.Status == http.StatusNotFound) ||
		(target == ErrConflict && e.Status == http.StatusConflict)
}

// Client calls the reviews HTTP API.
type Client struct {
	base  string
	hc    *http.Client
	token string
}

// NewClient returns a client of the reviews service at baseURL (e.g.
// "http://reviews:8080"; the paths /api/... are appended). A nil hc means
// http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), hc: hc}
}

// WithToken returns a copy of the client that sends the bearer access token
// (writes need a signed-in user's token).
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// ListParams page through a list; zero values are left out.
type ListParams struct {
	Limit  int
	Cursor string
}

func (p ListParams) values() url.Values {
	v := url.Values{}
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		v.Set("cursor", p.Cursor)
	}
	return v
}

// Submit writes the caller's review of a movie. errors.Is(err, ErrConflict)
// when the caller already reviewed it, ErrNotFound when the movie does not exist.
func (c *Client) Submit(ctx context.Context, movieID string, w ReviewWrite) (Review, error) {
	var r Review
	err := c.do(ctx, http.MethodPost, "/api/movies/"+url.PathEscape(movieID)+"/reviews", nil, w, &r)
	return r, err
}

// Get fetches one review.
func (c *Client) Get(ctx context.Context, id string) (Review, error) {
	var r Review
	err := c.do(ctx, http.MethodGet, "/api/reviews/"+url.PathEscape(id), nil, nil, &r)
	return r, err
}

// Update replaces the rating and body of the caller's own review.
func (c *Client) Update(ctx context.Context, id string, w ReviewWrite) (Review, error) {
	var r Review
	err := c.do(ctx, http.MethodPut, "/api/reviews/"+url.PathEscape(id), nil, w, &r)
	return r, err
}

// Delete removes a review (its author or an administrator).
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/reviews/"+url.PathEscape(id), nil, nil, nil)
}

// ListByMovie fetches one page of a movie's reviews, newest first.
func (c *Client) ListByMovie(ctx context.Context, movieID string, p ListParams) (ReviewPage, error) {
	var page ReviewPage
	err := c.do(ctx, http.MethodGet, "/api/movies/"+url.PathEscape(movieID)+"/reviews", p.values(), nil, &page)
	return page, err
}

// ListByUser fetches one page of a user's reviews, newest first.
func (c *Client) ListByUser(ctx context.Context, userID string, p ListParams) (ReviewPage, error) {
	var page ReviewPage
	err := c.do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(userID)+"/reviews", p.values(), nil, &page)
	return page, err
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("reviews: encode request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("reviews: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("reviews: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		apiErr := &Error{Status: resp.StatusCode}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = json.Unmarshal(raw, apiErr)
		apiErr.Status = resp.StatusCode
		if apiErr.Title == "" {
			apiErr.Title = http.StatusText(resp.StatusCode)
		}
		return apiErr
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("reviews: decode %s %s answer: %w", method, path, err)
	}
	return nil
}
