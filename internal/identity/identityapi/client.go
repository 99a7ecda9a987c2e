package identityapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Errors matched (errors.Is) by the *Error of an answer with that status.
// The client's errors are the platform's: *Error is a problem answer, and
// errors.Is matches it against the sentinels by status.
type (
	Error      = httpx.APIError
	FieldError = httpx.FieldError
)

var (
	ErrNotFound     = httpx.ErrNotFound
	ErrUnauthorized = httpx.ErrUnauthorized
	ErrRateLimited  = httpx.ErrRateLimited
)

// Client calls the identity HTTP API.
type Client struct {
	core httpx.Client
}

// NewClient returns a client of the identity service at baseURL (e.g.
// "http://identity:8080"; the paths /api/... are appended). A nil hc means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{core: httpx.Client{Service: "identity", Base: baseURL, HTTP: hc}}
}

// WithToken returns a copy of the client that sends the bearer access token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.core.Token = token
	return &cp
}

// Register creates an account.
func (c *Client) Register(ctx context.Context, r RegisterRequest) (Me, error) {
	var m Me
	err := c.core.Do(ctx, http.MethodPost, "/api/auth/register", nil, r, &m)
	return m, err
}

// Login exchanges e-mail and password for tokens.
func (c *Client) Login(ctx context.Context, email, password string) (AuthTokens, error) {
	var t AuthTokens
	err := c.core.Do(ctx, http.MethodPost, "/api/auth/login", nil, LoginRequest{Email: email, Password: password}, &t)
	return t, err
}

// Refresh exchanges a refresh token for new tokens (the old one is used up).
func (c *Client) Refresh(ctx context.Context, refreshToken string) (AuthTokens, error) {
	var t AuthTokens
	err := c.core.Do(ctx, http.MethodPost, "/api/auth/refresh", nil, RefreshRequest{RefreshToken: refreshToken}, &t)
	return t, err
}

// Logout revokes the refresh token's family.
func (c *Client) Logout(ctx context.Context, refreshToken string) error {
	return c.core.Do(ctx, http.MethodPost, "/api/auth/logout", nil, RefreshRequest{RefreshToken: refreshToken}, nil)
}

// Me returns the caller's account.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var m Me
	err := c.core.Do(ctx, http.MethodGet, "/api/me", nil, nil, &m)
	return m, err
}

// UpdateMe changes the caller's account.
func (c *Client) UpdateMe(ctx context.Context, r UpdateMeRequest) (Me, error) {
	var m Me
	err := c.core.Do(ctx, http.MethodPatch, "/api/me", nil, r, &m)
	return m, err
}

// DeleteMe deletes the caller's account.
func (c *Client) DeleteMe(ctx context.Context) error {
	return c.core.Do(ctx, http.MethodDelete, "/api/me", nil, nil, nil)
}

// UserListParams are the filters and paging of GET /api/users; zero values are left out.
type UserListParams struct {
	Q              string
	IncludeDeleted bool
	Limit          int
	Cursor         string
}

// ListUsers fetches one page of accounts (administrator token).
func (c *Client) ListUsers(ctx context.Context, p UserListParams) (UserPage, error) {
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	if p.IncludeDeleted {
		v.Set("include_deleted", "true")
	}
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		v.Set("cursor", p.Cursor)
	}
	var page UserPage
	err := c.core.Do(ctx, http.MethodGet, "/api/users", v, nil, &page)
	return page, err
}

// GetUser fetches a public profile; errors.Is(err, ErrNotFound) when there is none.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	err := c.core.Do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(id), nil, nil, &u)
	return u, err
}

// UpdateUser changes an account (its holder or an administrator).
func (c *Client) UpdateUser(ctx context.Context, id string, r UpdateUserRequest) (Me, error) {
	var m Me
	err := c.core.Do(ctx, http.MethodPut, "/api/users/"+url.PathEscape(id), nil, r, &m)
	return m, err
}

// DeleteUser soft-deletes an account (administrator token).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.core.Do(ctx, http.MethodDelete, "/api/users/"+url.PathEscape(id), nil, nil, nil)
}
