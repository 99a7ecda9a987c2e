package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// CheckoutTTL is how long a checkout may wait for payment.
const CheckoutTTL = 30 * time.Minute

// Sandbox is the built-in payment provider: hosted checkout pages with Pay,
// Decline and Let it expire; Stripe-shaped webhooks signed with the
// Marquee-Signature header, delivered as durable jobs retried with backoff
// until a 2xx, sometimes twice or late; refunds and renewal charges
// idempotent by key. It keeps its books in billing's database (sandbox_*
// tables), apart from billing's own.
type Sandbox struct {
	s *Service
}

// Name is "sandbox".
func (*Sandbox) Name() string { return SandboxProvider }

func sandboxID(prefix string) string {
	return prefix + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")
}

// CreateCheckout opens the order's checkout session (the same one on every call for an order).
func (sb *Sandbox) CreateCheckout(ctx context.Context, r CheckoutRequest) (CheckoutSession, error) {
	var ss store.SandboxSession
	err := sb.s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		ss, err = sb.s.store.InsertSandboxSession(ctx, tx, store.SandboxSession{ID: sandboxID("cs_sbx_"), OrderID: r.OrderID,
			UserID: r.UserID, Title: r.Title, Amount: r.Amount, Currency: r.Currency, ExpiresAt: r.ExpiresAt, CreatedAt: sb.s.now()})
		if err != nil {
			return err
		}
		return sb.s.schedule(ctx, tx, jobSandboxExpire, "sbx-expire:"+ss.ID, ss.ID, ss.ExpiresAt)
	})
	if err != nil {
		return CheckoutSession{}, err
	}
	return CheckoutSession{ID: ss.ID, URL: strings.TrimRight(sb.s.cfg.PublicURL, "/") + "/sandbox/checkout/" + ss.ID}, nil
}

// Session reads a checkout session.
func (sb *Sandbox) Session(ctx context.Context, id string) (store.SandboxSession, error) {
	return sb.s.store.GetSandboxSession(ctx, sb.s.db, id)
}

// Pay charges the session (the user pressed Pay): a payment, a saved
// method for renewals and a checkout.session.completed webhook. A session
// that is no longer open (or past its expiry) is left as it is.
func (sb *Sandbox) Pay(ctx context.Context, sessionID string) (store.SandboxSession, error) {
	return sb.finish(ctx, sessionID, "paid")
}

// Decline refuses the payment: a payment_intent.payment_failed webhook.
func (sb *Sandbox) Decline(ctx context.Context, sessionID string) (store.SandboxSession, error) {
	return sb.finish(ctx, sessionID, "declined")
}

// Expire lets the session expire now: a checkout.session.expired webhook.
func (sb *Sandbox) Expire(ctx context.Context, sessionID string) (store.SandboxSession, error) {
	return sb.finish(ctx, sessionID, "expired")
}

func (sb *Sandbox) finish(ctx context.Context, sessionID, outcome string) (store.SandboxSession, error) {
	var ss store.SandboxSession
	err := sb.s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if ss, err = sb.s.store.GetSandboxSession(ctx, tx, sessionID); err != nil {
			return err
		}
		if ss.Status != "open" {
			return nil
		}
		if outcome != "expired" && !sb.s.now().Before(ss.ExpiresAt) {
			outcome = "expired" // too late to pay or decline
		}
		return sb.settle(ctx, tx, &ss, outcome)
	})
	return ss, err
}

// settle moves an open session to outcome in tx, with its money and webhook.
func (sb *Sandbox) settle(ctx context.Context, tx *sqldb.Tx, ss *store.SandboxSession, outcome string) error {
	now := sb.s.now()
	obj := WebhookObject{ID: ss.ID, AmountTotal: ss.Amount, Currency: strings.ToLower(ss.Currency), Metadata: map[string]string{"order_id": ss.OrderID}}
	var typ, chargeID string
	switch outcome {
	case "paid":
		c, _, err := sb.s.store.InsertSandboxCharge(ctx, tx, store.SandboxCharge{ID: sandboxID("pi_sbx_"), IdempotencyKey: "checkout:" + ss.ID,
			UserID: ss.UserID, Amount: ss.Amount, Currency: ss.Currency, Succeeded: true, CreatedAt: now})
		if err != nil {
			return err
		}
		// the card is kept for renewals
		if err := sb.s.store.SetSandboxFailNext(ctx, tx, ss.UserID, false); err != nil {
			return err
		}
		chargeID, typ, obj.PaymentIntent = c.ID, EventCheckoutCompleted, c.ID
	case "declined":
		typ = EventPaymentFailed
		obj.ID = sandboxID("pi_sbx_")
	case "expired":
		typ = EventCheckoutExpired
	default:
		return fmt.Errorf("sandbox: unknown outcome %q", outcome)
	}
	moved, err := sb.s.store.MoveSandboxSession(ctx, tx, ss.ID, outcome, chargeID, now)
	if err != nil || !moved {
		return err
	}
	ss.Status, ss.ChargeID = outcome, chargeID
	return sb.send(ctx, tx, typ, obj)
}

// applyExpire is the job that expires a session CheckoutTTL after it opened.
func (sb *Sandbox) applyExpire(ctx context.Context, tx *sqldb.Tx, j store.Job, _ any) error {
	ss, err := sb.s.store.GetSandboxSession(ctx, tx, j.Payload)
	if err != nil || ss.Status != "open" {
		return err
	}
	return sb.settle(ctx, tx, &ss, "expired")
}

// Refund refunds a charge once: the same key, or a second refund of the
// same charge, answers with the first refund.
func (sb *Sandbox) Refund(ctx context.Context, r RefundRequest) (string, error) {
	var id string
	err := sb.s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		c, err := sb.s.store.GetSandboxCharge(ctx, tx, r.PaymentRef)
		if err != nil {
			return err
		}
		ref, inserted, err := sb.s.store.InsertSandboxRefund(ctx, tx, store.SandboxRefund{ID: sandboxID("re_sbx_"), IdempotencyKey: r.IdempotencyKey,
			ChargeID: c.ID, Amount: c.Amount, CreatedAt: sb.s.now()})
		if err != nil {
			return err
		}
		id = ref.ID
		if !inserted {
			return nil
		}
		return sb.send(ctx, tx, EventChargeRefunded, WebhookObject{ID: c.ID, AmountTotal: c.Amount, Currency: strings.ToLower(c.Currency),
			Metadata: map[string]string{"order_id": r.OrderID, "refund_id": ref.ID}})
	})
	return id, err
}

// ChargeRenewal charges the user's saved method once per key; it fails when
// the sandbox was told to fail the next renewal (FailNextRenewal).
func (sb *Sandbox) ChargeRenewal(ctx context.Context, r RenewalCharge) (string, error) {
	var c store.SandboxCharge
	err := sb.s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		fail, err := sb.s.store.TakeSandboxFailNext(ctx, tx, r.UserID)
		if err != nil {
			return err
		}
		var inserted bool
		c, inserted, err = sb.s.store.InsertSandboxCharge(ctx, tx, store.SandboxCharge{ID: sandboxID("pi_sbx_"), IdempotencyKey: r.IdempotencyKey,
			UserID: r.UserID, Amount: r.Amount, Currency: r.Currency, Succeeded: !fail, CreatedAt: sb.s.now()})
		if err != nil {
			return err
		}
		if !inserted {
			if fail { // a repeated call decides nothing: the flag waits for the next renewal
				return sb.s.store.SetSandboxFailNext(ctx, tx, r.UserID, true)
			}
			return nil
		}
		typ := EventInvoicePaid
		if !c.Succeeded {
			typ = EventInvoiceFailed
		}
		return sb.send(ctx, tx, typ, WebhookObject{ID: sandboxID("in_sbx_"), AmountTotal: c.Amount, Currency: strings.ToLower(c.Currency),
			PaymentIntent: c.ID, Metadata: map[string]string{"subscription_id": r.SubscriptionID, "user_id": r.UserID}})
	})
	if err != nil {
		return "", err
	}
	if !c.Succeeded {
		return c.ID, ErrDeclined
	}
	return c.ID, nil
}

// FailNextRenewal makes the user's next renewal charge fail (for tests and
// for trying past_due by hand).
func (sb *Sandbox) FailNextRenewal(ctx context.Context, userID string) error {
	return sb.s.inWriteTx(ctx, func(tx *sqldb.Tx) error { return sb.s.store.SetSandboxFailNext(ctx, tx, userID, true) })
}

// VerifyWebhook checks the Marquee-Signature header with the sandbox's secret.
func (sb *Sandbox) VerifyWebhook(payload []byte, h http.Header, now time.Time) (WebhookEvent, error) {
	if err := verifySignature(payload, h.Get(SignatureHeader), sb.s.cfg.SandboxWebhookSecret, now); err != nil {
		return WebhookEvent{}, err
	}
	return decodeWebhook(payload)
}

// delivery is a webhook waiting to be sent.
type delivery struct {
	EventID string          `json:"event_id"`
	Body    json.RawMessage `json:"body"`
}

// send schedules the webhook of an event in tx: once, and with the
// configured chance a second time, each possibly delayed.
func (sb *Sandbox) send(ctx context.Context, tx *sqldb.Tx, typ string, obj WebhookObject) error {
	now := sb.s.now()
	ev := map[string]any{"id": sandboxID("evt_sbx_"), "object": "event", "type": typ, "created": now.Unix(),
		"data": map[string]any{"object": obj}}
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(delivery{EventID: ev["id"].(string), Body: body})
	if err != nil {
		return err
	}
	copies := 1
	if dup, _ := sb.s.chance(sb.s.cfg.SandboxDuplicateRate); dup {
		copies = 2
	}
	for i := 1; i <= copies; i++ {
		at := now
		if late, d := sb.s.chance(sb.s.cfg.SandboxReorderRate); late {
			at = at.Add(d)
		}
		if err := sb.s.schedule(ctx, tx, jobSandboxDeliver, fmt.Sprintf("sbx-deliver:%s:%d", ev["id"], i), string(payload), at); err != nil {
			return err
		}
	}
	return nil
}

// deliver POSTs a webhook, signed now; anything but a 2xx is retried.
func (sb *Sandbox) deliver(ctx context.Context, j store.Job) (any, error) {
	var d delivery
	if err := json.Unmarshal([]byte(j.Payload), &d); err != nil {
		return nil, fmt.Errorf("sandbox delivery %s: %w", j.DedupeKey, err)
	}
	sig := SignPayload(d.Body, sb.s.cfg.SandboxWebhookSecret, sb.s.now())
	const path = "/api/payments/webhooks/sandbox"
	var status int
	if u := sb.s.cfg.SandboxWebhookURL; u != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(d.Body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(SignatureHeader, sig)
		client := &http.Client{Timeout: 10 * time.Second}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("deliver %s: %w", d.EventID, err)
		}
		resp.Body.Close()
		status = resp.StatusCode
	} else {
		if sb.s.handler == nil {
			return nil, errors.New("sandbox: no webhook target yet (Routes not called)")
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(d.Body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(SignatureHeader, sig)
		rec := httptest.NewRecorder()
		sb.s.handler.ServeHTTP(rec, req)
		status = rec.Code
	}
	if status < 200 || status > 299 {
		return nil, fmt.Errorf("deliver %s: answered %d", d.EventID, status)
	}
	return nil, nil
}

var checkoutPage = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox checkout · Marquee</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f}
.card{border:1px solid #ccc;border-radius:12px;padding:1.5rem}.amount{font-size:2rem;font-weight:700}
form{display:inline}button{font-size:1rem;padding:.6rem 1.1rem;margin:.3rem .3rem 0 0;border-radius:8px;border:1px solid #888;cursor:pointer}
.pay{background:#1f7a3a;color:#fff;border-color:#1f7a3a}.note{color:#666;font-size:.9rem}</style></head>
<body><div class="card">
<p class="note">Marquee sandbox — no real money moves.</p>
<h1>{{.Title}}</h1>
<p class="amount">{{.Price}}</p>
{{if eq .Status "open"}}
<p>Expires at {{.ExpiresAt}}.</p>
<form method="post" action="/sandbox/checkout/{{.ID}}/pay"><button class="pay" type="submit">Pay</button></form>
<form method="post" action="/sandbox/checkout/{{.ID}}/decline"><button type="submit">Decline</button></form>
<form method="post" action="/sandbox/checkout/{{.ID}}/expire"><button type="submit">Let it expire</button></form>
{{else}}
<p>This checkout is <strong>{{.Status}}</strong>.</p>
{{end}}
<p><a href="/account/orders/{{.OrderID}}">Back to your order</a></p>
</div></body></html>`))

func formatPrice(amount int64, currency string) string {
	return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, currency)
}

// handleCheckoutPage serves the hosted checkout page. The session id is the
// capability: anyone holding it may pay, as with a provider's hosted page.
func (s *Service) handleCheckoutPage(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.sandbox.Session(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound("checkout session")
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := checkoutPage.Execute(&buf, map[string]any{"ID": ss.ID, "OrderID": ss.OrderID, "Title": ss.Title,
		"Price": formatPrice(ss.Amount, ss.Currency), "Status": ss.Status, "ExpiresAt": ss.ExpiresAt.Format(time.RFC1123)}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// the page's own inline style and its forms; nothing else, never framed
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// checkoutAction answers the page's forms: pay, decline or expire, then a
// redirect back to the app's order page.
func (s *Service) checkoutAction(act func(context.Context, string) (store.SandboxSession, error)) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ss, err := act(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound("checkout session")
		}
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/account/orders/"+ss.OrderID)
		w.WriteHeader(http.StatusSeeOther)
		return nil
	}
}

// handleFailNextRenewal tells the sandbox to fail the caller's next renewal.
func (s *Service) handleFailNextRenewal(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	if err := s.sandbox.FailNextRenewal(r.Context(), caller.UserID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
