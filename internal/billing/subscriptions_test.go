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

func (e *env) subscribe(tok, planID string) billingapi.Subscription {
	e.t.Helper()
	c := e.order(tok, planID, "")
	_, err := e.svc.Sandbox().Pay(e.ctx, sessionOf(c))
	require.NoError(e.t, err)
	e.drain()
	require.Equal(e.t, billingapi.StatusCompleted, e.getOrder(tok, c.Order.ID).Status)
	return e.subscription(tok)
}

func (e *env) subscription(tok string) billingapi.Subscription {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/subscription", tok, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var s billingapi.Subscription
	r.Decode(e.t, &s)
	return s
}

func (e *env) entitlements(tok string) billingapi.Entitlements {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/me/entitlements", tok, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var en billingapi.Entitlements
	r.Decode(e.t, &en)
	return en
}

func (e *env) canWatch(tok, movie string) string {
	e.t.Helper()
	r := e.call(http.MethodGet, "/api/me/entitlements/movies/"+movie, tok, nil)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var d billingapi.WatchDecision
	r.Decode(e.t, &d)
	return d.Decision
}

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine())
		std := e.planBySlug("standard")
		_, tok := e.user()
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/subscription", tok, nil).Status)
		require.Equal(t, billingapi.Entitlements{}, e.entitlements(tok))
		require.Equal(t, http.StatusNotFound, e.call(http.MethodPost, "/api/subscription/cancel", tok, nil).Status)

		s := e.subscribe(tok, std.ID)
		require.Equal(t, billingapi.SubActive, s.Status)
		require.Equal(t, s.CurrentPeriodStart.AddDate(0, 1, 0), s.CurrentPeriodEnd)
		en := e.entitlements(tok)
		require.Equal(t, std.ID, *en.PlanID)
		require.Equal(t, 1080, *en.MaxHeight)
		require.Equal(t, 2, *en.MaxStreams)
		require.Equal(t, s.CurrentPeriodEnd, *en.ActiveUntil)

		// renewal at the period end, charged once even if the job runs again
		e.clock.Advance(s.CurrentPeriodEnd.Sub(e.clock.Now()) + time.Second)
		e.drain()
		renewed := e.subscription(tok)
		require.Equal(t, billingapi.SubActive, renewed.Status)
		require.Equal(t, s.CurrentPeriodEnd, renewed.CurrentPeriodStart)
		_, err := e.db.ExecContext(e.ctx, `UPDATE jobs SET done_at = NULL WHERE kind = 'subscription.renew'`)
		require.NoError(t, err)
		e.drain()
		require.Equal(t, renewed, e.subscription(tok), "a repeated renewal step changes nothing")
		require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM payments WHERE kind = 'renewal'`))

		// cancel at period end, resume, cancel again
		r := e.call(http.MethodPost, "/api/subscription/cancel", tok, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var c billingapi.Subscription
		r.Decode(t, &c)
		require.True(t, c.CancelAtPeriodEnd)
		require.Equal(t, billingapi.SubActive, c.Status)
		r = e.call(http.MethodPost, "/api/subscription/resume", tok, nil)
		require.Equal(t, http.StatusOK, r.Status)
		r.Decode(t, &c)
		require.False(t, c.CancelAtPeriodEnd)
		require.Equal(t, http.StatusOK, e.call(http.MethodPost, "/api/subscription/cancel", tok, nil).Status)
		e.clock.Advance(renewed.CurrentPeriodEnd.Sub(e.clock.Now()) + time.Second)
		e.drain()
		ended := e.subscription(tok)
		require.Equal(t, billingapi.SubCanceled, ended.Status)
		require.Equal(t, billingapi.Entitlements{}, e.entitlements(tok))
		require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM payments WHERE kind = 'renewal'`), "no charge after a cancellation")
		require.Equal(t, http.StatusConflict, e.call(http.MethodPost, "/api/subscription/resume", tok, nil).Status)

		// subscribe again: a new period
		again := e.subscribe(tok, std.ID)
		require.Equal(t, billingapi.SubActive, again.Status)
		require.Equal(t, ended.ID, again.ID)
		types := e.outboxTypes()
		for _, typ := range []string{billingapi.SubscriptionActivated, billingapi.SubscriptionRenewed, billingapi.SubscriptionCanceled,
			billingapi.SubscriptionResumed, billingapi.SubscriptionExpired} {
			require.Contains(t, types, typ)
		}
	})
}

func TestFailedRenewalGraceThenExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	_, tok := e.user()
	s := e.subscribe(tok, e.planBySlug("basic").ID)
	require.Equal(t, http.StatusNoContent, e.call(http.MethodPost, "/api/sandbox/fail-next-renewal", tok, nil).Status)
	e.clock.Advance(s.CurrentPeriodEnd.Sub(e.clock.Now()) + time.Second)
	e.drain()
	due := e.subscription(tok)
	require.Equal(t, billingapi.SubPastDue, due.Status)
	require.Equal(t, s.CurrentPeriodEnd.Add(billing.GracePeriod), *due.GraceUntil)
	require.Equal(t, *due.GraceUntil, *e.entitlements(tok).ActiveUntil, "watching goes on during the grace")

	// the next try (a day later) succeeds: active again, a new period
	e.clock.Advance(billing.RenewalRetryEvery)
	e.drain()
	ok := e.subscription(tok)
	require.Equal(t, billingapi.SubActive, ok.Status)
	require.Nil(t, ok.GraceUntil)
	require.Equal(t, s.CurrentPeriodEnd, ok.CurrentPeriodStart)

	// now every try fails: past_due, then expired at the end of the grace
	for range 5 {
		require.NoError(t, e.svc.Sandbox().FailNextRenewal(e.ctx, e.subscription(tok).UserID))
		e.clock.Advance(billing.RenewalRetryEvery)
		e.drain()
		if e.subscription(tok).Status == billingapi.SubExpired {
			break
		}
	}
	for e.clock.Now().Before(ok.CurrentPeriodEnd.Add(billing.GracePeriod)) {
		require.NoError(t, e.svc.Sandbox().FailNextRenewal(e.ctx, e.subscription(tok).UserID))
		e.clock.Advance(billing.RenewalRetryEvery)
		e.drain()
	}
	require.Equal(t, billingapi.SubExpired, e.subscription(tok).Status)
	require.Equal(t, billingapi.Entitlements{}, e.entitlements(tok))
	require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM payments WHERE kind = 'renewal'`), "one renewal succeeded")
}

func TestCanWatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	basic, premium := e.planBySlug("basic"), e.planBySlug("premium")
	movie := e.addMovie()
	onlyPremium := e.addMovie()
	require.Equal(t, http.StatusOK, e.call(http.MethodPut, "/api/movies/"+onlyPremium+"/plans", e.admin, billingapi.MoviePlansInput{PlanIDs: []string{premium.ID}}).Status)
	_, tok := e.user()
	require.Equal(t, billingapi.NoSubscription, e.canWatch(tok, movie))
	e.subscribe(tok, basic.ID)
	require.Equal(t, billingapi.Allowed, e.canWatch(tok, movie))
	require.Equal(t, billingapi.NotInPlan, e.canWatch(tok, onlyPremium))
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/me/entitlements/movies/nope", tok, nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodGet, "/api/me/entitlements/movies/"+movie, "", nil).Status)

	// the typed client media uses, and its fail-closed answer
	client := billingapi.NewClient(e.srv.URL, nil).WithToken(tok)
	d, err := client.CanWatch(e.ctx, movie)
	require.NoError(t, err)
	require.Equal(t, billingapi.Allowed, d.Decision)
	require.Equal(t, 720, d.MaxHeight)
	down := billingapi.NewClient("http://127.0.0.1:1", nil).WithToken(tok)
	d, err = down.CanWatch(e.ctx, movie)
	require.ErrorIs(t, err, billingapi.ErrUnavailable)
	require.NotEqual(t, billingapi.Allowed, d.Decision)
}
