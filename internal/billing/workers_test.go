package billing_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// Two processes' job runners (four workers each) on one database, with the
// sandbox duplicating and delaying webhooks: every order ends terminal, with
// one charge per paid order and no step run twice (PostgreSQL claims with
// SKIP LOCKED; on SQLite one file's writers take turns).
func TestTwoProcessesShareTheJobs(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvClock(t, db.Engine(), true, withChaos(0.2, 0.2, 3))
		// the second process: its own connection pool, service and router
		db2, err := sqldb.Open(e.ctx, "billing", e.dbURL)
		require.NoError(t, err)
		t.Cleanup(func() { db2.Close() })
		other, err := billing.New(e.ctx, db2, events.NewOutbox(db2), servicetest.Logger(t),
			billing.Config{SandboxDuplicateRate: 0.2, SandboxReorderRate: 0.2, SandboxMaxDelay: 200 * time.Millisecond})
		require.NoError(t, err)
		other.Routes(httpx.NewRouter(e.minter.Verifier()))
		servicetest.Background(t, e.svc.Run)
		servicetest.Background(t, other.Run)

		plans := e.plans()
		var ids []string
		for i := range 30 {
			tok := e.minter.Token(t, uuid.Must(uuid.NewV7()).String(), auth.RoleUser)
			c := e.order(tok, plans[i%len(plans)].ID, "")
			if i%3 == 2 { // the same user orders the same plan again: one of the two is refunded
				ids = append(ids, e.order(tok, plans[i%len(plans)].ID, "").Order.ID)
				require.Equal(t, http.StatusSeeOther, e.post("/sandbox/checkout/"+sessionOf(e.lastCheckout(ids[len(ids)-1]))+"/pay").Status)
			}
			act := []string{"/pay", "/decline", "/pay"}[i%3]
			require.Equal(t, http.StatusSeeOther, e.post("/sandbox/checkout/"+sessionOf(c)+act).Status)
			ids = append(ids, c.Order.ID)
		}
		require.Eventually(t, func() bool {
			return e.count(`SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'paid')`) == 0
		}, 60*time.Second, 10*time.Millisecond)
		// late duplicate deliveries may still be on their way; then nothing is left
		require.Eventually(t, func() bool {
			return e.count(`SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND kind <> 'sandbox.expire' AND kind <> 'subscription.renew'`) == 0
		}, 60*time.Second, 10*time.Millisecond, "no job left behind")
		e.orderHistory()
		e.checkMoney()
		require.Equal(t, 10, e.count(`SELECT COUNT(*) FROM orders WHERE status = 'refunded'`))
	})
}
