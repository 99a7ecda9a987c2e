package billing_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// Every path of the order saga, driven through the sandbox's hosted page
// (form posts) and its signed webhooks, on both engines.
func TestSagaPaths(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine())
		basic := e.planBySlug("basic")

		t.Run("paid → completed", func(t *testing.T) {
			uid, tok := e.user()
			c := e.order(tok, basic.ID, "")
			require.Equal(t, billingapi.StatusPending, c.Order.Status)
			require.Equal(t, basic.Price.Amount, c.Order.Amount, "the amount is the plan's")
			page := e.call(http.MethodGet, "/sandbox/checkout/"+sessionOf(c), "", nil)
			require.Equal(t, http.StatusOK, page.Status)
			require.Contains(t, string(page.Body), "/pay")
			r := e.post("/sandbox/checkout/" + sessionOf(c) + "/pay")
			require.Equal(t, http.StatusSeeOther, r.Status)
			require.Equal(t, "/account/orders/"+c.Order.ID, r.Header.Get("Location"))
			e.drain()
			require.Equal(t, billingapi.StatusCompleted, e.getOrder(tok, c.Order.ID).Status)
			sub := e.call(http.MethodGet, "/api/subscription", tok, nil)
			require.Equal(t, http.StatusOK, sub.Status)
			var s billingapi.Subscription
			sub.Decode(t, &s)
			require.Equal(t, billingapi.SubActive, s.Status)
			require.Equal(t, basic.ID, s.Plan.ID)
			require.Equal(t, uid, s.UserID)
			require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM payments WHERE order_id = ? AND kind = 'charge'`, c.Order.ID))
			// a second order of the same plan while active: 409
			r = e.call(http.MethodPost, "/api/orders", tok, billingapi.OrderInput{PlanID: basic.ID})
			require.Equal(t, http.StatusConflict, r.Status)
			r.Problem(t)
		})

		t.Run("declined → cancelled", func(t *testing.T) {
			_, tok := e.user()
			c := e.order(tok, basic.ID, "")
			require.Equal(t, http.StatusSeeOther, e.post("/sandbox/checkout/"+sessionOf(c)+"/decline").Status)
			e.drain()
			o := e.getOrder(tok, c.Order.ID)
			require.Equal(t, billingapi.StatusCancelled, o.Status)
			require.Equal(t, "payment declined", *o.FailureReason)
			require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/subscription", tok, nil).Status)
		})

		t.Run("expired → cancelled", func(t *testing.T) {
			_, tok := e.user()
			c := e.order(tok, basic.ID, "")
			require.Equal(t, http.StatusSeeOther, e.post("/sandbox/checkout/"+sessionOf(c)+"/expire").Status)
			e.drain()
			o := e.getOrder(tok, c.Order.ID)
			require.Equal(t, billingapi.StatusCancelled, o.Status)
			require.Equal(t, "checkout expired", *o.FailureReason)
		})

		t.Run("activation impossible → refunded", func(t *testing.T) {
			// two orders of the same plan paid before either activates: the
			// second cannot activate and is refunded, once
			_, tok := e.user()
			a, b := e.order(tok, basic.ID, ""), e.order(tok, basic.ID, "")
			_, err := e.svc.Sandbox().Pay(e.ctx, sessionOf(a))
			require.NoError(t, err)
			_, err = e.svc.Sandbox().Pay(e.ctx, sessionOf(b))
			require.NoError(t, err)
			e.drain()
			oa, ob := e.getOrder(tok, a.Order.ID), e.getOrder(tok, b.Order.ID)
			require.Equal(t, billingapi.StatusCompleted, oa.Status)
			require.Equal(t, billingapi.StatusRefunded, ob.Status)
			require.Equal(t, "already subscribed to this plan", *ob.FailureReason)
			require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM sandbox_refunds`+
				` WHERE charge_id IN (SELECT payment_ref FROM orders WHERE id = ?)`, b.Order.ID))
		})

		t.Run("plan archived meanwhile → refunded", func(t *testing.T) {
			r := e.call(http.MethodPost, "/api/plans", e.admin, billingapi.PlanInput{Slug: "soon-gone", Name: "Soon gone",
				Price: billingapi.Price{Amount: 100, Currency: "usd"}, MaxHeight: 480, MaxStreams: 1})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			var p billingapi.Plan
			r.Decode(t, &p)
			require.Equal(t, "USD", p.Price.Currency)
			_, tok := e.user()
			c := e.order(tok, p.ID, "")
			require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/plans/"+p.ID, e.admin, nil).Status)
			_, err := e.svc.Sandbox().Pay(e.ctx, sessionOf(c))
			require.NoError(t, err)
			e.drain()
			o := e.getOrder(tok, c.Order.ID)
			require.Equal(t, billingapi.StatusRefunded, o.Status)
			require.Contains(t, *o.FailureReason, "archived")
			// archived plans take no new orders
			r = e.call(http.MethodPost, "/api/orders", tok, billingapi.OrderInput{PlanID: p.ID})
			require.Equal(t, http.StatusUnprocessableEntity, r.Status)
			require.Equal(t, []string{"plan_id"}, r.Fields(t))
		})

		t.Run("the checkout expires by itself after 30 minutes", func(t *testing.T) {
			_, tok := e.user()
			c := e.order(tok, basic.ID, "")
			e.clock.Advance(billing.CheckoutTTL + time.Second)
			e.drain()
			require.Equal(t, billingapi.StatusCancelled, e.getOrder(tok, c.Order.ID).Status)
			// paying now is too late: the page says so and nothing changes
			require.Equal(t, http.StatusSeeOther, e.post("/sandbox/checkout/"+sessionOf(c)+"/pay").Status)
			e.drain()
			require.Equal(t, billingapi.StatusCancelled, e.getOrder(tok, c.Order.ID).Status)
			require.Equal(t, 0, e.count(`SELECT COUNT(*) FROM payments WHERE order_id = ?`, c.Order.ID))
		})
	})
}

// The failures of the systems billing replaces, each replayed.
func TestSagaNamedFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	basic := e.planBySlug("basic")

	// capture the webhooks the sandbox sends, to deliver them again by hand
	deliveries := func() [][]byte {
		rows, err := e.db.QueryContext(e.ctx, `SELECT payload FROM jobs WHERE kind = 'sandbox.deliver' ORDER BY created_at, id`)
		require.NoError(t, err)
		defer rows.Close()
		var out [][]byte
		for rows.Next() {
			var p string
			require.NoError(t, rows.Scan(&p))
			out = append(out, []byte(p))
		}
		return out
	}
	send := func(payload []byte) int {
		body := deliveryBody(t, payload)
		req := signedWebhook(t, e, body, e.svc.SandboxWebhookSecret(), e.clock.Now())
		return e.sendRaw(req).Status
	}

	t.Run("a duplicated checkout.session.completed never refunds a good order", func(t *testing.T) {
		_, tok := e.user()
		before := len(deliveries())
		c := e.order(tok, basic.ID, "")
		_, err := e.svc.Sandbox().Pay(e.ctx, sessionOf(c))
		require.NoError(t, err)
		e.drain()
		completed := deliveries()[before]
		for range 3 {
			require.Equal(t, http.StatusOK, send(completed))
		}
		// the same event re-sent with a new id (a provider's second notification)
		require.Equal(t, http.StatusOK, e.sendRaw(signedWebhook(t, e, withNewID(t, deliveryBody(t, completed)), e.svc.SandboxWebhookSecret(), e.clock.Now())).Status)
		e.drain()
		require.Equal(t, billingapi.StatusCompleted, e.getOrder(tok, c.Order.ID).Status)
		require.Equal(t, 0, e.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'saga.refund' AND dedupe_key = ?`, "refund:"+c.Order.ID))
		require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM jobs WHERE dedupe_key = ?`, "activate:"+c.Order.ID), "one saga per order")
	})

	t.Run("a late checkout.session.expired never moves a paid order back", func(t *testing.T) {
		_, tok := e.user()
		c := e.order(tok, basic.ID, "")
		// the provider's "expired" for this order, built by hand as a late, out-of-order delivery
		expired := webhookBody(t, "evt_late_"+c.Order.ID, billing.EventCheckoutExpired, sessionOf(c), c.Order.ID, c.Order.Amount)
		_, err := e.svc.Sandbox().Pay(e.ctx, sessionOf(c))
		require.NoError(t, err)
		e.drain()
		require.Equal(t, http.StatusOK, e.sendRaw(signedWebhook(t, e, expired, e.svc.SandboxWebhookSecret(), e.clock.Now())).Status)
		e.drain()
		o := e.getOrder(tok, c.Order.ID)
		require.Equal(t, billingapi.StatusCompleted, o.Status)
		require.Nil(t, o.FailureReason)
	})

	t.Run("a redelivered refund step refunds once", func(t *testing.T) {
		_, tok := e.user()
		a, b := e.order(tok, basic.ID, ""), e.order(tok, basic.ID, "")
		_, err := e.svc.Sandbox().Pay(e.ctx, sessionOf(a))
		require.NoError(t, err)
		_, err = e.svc.Sandbox().Pay(e.ctx, sessionOf(b))
		require.NoError(t, err)
		e.drain()
		require.Equal(t, billingapi.StatusRefunded, e.getOrder(tok, b.Order.ID).Status)
		events := len(e.outboxTypes())
		// the refund step delivered again, twice
		for range 2 {
			_, err = e.db.ExecContext(e.ctx, `UPDATE jobs SET done_at = NULL, run_at = ? WHERE dedupe_key = ?`, e.clock.Now().Format(time.RFC3339Nano), "refund:"+b.Order.ID)
			require.NoError(t, err)
			e.drain()
		}
		require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM sandbox_refunds WHERE charge_id IN (SELECT payment_ref FROM orders WHERE id = ?)`, b.Order.ID))
		require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM payments WHERE order_id = ? AND kind = 'refund'`, b.Order.ID))
		require.Equal(t, events, len(e.outboxTypes()), "no second refund event")
		require.Equal(t, billingapi.StatusRefunded, e.getOrder(tok, b.Order.ID).Status)
	})
}
