package socialapi

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

// ErrNotFound is matched (errors.Is) by the *Error of a 404 answer.
var ErrNotFound = errors.New("social: not found")

// FieldError names one invalid field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a non-2xx answer of the social API (an RFC 9457 problem).
type Error struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("social: %d %s", e.Status, e.Title)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	for _, fe := range e.Errors {
		msg += "; " + fe.Field + " " + fe.Reason
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for 404s.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// Client calls the social HTTP API.
type Client struct {
	base  string
	hc    *http.Client
	token string
}

// NewClient returns a client of the social service at baseURL (e.g.
// "http://social:8080"; the paths /api/... are appended). A nil hc means
// http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), hc: hc}
}

// WithToken returns a copy of the client that sends the bearer access token
// (follows and the feed need a signed-in user's token).
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

// Follow makes the caller follow a user (idempotent) and returns the followed user.
func (c *Client) Follow(ctx context.Context, userID string) (Follow, error) {
	var f Follow
	err := c.do(ctx, http.MethodPut, "/api/users/"+url.PathEscape(userID)+"/follow", nil, nil, &f)
	return f, err
}

// Unfollow makes the caller stop following a user (idempotent).
func (c *Client) Unfollow(ctx context.Context, userID string) error {
	return c.do(ctx, http.MethodDelete, "/api/users/"+url.PathEscape(userID)+"/follow", nil, nil, nil)
}

// Followers fetches one page of who follows a user, newest follow first.
func (c *Client) Followers(ctx context.Context, userID string, p ListParams) (FollowPage, error) {
	var page FollowPage
	err := c.do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(userID)+"/followers", p.values(), nil, &page)
	return page, err
}

// Following fetches one page of whom a user follows, newest follow first.
func (c *Client) Following(ctx context.Context, userID string, p ListParams) (FollowPage, error) {
	var page FollowPage
	err := c.do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(userID)+"/following", p.values(), nil, &page)
	return page, err
}

// Feed fetches one page of the caller's feed, newest review first.
func (c *Client) Feed(ctx context.Context, p ListParams) (FeedPage, error) {
	var page FeedPage
	err := c.do(ctx, http.MethodGet, "/api/feed", p.values(), nil, &page)
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
			return fmt.Errorf("social: encode request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("social: %w", err)
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
		return fmt.Errorf("social: %s %s: %w", method, path, err)
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
		return fmt.Errorf("social: decode %s %s answer: %w", method, path, err)
	}
	return nil
}
