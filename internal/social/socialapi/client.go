package socialapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// The client's errors are the platform's: *Error is a problem answer, and
// errors.Is matches it against the sentinels by status.
type (
	Error      = httpx.APIError
	FieldError = httpx.FieldError
)

// ErrNotFound is matched by the *Error of a 404 answer.
var ErrNotFound = httpx.ErrNotFound

// Client calls the social HTTP API.
type Client struct {
	core httpx.Client
}

// NewClient returns a client of the social service at baseURL (e.g.
// "http://social:8080"; the paths /api/... are appended). A nil hc means
// http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{core: httpx.Client{Service: "social", Base: baseURL, HTTP: hc}}
}

// WithToken returns a copy of the client that sends the bearer access token
// (follows and the feed need a signed-in user's token).
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.core.Token = token
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
	err := c.core.Do(ctx, http.MethodPut, "/api/users/"+url.PathEscape(userID)+"/follow", nil, nil, &f)
	return f, err
}

// Unfollow makes the caller stop following a user (idempotent).
func (c *Client) Unfollow(ctx context.Context, userID string) error {
	return c.core.Do(ctx, http.MethodDelete, "/api/users/"+url.PathEscape(userID)+"/follow", nil, nil, nil)
}

// Followers fetches one page of who follows a user, newest follow first.
func (c *Client) Followers(ctx context.Context, userID string, p ListParams) (FollowPage, error) {
	var page FollowPage
	err := c.core.Do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(userID)+"/followers", p.values(), nil, &page)
	return page, err
}

// Following fetches one page of whom a user follows, newest follow first.
func (c *Client) Following(ctx context.Context, userID string, p ListParams) (FollowPage, error) {
	var page FollowPage
	err := c.core.Do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(userID)+"/following", p.values(), nil, &page)
	return page, err
}

// Feed fetches one page of the caller's feed, newest review first.
func (c *Client) Feed(ctx context.Context, p ListParams) (FeedPage, error) {
	var page FeedPage
	err := c.core.Do(ctx, http.MethodGet, "/api/feed", p.values(), nil, &page)
	return page, err
}
