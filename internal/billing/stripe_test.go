package billing_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/testbin"
)

// startStripeMock runs stripe-mock (go install github.com/stripe/stripe-mock@v0.203.0)
// on a free port (testbin: skipped where it is missing, fails in CI).
func startStripeMock(t *testing.T) string {
	t.Helper()
	bin := testbin.Require(t, "stripe-mock", "go install github.com/stripe/stripe-mock@v0.203.0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", "127.0.0.1:") // any free port for the HTTPS side we do not use
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("stripe-mock:\n%s", out.String())
		}
	})
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 20*time.Second, 20*time.Millisecond, "stripe-mock did not start")
	return "http://" + addr
}

// recorder keeps the Stripe API calls the adapter made.
type recorder struct {
	mu    sync.Mutex
	calls []string // "POST /v1/refunds key=refund-..."
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.calls = append(r.calls, fmt.Sprintf("%s %s key=%s", req.Method, req.URL.Path, req.Header.Get("Idempotency-Key")))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// stripeEvent is a Stripe event about an order, signed by stripe-go's test helper.
func stripeEvent(t *testing.T, typ, orderID, paymentIntent string, amount int64, secret string, at time.Time) (body []byte, header string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": "evt_" + strings.ReplaceAll(uuid.NewString(), "-", ""), "object": "event", "type": typ,
		"api_version": "2025-01-27.acacia", "created": at.Unix(),
		"data": map[string]any{"object": map[string]any{"id": "cs_test_" + orderID[:8], "object": "checkout.session", "amount_total": amount,
			"currency": "usd", "payment_intent": paymentIntent, "metadata": map[string]string{"order_id": orderID}}}})
	require.NoError(t, err)
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	return signed.Payload, signed.Header
}

func (e *env) stripeWebhook(body []byte, header string) int {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.srv.URL+"/api/payments/webhooks/stripe", bytes.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", header)
	return e.sendRaw(req).Status
}

// The Stripe adapter: Checkout Sessions and refunds against stripe-mock
// (request shapes, idempotency keys derived from the order), and webhooks
// verified with stripe-go's webhook package.
func TestStripeAdapter(t *testing.T) {
	t.Parallel()
	base := startStripeMock(t)
	rec := &recorder{}
	const secret = "whsec_test_marquee"
	e := newEnv(t, sqldb.SQLite, func(c *billing.Config, _ *[]billing.Option) {
		c.PublicURL = "http://localhost:8080"
		c.Stripe = billing.StripeConfig{SecretKey: "sk_test_123", WebhookSecret: secret, APIBase: base, HTTPClient: &http.Client{Transport: rec, Timeout: 20 * time.Second}}
	})
	std := e.planBySlug("standard")
	_, tok := e.user()
	a := e.order(tok, std.ID, "")
	b := e.order(tok, std.ID, "") // paid after a: cannot activate
	require.Equal(t, "stripe", a.Order.Provider)
	require.NotEmpty(t, a.CheckoutURL, "stripe-mock's session URL")
	require.Contains(t, rec.seen(), "POST /v1/checkout/sessions key=checkout-"+a.Order.ID)

	// stripe-go's own verification: wrong secret, stale, unsigned → 400
	now := time.Now()
	body, header := stripeEvent(t, billing.EventCheckoutCompleted, a.Order.ID, "pi_a", a.Order.Amount, "whsec_wrong", now)
	require.Equal(t, http.StatusBadRequest, e.stripeWebhook(body, header))
	body, header = stripeEvent(t, billing.EventCheckoutCompleted, a.Order.ID, "pi_a", a.Order.Amount, secret, now.Add(-10*time.Minute))
	require.Equal(t, http.StatusBadRequest, e.stripeWebhook(body, header))
	require.Equal(t, http.StatusBadRequest, e.stripeWebhook(body, ""))
	require.Equal(t, billingapi.StatusPending, e.getOrder(tok, a.Order.ID).Status)

	body, header = stripeEvent(t, billing.EventCheckoutCompleted, a.Order.ID, "pi_a", a.Order.Amount, secret, now)
	require.Equal(t, http.StatusOK, e.stripeWebhook(body, header))
	require.Equal(t, http.StatusOK, e.stripeWebhook(body, header), "a duplicate: 200, no effect")
	e.drain()
	require.Equal(t, billingapi.StatusCompleted, e.getOrder(tok, a.Order.ID).Status)

	// a second paid order of the same plan cannot activate: refunded through Stripe, once
	body, header = stripeEvent(t, billing.EventCheckoutCompleted, b.Order.ID, "pi_b", b.Order.Amount, secret, now)
	require.Equal(t, http.StatusOK, e.stripeWebhook(body, header))
	e.drain()
	o := e.getOrder(tok, b.Order.ID)
	require.Equal(t, billingapi.StatusRefunded, o.Status)
	refunds := 0
	for _, c := range rec.seen() {
		if strings.HasPrefix(c, "POST /v1/refunds") {
			require.Equal(t, "POST /v1/refunds key="+billing.RefundKey(b.Order.ID), c)
			refunds++
		}
	}
	require.Equal(t, 1, refunds)

	// declined → cancelled
	c := e.order(tok, e.planBySlug("premium").ID, "")
	body, header = stripeEvent(t, billing.EventPaymentFailed, c.Order.ID, "pi_c", c.Order.Amount, secret, now)
	require.Equal(t, http.StatusOK, e.stripeWebhook(body, header))
	require.Equal(t, billingapi.StatusCancelled, e.getOrder(tok, c.Order.ID).Status)
}
