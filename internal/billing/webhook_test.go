package billing_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// deliveryBody is the webhook body of a sandbox.deliver job's payload.
func deliveryBody(t testing.TB, payload []byte) []byte {
	t.Helper()
	var d struct {
		Body json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal(payload, &d))
	return d.Body
}

// withNewID is the same event under a fresh event id.
func withNewID(t testing.TB, body []byte) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	m["id"] = "evt_" + uuid.NewString()
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// webhookBody is a Stripe-shaped event about an order.
func webhookBody(t testing.TB, id, typ, objectID, orderID string, amount int64) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": id, "type": typ, "created": time.Now().Unix(),
		"data": map[string]any{"object": map[string]any{"id": objectID, "amount_total": amount, "currency": "usd", "metadata": map[string]string{"order_id": orderID}}}})
	require.NoError(t, err)
	return b
}

func signedWebhook(t testing.TB, e *env, body []byte, secret string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.srv.URL+"/api/payments/webhooks/sandbox", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(billing.SignatureHeader, billing.SignPayload(body, secret, at))
	return req
}

func (e *env) sendRaw(req *http.Request) servicetest.Response {
	e.t.Helper()
	return servicetest.Send(e.t, e.client, req)
}

// Only correctly signed, fresh deliveries are accepted; duplicates are 200
// with no effect.
func TestWebhookSignatures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	_, tok := e.user()
	c := e.order(tok, e.planBySlug("standard").ID, "")
	body := webhookBody(t, "evt_sig_1", billing.EventPaymentFailed, "pi_x", c.Order.ID, c.Order.Amount)
	now := e.clock.Now()
	for name, req := range map[string]*http.Request{
		"wrong secret": signedWebhook(t, e, body, "whsec_wrong", now),
		"stale":        signedWebhook(t, e, body, e.svc.SandboxWebhookSecret(), now.Add(-billing.SignatureTolerance-time.Second)),
		"future":       signedWebhook(t, e, body, e.svc.SandboxWebhookSecret(), now.Add(billing.SignatureTolerance+time.Second)),
	} {
		r := e.sendRaw(req)
		require.Equal(t, http.StatusBadRequest, r.Status, name)
		r.Problem(t)
	}
	unsigned := signedWebhook(t, e, body, e.svc.SandboxWebhookSecret(), now)
	unsigned.Header.Del(billing.SignatureHeader)
	require.Equal(t, http.StatusBadRequest, e.sendRaw(unsigned).Status)
	tampered := signedWebhook(t, e, body, e.svc.SandboxWebhookSecret(), now)
	tampered.Body = http.NoBody
	tampered.ContentLength = 0
	require.Equal(t, http.StatusBadRequest, e.sendRaw(tampered).Status)
	require.Equal(t, billingapi.StatusPending, e.getOrder(tok, c.Order.ID).Status, "nothing applied")

	// within the tolerance, correctly signed: applied once
	for range 2 {
		r := e.sendRaw(signedWebhook(t, e, body, e.svc.SandboxWebhookSecret(), now.Add(-time.Minute)))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	require.Equal(t, billingapi.StatusCancelled, e.getOrder(tok, c.Order.ID).Status)
	require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt_sig_1'`))
	types := e.outboxTypes()
	n := 0
	for _, typ := range types {
		if typ == billingapi.OrderCancelled {
			n++
		}
	}
	require.Equal(t, 1, n, "a duplicate has no effect")

	// Stripe's route without a configured secret refuses
	req := signedWebhook(t, e, body, "whsec_x", now)
	req.URL.Path = "/api/payments/webhooks/stripe"
	req.Header.Set("Stripe-Signature", req.Header.Get(billing.SignatureHeader))
	require.Equal(t, http.StatusBadRequest, e.sendRaw(req).Status)
}

// The secret is generated once per database and kept across restarts.
func TestSandboxSecretIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	first := e.svc.SandboxWebhookSecret()
	require.NotEmpty(t, first)
	e.cfg = billing.Config{}
	e.start()
	require.Equal(t, first, e.svc.SandboxWebhookSecret())
}
