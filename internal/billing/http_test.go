package billing_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func TestDefaultPlansAndPlanAdmin(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine())
		ps := e.plans()
		require.Len(t, ps, 3)
		for i, want := range []struct {
			slug            string
			height, streams int
		}{{"basic", 720, 1}, {"standard", 1080, 2}, {"premium", 2160, 4}} {
			require.Equal(t, want.slug, ps[i].Slug)
			require.Equal(t, want.height, ps[i].MaxHeight)
			require.Equal(t, want.streams, ps[i].MaxStreams)
			require.True(t, ps[i].IncludesNewTitles)
		}
		// a restart does not add them again
		e.restart()
		require.Len(t, e.plans(), 3)

		_, user := e.user()
		in := billingapi.PlanInput{Slug: "family", Name: "Family", Description: "Six screens.", Price: billingapi.Price{Amount: 2999, Currency: "EUR"},
			Interval: "month", MaxHeight: 2160, MaxStreams: 6}
		require.Equal(t, http.StatusUnauthorized, e.call(http.MethodPost, "/api/plans", "", in).Status)
		require.Equal(t, http.StatusForbidden, e.call(http.MethodPost, "/api/plans", user, in).Status)
		r := e.call(http.MethodPost, "/api/plans", e.admin, in)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var p billingapi.Plan
		r.Decode(t, &p)
		require.Equal(t, "/api/plans/"+p.ID, r.Header.Get("Location"))
		require.Equal(t, http.StatusConflict, e.call(http.MethodPost, "/api/plans", e.admin, in).Status, "slug taken")

		bad := billingapi.PlanInput{Slug: "Bad Slug", Name: "", Price: billingapi.Price{Amount: -1, Currency: "euro"}, Interval: "year", MaxHeight: 1000, MaxStreams: 0}
		r = e.call(http.MethodPost, "/api/plans", e.admin, bad)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.ElementsMatch(t, []string{"slug", "name", "price.amount", "price.currency", "interval", "max_height", "max_streams"}, r.Fields(t))
		require.Equal(t, http.StatusBadRequest, e.call(http.MethodPost, "/api/plans", e.admin, `{"slug": 1}`).Status)

		in.Name, in.MaxStreams = "Family+", 5
		r = e.call(http.MethodPut, "/api/plans/"+p.ID, e.admin, in)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r.Decode(t, &p)
		require.Equal(t, "Family+", p.Name)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodPut, "/api/plans/"+uuid.NewString(), e.admin, in).Status)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/plans/nope", "", nil).Status)

		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/plans/"+p.ID, e.admin, nil).Status)
		require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/plans/"+p.ID, e.admin, nil).Status, "archiving twice")
		require.Len(t, e.plans(), 3, "archived plans are hidden")
		r = e.call(http.MethodGet, "/api/plans?include_archived=true", e.admin, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var all billingapi.PlanList
		r.Decode(t, &all)
		require.Len(t, all.Items, 4)
		require.Equal(t, http.StatusBadRequest, e.call(http.MethodGet, "/api/plans?include_archived=maybe", "", nil).Status)
		r = e.call(http.MethodGet, "/api/plans/"+p.ID, "", nil)
		require.Equal(t, http.StatusOK, r.Status)
		r.Decode(t, &p)
		require.NotNil(t, p.ArchivedAt)

		types := e.outboxTypes()
		require.Contains(t, types, billingapi.PlanCreated)
		require.Contains(t, types, billingapi.PlanUpdated)
		require.Contains(t, types, billingapi.PlanArchived)
	})
}

func TestMoviePlans(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ps := e.plans()
	movie := e.addMovie()
	r := e.call(http.MethodGet, "/api/movies/"+movie+"/plans", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var mp billingapi.MoviePlans
	r.Decode(t, &mp)
	require.Len(t, mp.PlanIDs, 3, "a new movie joins every plan that includes new titles")

	r = e.call(http.MethodPut, "/api/movies/"+movie+"/plans", e.admin, billingapi.MoviePlansInput{PlanIDs: []string{ps[2].ID}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.Decode(t, &mp)
	require.Equal(t, []string{ps[2].ID}, mp.PlanIDs)
	r = e.call(http.MethodPut, "/api/movies/"+movie+"/plans", e.admin, billingapi.MoviePlansInput{PlanIDs: []string{ps[0].ID, uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"plan_ids[1]"}, r.Fields(t))
	r = e.call(http.MethodPut, "/api/movies/"+movie+"/plans", e.admin, map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"plan_ids"}, r.Fields(t))
	_, user := e.user()
	require.Equal(t, http.StatusForbidden, e.call(http.MethodPut, "/api/movies/"+movie+"/plans", user, billingapi.MoviePlansInput{PlanIDs: []string{}}).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/movies/"+uuid.NewString()+"/plans", "", nil).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodPut, "/api/movies/"+uuid.NewString()+"/plans", e.admin, billingapi.MoviePlansInput{PlanIDs: []string{}}).Status)

	// a plan that does not include new titles is left out for the next movie
	in := billingapi.PlanInput{Slug: "classics", Name: "Classics", Price: billingapi.Price{Amount: 100, Currency: "USD"}, MaxHeight: 480, MaxStreams: 1}
	require.Equal(t, http.StatusCreated, e.call(http.MethodPost, "/api/plans", e.admin, in).Status)
	r = e.call(http.MethodGet, "/api/movies/"+e.addMovie()+"/plans", "", nil)
	r.Decode(t, &mp)
	require.Len(t, mp.PlanIDs, 3)
	require.Contains(t, e.outboxTypes(), billingapi.MoviePlansChanged)
}

func TestOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	std := e.planBySlug("standard")
	uid, tok := e.user()
	_, other := e.user()

	a := e.order(tok, std.ID, "key-1")
	require.Equal(t, uid, a.Order.UserID)
	require.Equal(t, "sandbox", a.Order.Provider)
	require.Equal(t, std.Price.Amount, a.Order.Amount)
	again := e.order(tok, std.ID, "key-1")
	require.Equal(t, a, again, "the same key answers with the same order")
	r := e.call(http.MethodPost, "/api/orders", tok, nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
	r = e.call(http.MethodPost, "/api/orders", tok, billingapi.OrderInput{PlanID: "nope"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"plan_id"}, r.Fields(t))
	req := newOrderRequest(t, e, tok, e.planBySlug("basic").ID, "key-1")
	r = e.sendRaw(req)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "a key used for another plan")
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodPost, "/api/orders", "", billingapi.OrderInput{PlanID: std.ID}).Status)

	b := e.order(tok, std.ID, "")
	e.clock.Advance(time.Second)
	c := e.order(tok, std.ID, "")
	r = e.call(http.MethodGet, "/api/orders?limit=2", tok, nil)
	require.Equal(t, http.StatusOK, r.Status)
	var page billingapi.OrderPage
	r.Decode(t, &page)
	require.Equal(t, []string{c.Order.ID, b.Order.ID}, []string{page.Items[0].ID, page.Items[1].ID})
	require.NotNil(t, page.NextCursor)
	r = e.call(http.MethodGet, "/api/orders?limit=2&cursor="+*page.NextCursor, tok, nil)
	r.Decode(t, &page)
	require.Equal(t, []string{a.Order.ID}, []string{page.Items[0].ID})
	require.Nil(t, page.NextCursor)
	require.Equal(t, http.StatusBadRequest, e.call(http.MethodGet, "/api/orders?cursor=zzz", tok, nil).Status)

	// nobody else sees them
	r = e.call(http.MethodGet, "/api/orders", other, nil)
	r.Decode(t, &page)
	require.Empty(t, page.Items)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/orders/"+a.Order.ID, other, nil).Status)
	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/api/orders/"+a.Order.ID, e.admin, nil).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/sandbox/checkout/cs_nope", "", nil).Status)
	require.Equal(t, http.StatusNotFound, e.post("/sandbox/checkout/cs_nope/pay").Status)
	require.Equal(t, http.StatusNotFound, e.post("/sandbox/checkout/cs_nope/decline").Status)
	require.Equal(t, http.StatusNotFound, e.post("/sandbox/checkout/cs_nope/expire").Status)
	require.Equal(t, http.StatusOK, e.call(http.MethodGet, "/sandbox/checkout/"+sessionOf(a), "", nil).Status)
}

func newOrderRequest(t *testing.T, e *env, tok, planID, key string) *http.Request {
	t.Helper()
	req := newJSONRequest(t, e, http.MethodPost, "/api/orders", tok, billingapi.OrderInput{PlanID: planID})
	req.Header.Set("Idempotency-Key", key)
	return req
}
