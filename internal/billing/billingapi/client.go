package billingapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"

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

// Client calls the billing HTTP API.
type Client struct {
	core httpx.Client
}

// NewClient returns a client of the billing service at baseURL (the paths
// /api/... are appended). A nil hc means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{core: httpx.Client{Service: "billing", Base: baseURL, HTTP: hc}}
}

// WithToken returns a copy of the client that sends the bearer access token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.core.Token = token
	return &cp
}

// ErrUnavailable is returned by CanWatch when billing gave no usable answer;
// callers must refuse playback (503): they fail closed.
var ErrUnavailable = errors.New("billing could not say whether the user may watch")

// CanWatch asks whether the caller (the client's token) may watch movie
// movieID. The decision is Allowed, NoSubscription or NotInPlan. Any failure
// to get an answer (network, 5xx, a malformed answer) is ErrUnavailable
// (wrapping the cause), never an Allowed: the caller fails closed.
func (c *Client) CanWatch(ctx context.Context, movieID string) (WatchDecision, error) {
	var d WatchDecision
	if err := c.core.Do(ctx, http.MethodGet, "/api/me/entitlements/movies/"+url.PathEscape(movieID), nil, nil, &d); err != nil {
		return WatchDecision{Decision: NoSubscription}, errors.Join(ErrUnavailable, err)
	}
	switch d.Decision {
	case Allowed, NoSubscription, NotInPlan:
		return d, nil
	}
	return WatchDecision{Decision: NoSubscription}, errors.Join(ErrUnavailable, errors.New("unknown decision "+d.Decision))
}
