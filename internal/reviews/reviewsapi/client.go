package reviewsapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// The client's errors are the platform's: *Error is a problem answer, and
// errors.Is matches it against the sentinels by status (404, 409).
type (
	Error      = httpx.APIError
	FieldError = httpx.FieldError
)

var (
	ErrNotFound = httpx.ErrNotFound
	ErrConflict = httpx.ErrConflict
)

// Client calls the reviews HTTP API.
type Client struct {
	core httpx.Client
}

// NewClient returns a client of the reviews service at baseURL (e.g.
// "http://reviews:8080"; the paths /api/... are appended). A nil hc means
// http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{core: httpx.Client{Service: "reviews", Base: baseURL, HTTP: hc}}
}

// WithToken returns a copy of the client that sends the bearer access token
// (writes need a signed-in user's token).
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

// Submit writes the caller's review of a movie. errors.Is(err, ErrConflict)
// when the caller already reviewed it, ErrNotFound when the movie does not exist.
func (c *Client) Submit(ctx context.Context, movieID string, w ReviewWrite) (Review, error) {
	var r Review
	err := c.core.Do(ctx, http.MethodPost, "/api/movies/"+url.PathEscape(movieID)+"/reviews", nil, w, &r)
	return r, err
}

// Get fetches one review.
func (c *Client) Get(ctx context.Context, id string) (Review, error) {
	var r Review
	err := c.core.Do(ctx, http.MethodGet, "/api/reviews/"+url.PathEscape(id), nil, nil, &r)
	return r, err
}

// Update replaces the rating and body of the caller's own review.
func (c *Client) Update(ctx context.Context, id string, w ReviewWrite) (Review, error) {
	var r Review
	err := c.core.Do(ctx, http.MethodPut, "/api/reviews/"+url.PathEscape(id), nil, w, &r)
	return r, err
}

// Delete removes a review (its author or an administrator).
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.core.Do(ctx, http.MethodDelete, "/api/reviews/"+url.PathEscape(id), nil, nil, nil)
}

// ListByMovie fetches one page of a movie's reviews, newest first.
func (c *Client) ListByMovie(ctx context.Context, movieID string, p ListParams) (ReviewPage, error) {
	var page ReviewPage
	err := c.core.Do(ctx, http.MethodGet, "/api/movies/"+url.PathEscape(movieID)+"/reviews", p.values(), nil, &page)
	return page, err
}

// ListByUser fetches one page of a user's reviews, newest first.
func (c *Client) ListByUser(ctx context.Context, userID string, p ListParams) (ReviewPage, error) {
	var page ReviewPage
	err := c.core.Do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(userID)+"/reviews", p.values(), nil, &page)
	return page, err
}
