package billing_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// rank orders the statuses: a status never moves to a lower rank.
var rank = map[string]int{billingapi.StatusPending: 0, billingapi.StatusPaid: 1,
	billingapi.StatusCompleted: 2, billingapi.StatusCancelled: 2, billingapi.StatusRefunded: 2}

// runThroughCrashes drains the jobs; every error is a crash (or a failed
// delivery): the process restarts on the same database, time moves past
// the job leases, and it goes on until nothing is due and the clock has
// moved well past every delay.
func (e *env) runThroughCrashes(restartOpts ...envOption) (crashes int) {
	e.t.Helper()
	for quiet := 0; quiet < 6; {
		err := e.svc.Drain(e.ctx)
		if err != nil {
			crashes++
			require.Less(e.t, crashes, 1000, "too many crashes: %v", err)
			e.restart(restartOpts...)
			e.clock.Advance(time.Minute + time.Second) // the crashed claim's lease ends
			quiet = 0
			continue
		}
		e.clock.Advance(5 * time.Minute) // past any delay and backoff
		quiet++
	}
	return crashes
}

// orderHistory checks, from the outbox, that each order's statuses only
// moved forward, and returns the last status per order.
func (e *env) orderHistory() map[string]string {
	e.t.Helper()
	last := map[string]billingapi.OrderEvent{}
	for _, ev := range servicetest.OutboxEvents(e.t, e.db) {
		if len(ev.Type) < len("billing.order.") || ev.Type[:len("billing.order.")] != "billing.order." {
			continue
		}
		var o billingapi.OrderEvent
		require.NoError(e.t, json.Unmarshal(ev.Data, &o))
		if prev, ok := last[o.ID]; ok {
			require.Greater(e.t, o.Version, prev.Version, "order %s versions in commit order", o.ID)
			require.GreaterOrEqual(e.t, rank[o.Status], rank[prev.Status], "order %s moved back from %s to %s", o.ID, prev.Status, o.Status)
			if rank[prev.Status] == 2 {
				require.Equal(e.t, prev.Status, o.Status, "order %s left a terminal status", o.ID)
			}
		}
		last[o.ID] = o
	}
	out := map[string]string{}
	for id, o := range last {
		out[id] = o.Status
	}
	return out
}

// checkMoney: one succeeded checkout charge per paid order, at most one
// refund per charge, refunds only of orders that could not complete.
func (e *env) checkMoney() {
	e.t.Helper()
	require.Equal(e.t, 0, e.count(`SELECT COUNT(*) FROM (SELECT order_id FROM sandbox_sessions s JOIN sandbox_charges c ON c.idempotency_key = 'checkout:' || s.id GROUP BY order_id HAVING COUNT(*) > 1) x`))
	require.Equal(e.t, 0, e.count(`SELECT COUNT(*) FROM orders o WHERE o.status IN ('paid', 'completed', 'refunded') AND
		(SELECT COUNT(*) FROM sandbox_sessions s JOIN sandbox_charges c ON c.idempotency_key = 'checkout:' || s.id WHERE s.order_id = o.id) <> 1`),
		"every paid order was charged exactly once")
	require.Equal(e.t, 0, e.count(`SELECT COUNT(*) FROM (SELECT charge_id FROM sandbox_refunds GROUP BY charge_id HAVING COUNT(*) > 1) x`))
	require.Equal(e.t, 0, e.count(`SELECT COUNT(*) FROM orders o WHERE o.status = 'completed' AND EXISTS (SELECT 1 FROM sandbox_refunds r WHERE r.charge_id = o.payment_ref)`),
		"a completed order is never refunded")
	require.Equal(e.t, 0, e.count(`SELECT COUNT(*) FROM orders o WHERE o.status = 'refunded' AND
		(SELECT COUNT(*) FROM sandbox_refunds r WHERE r.charge_id = o.payment_ref) <> 1`), "every refunded order was refunded once")
}

// scenario places four orders that end in every terminal status.
type scenario struct {
	tok                                    string
	completed, refunded, declined, expired string
}

func (e *env) scenario() scenario {
	e.t.Helper()
	_, tok := e.user()
	basic := e.planBySlug("basic")
	a, b, c, d := e.order(tok, basic.ID, ""), e.order(tok, basic.ID, ""), e.order(tok, basic.ID, ""), e.order(tok, basic.ID, "")
	_, err := e.svc.Sandbox().Pay(e.ctx, sessionOf(a))
	require.NoError(e.t, err)
	_, err = e.svc.Sandbox().Pay(e.ctx, sessionOf(b))
	require.NoError(e.t, err)
	_, err = e.svc.Sandbox().Decline(e.ctx, sessionOf(c))
	require.NoError(e.t, err)
	_, err = e.svc.Sandbox().Expire(e.ctx, sessionOf(d))
	require.NoError(e.t, err)
	return scenario{tok: tok, completed: a.Order.ID, refunded: b.Order.ID, declined: c.Order.ID, expired: d.Order.ID}
}

// A crash at every step boundary, then a restart: the orders still reach
// the right terminal states, with one charge and at most one refund each.
func TestCrashAtEveryStepBoundary(t *testing.T) {
	t.Parallel()
	points := []string{
		"webhook.before-commit:" + billing.EventCheckoutCompleted,
		"webhook.before-commit:" + billing.EventCheckoutExpired,
		"webhook.before-commit:" + billing.EventPaymentFailed,
		"job.claimed:sandbox.deliver", "job.external-done:sandbox.deliver", "job.committed:sandbox.deliver",
		"job.claimed:saga.activate", "job.before-commit:saga.activate", "job.committed:saga.activate",
		"job.claimed:saga.refund", "job.external-done:saga.refund", "job.before-commit:saga.refund", "job.committed:saga.refund",
	}
	for _, engine := range sqldbtest.Engines {
		for _, point := range points {
			t.Run(fmt.Sprintf("%s/%s", engine, point), func(t *testing.T) {
				t.Parallel()
				var fired atomic.Int32
				e := newEnv(t, engine, withFault(func(p string) error {
					if p == point && fired.Add(1) == 1 {
						return billing.ErrCrash
					}
					return nil
				}))
				s := e.scenario()
				e.runThroughCrashes()
				require.Equal(t, int32(1), min(fired.Load(), 1), "the crash point %s was reached", point)
				// the two paid orders of one plan: whichever activates first
				// completes, the other is refunded
				require.ElementsMatch(t, []string{billingapi.StatusCompleted, billingapi.StatusRefunded},
					[]string{e.getOrder(s.tok, s.completed).Status, e.getOrder(s.tok, s.refunded).Status})
				require.Equal(t, billingapi.StatusCancelled, e.getOrder(s.tok, s.declined).Status)
				require.Equal(t, billingapi.StatusCancelled, e.getOrder(s.tok, s.expired).Status)
				e.orderHistory()
				e.checkMoney()
			})
		}
	}
}

// Many orders; webhooks duplicated, delayed and reordered by the sandbox,
// extra copies of deliveries sent by hand in shuffled order, and crashes
// at random step boundaries: every order ends terminal, paid orders are
// charged once, refunds happen at most once, statuses never move back.
func TestRandomisedSaga(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 7))
	crashy := func() envOption {
		return withFault(func(string) error {
			if rnd.IntN(40) == 0 {
				return billing.ErrCrash
			}
			return nil
		})
	}
	e := newEnv(t, sqldb.SQLite, withChaos(0.3, 0.5, seed), crashy())
	plans := e.plans()
	type placed struct {
		tok, id, session, outcome string
	}
	var orders []placed
	for u := range 15 {
		_, tok := e.user()
		for range 1 + u%4 {
			p := plans[rnd.IntN(len(plans))]
			c := e.order(tok, p.ID, "")
			orders = append(orders, placed{tok: tok, id: c.Order.ID, session: sessionOf(c), outcome: []string{"pay", "pay", "decline", "expire", "wait"}[rnd.IntN(5)]})
		}
	}
	rnd.Shuffle(len(orders), func(i, j int) { orders[i], orders[j] = orders[j], orders[i] })
	for i, o := range orders {
		var err error
		switch o.outcome {
		case "pay":
			_, err = e.svc.Sandbox().Pay(e.ctx, o.session)
		case "decline":
			_, err = e.svc.Sandbox().Decline(e.ctx, o.session)
		case "expire":
			_, err = e.svc.Sandbox().Expire(e.ctx, o.session)
		}
		require.NoError(t, err)
		if i%5 == 0 {
			if e.svc.Drain(e.ctx) != nil {
				e.restart(withChaos(0.3, 0.5, seed+uint64(i)), crashy())
			}
		}
	}
	// redeliver a shuffled sample of everything sent so far, by hand
	rows, err := e.db.QueryContext(e.ctx, `SELECT payload FROM jobs WHERE kind = 'sandbox.deliver'`)
	require.NoError(t, err)
	var payloads [][]byte
	for rows.Next() {
		var p string
		require.NoError(t, rows.Scan(&p))
		payloads = append(payloads, []byte(p))
	}
	require.NoError(t, rows.Close())
	rnd.Shuffle(len(payloads), func(i, j int) { payloads[i], payloads[j] = payloads[j], payloads[i] })
	for _, p := range payloads[:len(payloads)/2] {
		r := e.sendRaw(signedWebhook(t, e, deliveryBody(t, p), e.svc.SandboxWebhookSecret(), e.clock.Now()))
		require.Contains(t, []int{http.StatusOK, http.StatusInternalServerError}, r.Status)
	}
	// the unpaid ones expire after 30 minutes
	e.clock.Advance(billing.CheckoutTTL)
	crashes := e.runThroughCrashes(withChaos(0.3, 0.5, seed+1000), crashy())
	t.Logf("%d orders, %d crashes", len(orders), crashes)

	final := e.orderHistory()
	for _, o := range orders {
		got := e.getOrder(o.tok, o.id).Status
		require.Equal(t, 2, rank[got], "order %s (%s) is terminal, not %s", o.id, o.outcome, got)
		require.Equal(t, got, final[o.id])
		switch o.outcome {
		case "pay":
			require.Contains(t, []string{billingapi.StatusCompleted, billingapi.StatusRefunded}, got)
		default:
			require.Equal(t, billingapi.StatusCancelled, got)
		}
	}
	e.checkMoney()
}
