package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// StripeConfig selects and configures the Stripe adapter.
type StripeConfig struct {
	SecretKey     string // MARQUEE_STRIPE_SECRET_KEY: sk_test_... or sk_live_...
	WebhookSecret string // MARQUEE_STRIPE_WEBHOOK_SECRET: whsec_...
	// APIBase replaces https://api.stripe.com (stripe-mock in tests,
	// MARQUEE_STRIPE_API_BASE).
	APIBase string
	// HTTPClient, if set, makes the API calls (tests record them).
	HTTPClient *http.Client
}

// stripeProvider is the Stripe adapter: hosted Checkout Sessions, refunds
// with idempotency keys, and webhooks verified with stripe-go's own
// webhook.ConstructEvent logic. Renewals are not charged through Stripe
// yet: ChargeRenewal refuses, so a Stripe subscription goes past due at its
// period end (see README).
type stripeProvider struct {
	client    *stripe.Client
	cfg       StripeConfig
	publicURL string
}

func newStripe(cfg StripeConfig, publicURL string) *stripeProvider {
	var opts []stripe.ClientOption
	if cfg.APIBase != "" || cfg.HTTPClient != nil {
		hc := cfg.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: 20 * time.Second}
		}
		bc := &stripe.BackendConfig{HTTPClient: hc}
		if cfg.APIBase != "" {
			bc.URL = stripe.String(strings.TrimRight(cfg.APIBase, "/"))
		}
		opts = append(opts, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))
	}
	return &stripeProvider{client: stripe.NewClient(cfg.SecretKey, opts...), cfg: cfg, publicURL: strings.TrimRight(publicURL, "/")}
}

func (*stripeProvider) Name() string { return StripeProvider }

// CreateCheckout creates a Checkout Session in payment mode; its
// idempotency key is derived from the order, so a repeated call gets the
// same session. The card is saved for renewals (setup_future_usage).
func (p *stripeProvider) CreateCheckout(ctx context.Context, r CheckoutRequest) (CheckoutSession, error) {
	params := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		SuccessURL:        stripe.String(p.publicURL + "/account/orders/" + r.OrderID),
		CancelURL:         stripe.String(p.publicURL + "/account/orders/" + r.OrderID),
		ClientReferenceID: stripe.String(r.OrderID),
		ExpiresAt:         stripe.Int64(r.ExpiresAt.Unix()),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(r.Currency)),
				UnitAmount:  stripe.Int64(r.Amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(r.Title)},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			SetupFutureUsage: stripe.String("off_session"),
			Metadata:         map[string]string{"order_id": r.OrderID},
		},
		Metadata: map[string]string{"order_id": r.OrderID, "user_id": r.UserID},
	}
	params.SetIdempotencyKey("checkout-" + r.OrderID)
	cs, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return CheckoutSession{}, fmt.Errorf("stripe checkout session of order %s: %w", r.OrderID, err)
	}
	return CheckoutSession{ID: cs.ID, URL: cs.URL}, nil
}

// Refund refunds the order's payment intent with the order's idempotency key.
func (p *stripeProvider) Refund(ctx context.Context, r RefundRequest) (string, error) {
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(r.PaymentRef)}
	params.AddMetadata("order_id", r.OrderID)
	params.SetIdempotencyKey(r.IdempotencyKey)
	ref, err := p.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe refund of order %s: %w", r.OrderID, err)
	}
	return ref.ID, nil
}

// ChargeRenewal is not supported through Stripe yet.
func (*stripeProvider) ChargeRenewal(context.Context, RenewalCharge) (string, error) {
	return "", fmt.Errorf("%w: renewals through Stripe are not supported yet", ErrDeclined)
}

// VerifyWebhook checks the Stripe-Signature header with stripe-go's
// webhook.ConstructEventWithOptions (300 s tolerance), then reads the event.
func (p *stripeProvider) VerifyWebhook(payload []byte, h http.Header, _ time.Time) (WebhookEvent, error) {
	if p.cfg.WebhookSecret == "" {
		return WebhookEvent{}, fmt.Errorf("%w: MARQUEE_STRIPE_WEBHOOK_SECRET is not set", ErrBadSignature)
	}
	_, err := webhook.ConstructEventWithOptions(payload, h.Get("Stripe-Signature"), p.cfg.WebhookSecret,
		webhook.ConstructEventOptions{Tolerance: SignatureTolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) || errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) {
			return WebhookEvent{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		return WebhookEvent{}, err
	}
	return decodeWebhook(payload)
}
