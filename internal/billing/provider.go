package billing

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// Provider names, as orders record them and webhook routes name them.
const (
	SandboxProvider = "sandbox"
	StripeProvider  = "stripe"
)

// CheckoutRequest asks a provider for a hosted checkout of an order.
type CheckoutRequest struct {
	OrderID   string
	UserID    string
	Title     string
	Amount    int64
	Currency  string // ISO 4217, upper case
	ExpiresAt time.Time
}

// CheckoutSession is where the user pays.
type CheckoutSession struct {
	ID  string
	URL string
}

// RefundRequest gives back an order's payment. The same IdempotencyKey
// (derived from the order) never refunds twice.
type RefundRequest struct {
	OrderID        string
	PaymentRef     string
	Amount         int64
	Currency       string
	IdempotencyKey string
}

// RenewalCharge charges a user's saved method for a subscription period.
type RenewalCharge struct {
	UserID         string
	SubscriptionID string
	Amount         int64
	Currency       string
	IdempotencyKey string
}

// ErrDeclined is a payment the provider refused (not worth retrying now).
var ErrDeclined = errors.New("payment declined")

// ErrBadSignature is a webhook whose signature is missing, wrong or stale.
var ErrBadSignature = errors.New("bad webhook signature")

// Provider is a payment provider. Every call must be idempotent for the
// same order or key: the saga may repeat a call after a crash.
type Provider interface {
	Name() string
	// CreateCheckout opens (or, for an order that has one, returns) a hosted checkout.
	CreateCheckout(ctx context.Context, r CheckoutRequest) (CheckoutSession, error)
	// Refund refunds a payment once per key and returns the refund's id.
	Refund(ctx context.Context, r RefundRequest) (string, error)
	// ChargeRenewal charges the saved method once per key; ErrDeclined when refused.
	ChargeRenewal(ctx context.Context, r RenewalCharge) (string, error)
	// VerifyWebhook checks a delivery's signature and freshness and decodes it.
	VerifyWebhook(payload []byte, h http.Header, now time.Time) (WebhookEvent, error)
}

// WebhookEvent is a provider event in Stripe's shape (the sandbox sends the same).
type WebhookEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object WebhookObject `json:"object"`
	} `json:"data"`
}

// WebhookObject is the part of the event's object billing reads.
type WebhookObject struct {
	ID            string            `json:"id"`
	AmountTotal   int64             `json:"amount_total"`
	Currency      string            `json:"currency"`
	PaymentIntent string            `json:"payment_intent,omitempty"`
	Metadata      map[string]string `json:"metadata"`
}

// Webhook event types billing acts on.
const (
	EventCheckoutCompleted = "checkout.session.completed"
	EventCheckoutExpired   = "checkout.session.expired"
	EventPaymentFailed     = "payment_intent.payment_failed"
	EventChargeRefunded    = "charge.refunded"
	EventInvoicePaid       = "invoice.paid"
	EventInvoiceFailed     = "invoice.payment_failed"
)

// SignatureTolerance is how old a signed delivery may be.
const SignatureTolerance = 300 * time.Second

// SignatureHeader is the sandbox's signature header (Stripe's is Stripe-Signature).
const SignatureHeader = "Marquee-Signature"

// SignPayload returns the signature header value for payload at t:
// "t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<payload>">", computed by
// stripe-go's own signer, so both providers' deliveries are signed alike.
func SignPayload(payload []byte, secret string, t time.Time) string {
	return "t=" + strconv.FormatInt(t.Unix(), 10) + ",v1=" + hex.EncodeToString(webhook.ComputeSignature(t, payload, secret))
}

// verifySignature checks a t=..,v1=.. header against payload at now: some v1
// must match and t must be within the tolerance (either side).
func verifySignature(payload []byte, header, secret string, now time.Time) error {
	if header == "" {
		return fmt.Errorf("%w: no signature header", ErrBadSignature)
	}
	var ts int64 = -1
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: bad timestamp", ErrBadSignature)
			}
			ts = n
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return fmt.Errorf("%w: the header needs t= and v1=", ErrBadSignature)
	}
	t := time.Unix(ts, 0)
	if d := now.Sub(t); d > SignatureTolerance || d < -SignatureTolerance {
		return fmt.Errorf("%w: signed %s from now, more than the %s tolerance", ErrBadSignature, d.Round(time.Second), SignatureTolerance)
	}
	want := webhook.ComputeSignature(t, payload, secret)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no signature matches", ErrBadSignature)
}

// decodeWebhook reads a verified payload.
func decodeWebhook(payload []byte) (WebhookEvent, error) {
	var ev WebhookEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return ev, fmt.Errorf("webhook body: %w", err)
	}
	if ev.ID == "" || ev.Type == "" {
		return ev, errors.New("webhook body: an event needs id and type")
	}
	return ev, nil
}
