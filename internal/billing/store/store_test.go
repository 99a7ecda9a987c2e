package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// The conformance suite: every test runs on SQLite and on PostgreSQL
// (MARQUEE_TEST_POSTGRES_URL) against a fresh, migrated database.

type fixture struct {
	ctx context.Context
	db  *sqldb.DB
	st  store.Store
	now time.Time
}

func forEachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		require.NoError(t, sqldb.Migrate(ctx, db, "billing", store.Migrations))
		st, err := store.New(db)
		require.NoError(t, err)
		require.Equal(t, db.Engine(), st.Engine())
		fn(t, &fixture{ctx: ctx, db: db, st: st, now: sqldb.Timestamp(time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC))})
	})
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (f *fixture) plan(t *testing.T, slug string) store.Plan {
	t.Helper()
	p := store.Plan{Plan: billingapi.Plan{ID: newID(), Slug: slug, Name: slug, Price: billingapi.Price{Amount: 999, Currency: "USD"},
		Interval: "month", MaxHeight: 1080, MaxStreams: 2, IncludesNewTitles: true, CreatedAt: f.now, UpdatedAt: f.now}, Version: 1}
	require.NoError(t, f.st.InsertPlan(f.ctx, f.db, p))
	return p
}

func (f *fixture) order(t *testing.T, userID, planID, key string) store.Order {
	t.Helper()
	o := store.Order{Order: billingapi.Order{ID: newID(), UserID: userID, PlanID: planID, Status: billingapi.StatusPending, Amount: 999,
		Currency: "USD", Provider: "sandbox", CreatedAt: f.now, UpdatedAt: f.now}, IdempotencyKey: key, Version: 1}
	require.NoError(t, f.st.InsertOrder(f.ctx, f.db, o))
	return o
}

func TestPlans(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p := f.plan(t, "basic")
		got, err := f.st.GetPlan(f.ctx, f.db, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		dup := p
		dup.ID = newID()
		require.ErrorIs(t, f.st.InsertPlan(f.ctx, f.db, dup), store.ErrDuplicate)

		other := f.plan(t, "premium")
		other.Slug = "basic"
		require.ErrorIs(t, f.st.UpdatePlan(f.ctx, f.db, other), store.ErrDuplicate)
		archived := f.now.Add(time.Hour)
		p.ArchivedAt, p.Version = &archived, 2
		require.NoError(t, f.st.UpdatePlan(f.ctx, f.db, p))
		live, err := f.st.ListPlans(f.ctx, f.db, false)
		require.NoError(t, err)
		require.Len(t, live, 1)
		all, err := f.st.ListPlans(f.ctx, f.db, true)
		require.NoError(t, err)
		require.Len(t, all, 2)
		_, err = f.st.GetPlan(f.ctx, f.db, newID())
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestMoviesAndOffers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p1, p2 := f.plan(t, "a"), f.plan(t, "b")
		m := newID()
		applied, isNew, err := f.st.ApplyMovie(f.ctx, f.db, store.Movie{ID: m, Version: 2})
		require.NoError(t, err)
		require.True(t, applied)
		require.True(t, isNew)
		applied, isNew, err = f.st.ApplyMovie(f.ctx, f.db, store.Movie{ID: m, Version: 1, Deleted: true})
		require.NoError(t, err)
		require.False(t, applied, "an older version is dropped")
		require.False(t, isNew)

		v, err := f.st.SetMoviePlans(f.ctx, f.db, m, []string{p1.ID, p2.ID})
		require.NoError(t, err)
		require.EqualValues(t, 1, v)
		v, err = f.st.SetMoviePlans(f.ctx, f.db, m, []string{p2.ID})
		require.NoError(t, err)
		require.EqualValues(t, 2, v)
		ids, err := f.st.MoviePlans(f.ctx, f.db, m)
		require.NoError(t, err)
		require.Equal(t, []string{p2.ID}, ids)
		_, err = f.st.SetMoviePlans(f.ctx, f.db, newID(), nil)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestOrdersMoveOnlyForward(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p := f.plan(t, "basic")
		user := newID()
		o := f.order(t, user, p.ID, "k1")
		dup := o
		dup.ID = newID()
		require.ErrorIs(t, f.st.InsertOrder(f.ctx, f.db, dup), store.ErrDuplicate, "one order per (user, key)")
		byKey, err := f.st.OrderByKey(f.ctx, f.db, user, "k1")
		require.NoError(t, err)
		require.Equal(t, o.ID, byKey.ID)

		paid, moved, err := f.st.MoveOrder(f.ctx, f.db, o.ID, []string{billingapi.StatusPending}, billingapi.StatusPaid, store.OrderChange{PaymentRef: "pi_1"}, f.now)
		require.NoError(t, err)
		require.True(t, moved)
		require.Equal(t, "pi_1", paid.PaymentRef)
		require.EqualValues(t, 2, paid.Version)
		// a late "expired" cannot move a paid order back
		again, moved, err := f.st.MoveOrder(f.ctx, f.db, o.ID, []string{billingapi.StatusPending}, billingapi.StatusCancelled, store.OrderChange{FailureReason: "expired"}, f.now)
		require.NoError(t, err)
		require.False(t, moved)
		require.Equal(t, billingapi.StatusPaid, again.Status)
		require.Nil(t, again.FailureReason)

		booked, err := f.st.InsertPayment(f.ctx, f.db, store.Payment{Kind: "charge", OrderID: o.ID, Provider: "sandbox", ProviderRef: "pi_1", Amount: 999, Currency: "USD", CreatedAt: f.now})
		require.NoError(t, err)
		require.True(t, booked)
		booked, err = f.st.InsertPayment(f.ctx, f.db, store.Payment{Kind: "charge", OrderID: o.ID, Provider: "sandbox", ProviderRef: "pi_2", Amount: 999, Currency: "USD", CreatedAt: f.now})
		require.NoError(t, err)
		require.False(t, booked, "one charge per order")

		// newest first, keyset pages
		f.now = f.now.Add(time.Minute)
		o2 := f.order(t, user, p.ID, "")
		list, err := f.st.ListOrders(f.ctx, f.db, user, nil, 10)
		require.NoError(t, err)
		require.Equal(t, []string{o2.ID, o.ID}, []string{list[0].ID, list[1].ID})
		list, err = f.st.ListOrders(f.ctx, f.db, user, &store.Position{At: o2.CreatedAt, ID: o2.ID}, 10)
		require.NoError(t, err)
		require.Len(t, list, 1)
	})
}

func TestJobs(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ok, err := f.st.ScheduleJob(f.ctx, f.db, store.Job{Kind: "k", DedupeKey: "a", Payload: "x", RunAt: f.now}, f.now)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = f.st.ScheduleJob(f.ctx, f.db, store.Job{Kind: "k", DedupeKey: "a", Payload: "y", RunAt: f.now}, f.now)
		require.NoError(t, err)
		require.False(t, ok, "scheduling is idempotent per key")
		_, err = f.st.ScheduleJob(f.ctx, f.db, store.Job{Kind: "k", DedupeKey: "later", Payload: "z", RunAt: f.now.Add(time.Hour)}, f.now)
		require.NoError(t, err)

		j, err := f.st.ClaimJob(f.ctx, f.db, f.now, f.now.Add(time.Minute))
		require.NoError(t, err)
		require.Equal(t, "a", j.DedupeKey)
		require.Equal(t, 1, j.Attempts)
		_, err = f.st.ClaimJob(f.ctx, f.db, f.now, f.now.Add(time.Minute))
		require.ErrorIs(t, err, store.ErrNotFound, "a claimed job is leased")
		// the lease ends: the job is due again (its claimer crashed)
		j2, err := f.st.ClaimJob(f.ctx, f.db, f.now.Add(time.Minute), f.now.Add(2*time.Minute))
		require.NoError(t, err)
		require.Equal(t, j.ID, j2.ID)
		require.Equal(t, 2, j2.Attempts)
		// the attempts are the claim's count, also when the claim itself was
		// rolled back with its step (here: 5 of them)
		require.NoError(t, f.st.RetryJob(f.ctx, f.db, j.ID, 5, f.now.Add(3*time.Minute), "boom"))
		at, ok, err := f.st.NextJobAt(f.ctx, f.db)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, f.now.Add(3*time.Minute), at)
		j3, err := f.st.ClaimJob(f.ctx, f.db, at, at.Add(time.Minute))
		require.NoError(t, err)
		require.Equal(t, j.ID, j3.ID)
		require.Equal(t, 6, j3.Attempts)
		require.NoError(t, f.st.FinishJob(f.ctx, f.db, j.ID, f.now))
		_, err = f.st.ClaimJob(f.ctx, f.db, f.now.Add(2*time.Hour), f.now.Add(3*time.Hour))
		require.NoError(t, err, "the later job")
		_, err = f.st.ClaimJob(f.ctx, f.db, f.now.Add(2*time.Hour), f.now.Add(3*time.Hour))
		require.ErrorIs(t, err, store.ErrNotFound, "a finished job never runs again")
	})
}

func TestSandboxBooks(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		order, user := newID(), newID()
		s1, err := f.st.InsertSandboxSession(f.ctx, f.db, store.SandboxSession{ID: "cs_1", OrderID: order, UserID: user, Title: "t", Amount: 5, Currency: "USD", ExpiresAt: f.now, CreatedAt: f.now})
		require.NoError(t, err)
		s2, err := f.st.InsertSandboxSession(f.ctx, f.db, store.SandboxSession{ID: "cs_2", OrderID: order, UserID: user, Title: "t", Amount: 5, Currency: "USD", ExpiresAt: f.now, CreatedAt: f.now})
		require.NoError(t, err)
		require.Equal(t, s1.ID, s2.ID, "one session per order")
		moved, err := f.st.MoveSandboxSession(f.ctx, f.db, "cs_1", "paid", "pi_1", f.now)
		require.NoError(t, err)
		require.True(t, moved)
		moved, err = f.st.MoveSandboxSession(f.ctx, f.db, "cs_1", "expired", "", f.now)
		require.NoError(t, err)
		require.False(t, moved, "a settled session stays")

		c, inserted, err := f.st.InsertSandboxCharge(f.ctx, f.db, store.SandboxCharge{ID: "pi_1", IdempotencyKey: "k", UserID: user, Amount: 5, Currency: "USD", Succeeded: true, CreatedAt: f.now})
		require.NoError(t, err)
		require.True(t, inserted)
		c2, inserted, err := f.st.InsertSandboxCharge(f.ctx, f.db, store.SandboxCharge{ID: "pi_2", IdempotencyKey: "k", UserID: user, Amount: 5, Currency: "USD", Succeeded: true, CreatedAt: f.now})
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, c.ID, c2.ID)
		r, inserted, err := f.st.InsertSandboxRefund(f.ctx, f.db, store.SandboxRefund{ID: "re_1", IdempotencyKey: "rk", ChargeID: "pi_1", Amount: 5, CreatedAt: f.now})
		require.NoError(t, err)
		require.True(t, inserted)
		r2, inserted, err := f.st.InsertSandboxRefund(f.ctx, f.db, store.SandboxRefund{ID: "re_2", IdempotencyKey: "other key", ChargeID: "pi_1", Amount: 5, CreatedAt: f.now})
		require.NoError(t, err)
		require.False(t, inserted, "a charge is refunded at most once, whatever the key")
		require.Equal(t, r.ID, r2.ID)

		require.NoError(t, f.st.SetSandboxFailNext(f.ctx, f.db, user, true))
		fail, err := f.st.TakeSandboxFailNext(f.ctx, f.db, user)
		require.NoError(t, err)
		require.True(t, fail)
		fail, err = f.st.TakeSandboxFailNext(f.ctx, f.db, user)
		require.NoError(t, err)
		require.False(t, fail, "taken once")

		v, err := f.st.EnsureSetting(f.ctx, f.db, "k", "first")
		require.NoError(t, err)
		require.Equal(t, "first", v)
		v, err = f.st.EnsureSetting(f.ctx, f.db, "k", "second")
		require.NoError(t, err)
		require.Equal(t, "first", v, "generated once and kept")
	})
}

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p := f.plan(t, "basic")
		sub := store.Subscription{ID: newID(), UserID: newID(), PlanID: p.ID, Status: billingapi.SubActive, CurrentPeriodStart: f.now,
			CurrentPeriodEnd: f.now.AddDate(0, 1, 0), Version: 1, CreatedAt: f.now, UpdatedAt: f.now}
		require.NoError(t, f.st.SaveSubscription(f.ctx, f.db, sub))
		grace := f.now.Add(72 * time.Hour)
		sub.Status, sub.GraceUntil, sub.Version = billingapi.SubPastDue, &grace, 2
		require.NoError(t, f.st.SaveSubscription(f.ctx, f.db, sub))
		got, err := f.st.GetSubscription(f.ctx, f.db, sub.UserID, true)
		require.NoError(t, err)
		require.Equal(t, sub, got)
		got, err = f.st.GetSubscriptionByID(f.ctx, f.db, sub.ID, false)
		require.NoError(t, err)
		require.Equal(t, sub, got)
		_, err = f.st.GetSubscription(f.ctx, f.db, newID(), false)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}
