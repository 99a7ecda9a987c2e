package identityapi

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

// Errors matched (errors.Is) by the *Error of an answer with that status.
var (
	ErrNotFound     = errors.New("identity: not found")
	ErrUnauthorized = errors.New("identity: unauthorized")
	ErrRateLimited  = errors.New("identity: rate limited")
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a non-2xx answer of the identity API (an RFC 9457 problem).
type Error struct {
	Status     int          `json:"status"`
	Title      string       `json:"title"`
	Detail     string       `json:"detail"`
	Errors     []FieldError `json:"errors"`
	RetryAfter int          `json:"-"` // seconds, from the Retry-After header of a 429
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("identity: %d %s", e.Status, e.Title)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	for _, fe := range e.Errors {
		msg += "; " + fe.Field + " " + fe.Reason
	}
	return msg
}

// Is matches ErrNotFound (404), ErrUnauthorized (401) and ErrRateLimited (429).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// Client calls the identity HTTP API.
type Client struct {
	base  string
	hc    *http.Client
	token string
}

// NewClient returns a client of the identity service at baseURL (e.g.
// "http://identity:8080"; the paths /api/... are appended). A nil hc means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), hc: hc}
}

// WithToken returns a copy of the client that sends the bearer access token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// Register creates an account.
func (c *Client) Register(ctx context.Context, r RegisterRequest) (Me, error) {
	var m Me
	err := c.do(ctx, http.MethodPost, "/api/auth/register", nil, r, &m)
	return m, err
}

// Login exchanges e-mail and password for tokens.
func (c *Client) Login(ctx context.Context, email, password string) (AuthTokens, error) {
	var t AuthTokens
	err := c.do(ctx, http.MethodPost, "/api/auth/login", nil, LoginRequest{Email: email, Password: password}, &t)
	return t, err
}

// Refresh exchanges a refresh token for new tokens (the old one is used up).
func (c *Client) Refresh(ctx context.Context, refreshToken string) (AuthTokens, error) {
	var t AuthTokens
	err := c.do(ctx, http.MethodPost, "/api/auth/refresh", nil, RefreshRequest{RefreshToken: refreshToken}, &t)
	return t, err
}

// Logout revokes the refresh token's family.
func (c *Client) Logout(ctx context.Context, refreshToken string) error {
	return c.do(ctx, http.MethodPost, "/api/auth/logout", nil, RefreshRequest{RefreshToken: refreshToken}, nil)
}

// Me returns the caller's account.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var m Me
	err := c.do(ctx, http.MethodGet, "/api/me", nil, nil, &m)
	return m, err
}

// UpdateMe changes the caller's account.
func (c *Client) UpdateMe(ctx context.Context, r UpdateMeRequest) (Me, error) {
	var m Me
	err := c.do(ctx, http.MethodPatch, "/api/me", nil, r, &m)
	return m, err
}

// DeleteMe deletes the caller's account.
func (c *Client) DeleteMe(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/api/me", nil, nil, nil)
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
	err := c.do(ctx, http.MethodGet, "/api/users", v, nil, &page)
	return page, err
}

// GetUser fetches a public profile; errors.Is(err, ErrNotFound) when there is none.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	err := c.do(ctx, http.MethodGet, "/api/users/"+url.PathEscape(id), nil, nil, &u)
	return u, err
}

// UpdateUser changes an account (its holder or an administrator).
func (c *Client) UpdateUser(ctx context.Context, id string, r UpdateUserRequest) (Me, error) {
	var m Me
	err := c.do(ctx, http.MethodPut, "/api/users/"+url.PathEscape(id), nil, r, &m)
	return m, err
}

// DeleteUser soft-deletes an account (administrator token).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/users/"+url.PathEscape(id), nil, nil, nil)
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
			return fmt.Errorf("identity: encode request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("identity: %w", err)
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
		return fmt.Errorf("identity: %s %s: %w", method, path, err)
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
		apiErr.RetryAfter, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
		return apiErr
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("identity: decode %s %s answer: %w", method, path, err)
	}
	return nil
}
