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

// Plans lists the plans on offer.
func (c *Client) Plans(ctx context.Context) ([]Plan, error) {
	var l PlanList
	err := c.core.Do(ctx, http.MethodGet, "/api/plans", nil, nil, &l)
	return l.Items, err
}

// CreateOrder orders a plan; the same idempotency key (sent as the
// Idempotency-Key header) answers with the same order.
func (c *Client) CreateOrder(ctx context.Context, planID, idempotencyKey string) (Checkout, error) {
	var out Checkout
	hc := c.core.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	core := c.core
	core.HTTP = &http.Client{Transport: headerTransport{base: hc.Transport, key: idempotencyKey}, Timeout: hc.Timeout, Jar: hc.Jar}
	err := core.Do(ctx, http.MethodPost, "/api/orders", nil, OrderInput{PlanID: planID}, &out)
	return out, err
}

// headerTransport adds the Idempotency-Key header to a request.
type headerTransport struct {
	base http.RoundTripper
	key  string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.key != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Idempotency-Key", t.key)
	}
	return base.RoundTrip(r)
}

// Order reads one of the caller's orders.
func (c *Client) Order(ctx context.Context, id string) (Order, error) {
	var o Order
	err := c.core.Do(ctx, http.MethodGet, "/api/orders/"+url.PathEscape(id), nil, nil, &o)
	return o, err
}

// Subscription reads the caller's subscription (ErrNotFound when none).
func (c *Client) Subscription(ctx context.Context) (Subscription, error) {
	var s Subscription
	err := c.core.Do(ctx, http.MethodGet, "/api/subscription", nil, nil, &s)
	return s, err
}

// Entitlements reads what the caller's subscription gives.
func (c *Client) Entitlements(ctx context.Context) (Entitlements, error) {
	var e Entitlements
	err := c.core.Do(ctx, http.MethodGet, "/api/me/entitlements", nil, nil, &e)
	return e, err
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
