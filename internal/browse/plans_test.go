package browse_test

import (
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func (e *env) offer(movieID string, version int64, planIDs ...string) {
	e.t.Helper()
	sort.Strings(planIDs)
	e.apply(browse.ConsumerBilling, servicetest.NewEnvelope(e.t, billingapi.Source, billingapi.MoviePlansChanged, movieID,
		billingapi.MoviePlansEvent{MovieID: movieID, PlanIDs: planIDs, Version: version}))
}

func (e *env) subscribed(userID, planID string, active bool, version int64) {
	e.t.Helper()
	typ := billingapi.SubscriptionActivated
	if !active {
		typ = billingapi.SubscriptionExpired
	}
	e.apply(browse.ConsumerBilling, servicetest.NewEnvelope(e.t, billingapi.Source, typ, userID, billingapi.SubscriptionEvent{
		Subscription: billingapi.Subscription{UserID: userID, Plan: billingapi.Plan{ID: planID}}, Active: active, Version: version}))
}

func (e *env) plansOf(movieID string) []string {
	e.t.Helper()
	var m struct {
		Plans []string `json:"plans"`
	}
	e.get("/api/movies/"+movieID, &m)
	return m.Plans
}

func (e *env) availableTo(token string) []string {
	e.t.Helper()
	r := e.call("/api/movies?available=true", token)
	require.Equal(e.t, http.StatusOK, r.Status, "%s", r.Body)
	var page struct {
		Items []struct{ Title string } `json:"items"`
	}
	r.Decode(e.t, &page)
	out := []string{}
	for _, it := range page.Items {
		out = append(out, it.Title)
	}
	return out
}

// Browse shows plans[] on the movie document from billing's events, and
// ?available=true lists what the caller's plan offers.
func TestPlansFromBilling(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnvOn(t, db)
		a, b, c := e.movie("Alpha"), e.movie("Beta"), e.movie("Gamma")
		e.putMovie(a)
		e.putMovie(b)
		e.putMovie(c)
		basic, premium := newID(t), newID(t)
		require.Equal(t, []string{}, e.plansOf(a.ID), "billing has said nothing yet")
		e.offer(a.ID, 1, basic, premium)
		e.offer(b.ID, 1, premium)
		e.offer(b.ID, 3, premium)
		e.offer(b.ID, 2, basic) // late and older: ignored
		require.ElementsMatch(t, []string{basic, premium}, e.plansOf(a.ID))
		require.Equal(t, []string{premium}, e.plansOf(b.ID))
		require.Equal(t, []string{}, e.plansOf(c.ID))

		require.Equal(t, []string{"Alpha", "Beta"}, e.availableTo(""), "anonymous: what any plan offers")
		u1, u2, u3 := newID(t), newID(t), newID(t)
		e.subscribed(u1, basic, true, 1)
		e.subscribed(u2, premium, true, 1)
		tok := func(id string) string { return e.minter.Token(t, id, auth.RoleUser) }
		require.Equal(t, []string{"Alpha"}, e.availableTo(tok(u1)))
		require.Equal(t, []string{"Alpha", "Beta"}, e.availableTo(tok(u2)))
		require.Equal(t, []string{}, e.availableTo(tok(u3)), "no subscription: nothing")
		e.subscribed(u1, basic, false, 3)
		e.subscribed(u1, basic, true, 2) // older: ignored
		require.Equal(t, []string{}, e.availableTo(tok(u1)), "expired")

		// a change of plans reaches a cached document
		e.offer(c.ID, 1, basic)
		require.Equal(t, []string{basic}, e.plansOf(c.ID))
		e.offer(c.ID, 2)
		require.Equal(t, []string{}, e.plansOf(c.ID))
	})
}
