package billing_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// BenchmarkSandboxOrders: 1,000 orders from 16 concurrent clients over HTTP
// (POST /api/orders, then the checkout page's Pay form, one in ten Decline),
// the sandbox duplicating 10 % of its webhooks and delaying 10 % (up to 2 s,
// so they overtake others), the job runner running as in `marquee serve`.
// It checks every order ends terminal with no double charge and no wrong
// refund, and reports the time from the last checkout answer until every
// order was terminal:
//
//	go test -run '^$' -bench SandboxOrders -benchtime 1x ./internal/billing/
func BenchmarkSandboxOrders(b *testing.B) {
	for _, engine := range sqldbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			for b.Loop() {
				runSandboxOrders(b, engine, 1000, 16)
			}
		})
	}
}

func runSandboxOrders(b *testing.B, engine sqldb.Engine, n, c int) {
	b.Helper()
	e := newEnvClock(b, engine, true, withChaos(billing.DefaultSandboxDuplicateRate, billing.DefaultSandboxReorderRate, 1))
	servicetest.Background(b, e.svc.Run)
	plans := e.plans()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lastAnswer time.Time
	start := time.Now()
	for w := range c {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			for i := w; i < n; i += c {
				tok := e.minter.Token(b, uuid.Must(uuid.NewV7()).String(), auth.RoleUser)
				co := e.order(tok, plans[rnd.IntN(len(plans))].ID, "")
				act := "/pay"
				if rnd.IntN(10) == 0 {
					act = "/decline"
				}
				r := e.post("/sandbox/checkout/" + sessionOf(co) + act)
				require.Equal(b, http.StatusSeeOther, r.Status)
				mu.Lock()
				lastAnswer = time.Now()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Eventually(b, func() bool {
		return e.count(`SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'paid')`) == 0
	}, 5*time.Minute, 5*time.Millisecond)
	settled := time.Since(lastAnswer)
	total := time.Since(start)
	require.Equal(b, n, e.count(`SELECT COUNT(*) FROM orders`))
	e.checkMoney()
	require.Equal(b, 0, e.count(`SELECT COUNT(*) FROM orders WHERE status = 'refunded'`), "every user ordered once: no refund is right")
	dups := e.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'sandbox.deliver' AND dedupe_key LIKE '%:2'`)
	b.ReportMetric(float64(settled.Milliseconds()), "ms-last-answer-to-all-terminal")
	b.ReportMetric(float64(n)/total.Seconds(), "orders/s")
	b.ReportMetric(float64(dups), "duplicated-webhooks")
}

// BenchmarkWebhookToActive: a correctly signed checkout.session.completed
// accepted (200) → the subscription active, on an idle service with the job
// runner running; p50 and p99 over the runs:
//
//	go test -run '^$' -bench WebhookToActive -benchtime 300x ./internal/billing/
func BenchmarkWebhookToActive(b *testing.B) {
	for _, engine := range sqldbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			e := newEnvClock(b, engine, true)
			servicetest.Background(b, e.svc.Run)
			plan := e.planBySlug("basic")
			var lat []time.Duration
			for b.Loop() {
				uid := uuid.Must(uuid.NewV7()).String()
				tok := e.minter.Token(b, uid, auth.RoleUser)
				co := e.order(tok, plan.ID, "")
				body := webhookBody(b, "evt_bench_"+co.Order.ID, billing.EventCheckoutCompleted, sessionOf(co), co.Order.ID, co.Order.Amount)
				req := signedWebhook(b, e, body, e.svc.SandboxWebhookSecret(), time.Now())
				t0 := time.Now()
				require.Equal(b, http.StatusOK, e.sendRaw(req).Status)
				for {
					s, err := e.svc.Subscription(context.Background(), uid)
					if err == nil && s.Status == billingapi.SubActive {
						break
					}
					time.Sleep(100 * time.Microsecond)
				}
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.Logf("%d runs: p50 %.1f ms, p99 %.1f ms", len(lat), q(0.5), q(0.99))
		})
	}
}
