package notify_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/notify"
	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// kinds lists the kinds of a user's notifications, newest first.
func (e *env) kinds(u user) []string {
	e.t.Helper()
	var out []string
	for _, n := range e.notifications(u, "?limit=100").Items {
		out = append(out, n.Kind)
	}
	return out
}

// mailsTo counts the queued mails of a user (any state).
func (e *env) mailsTo(u user) int {
	e.t.Helper()
	return e.count(`SELECT COUNT(*) FROM mails WHERE user_id = ?`, u.id)
}

func TestNewMovieReachesEveryoneTheirSettingsAllow(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine(), notify.Config{FanoutBatch: 2})
		plain, quiet, mailed, gone := e.addUser("plain"), e.addUser("quiet"), e.addUser("mailed"), e.addUser("gone")
		e.settings(quiet, map[string]any{"inapp_new_movies": false})
		e.settings(mailed, map[string]any{"email_new_movies": true})
		require.NoError(t, e.apply(notify.ConsumerUsers, userEvent(t, identityapi.UserDeleted, gone, 2, true)))

		ev := movieEvent(t, "Heat")
		require.NoError(t, e.apply(notify.ConsumerMovies, ev))
		require.Zero(t, e.count(`SELECT COUNT(*) FROM notifications`), "the consumer only records the fan-out")
		e.run()
		require.Eventually(t, func() bool {
			return e.count(`SELECT COUNT(*) FROM fanouts WHERE done = 1`) == 1
		}, servicetest.WaitFor, servicetest.Tick)

		p := e.notifications(plain, "")
		require.Len(t, p.Items, 1)
		n := p.Items[0]
		require.Equal(t, notifyapi.KindNewMovie, n.Kind)
		require.Equal(t, "New movie: Heat (1995)", n.Title)
		require.Equal(t, "/movies/"+ev.Subject, n.Link)
		require.Contains(t, n.Body, "A crime saga.")
		require.Nil(t, n.ReadAt)
		require.Equal(t, []string{notifyapi.KindNewMovie}, e.kinds(mailed))
		require.Empty(t, e.kinds(quiet), "inapp_new_movies off")
		require.Empty(t, e.kinds(gone), "deleted accounts get nothing")
		require.Equal(t, 1, e.mailsTo(mailed))
		require.Zero(t, e.mailsTo(plain), "email_new_movies is off by default")

		// a redelivered event (past the inbox, as after a lost ack) adds nothing
		require.NoError(t, e.apply(notify.ConsumerMovies, ev))
		time.Sleep(100 * time.Millisecond) // a few worker rounds
		require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM fanouts`))
		require.Equal(t, 2, e.count(`SELECT COUNT(*) FROM notifications`))
		require.Equal(t, 1, e.count(`SELECT COUNT(*) FROM mails`))

		// users who register after the movie are not told about it
		late := e.addUser("late")
		require.NoError(t, e.apply(notify.ConsumerMovies, movieEvent(t, "Ronin")))
		require.Eventually(t, func() bool {
			return e.count(`SELECT COUNT(*) FROM fanouts WHERE done = 1`) == 2
		}, servicetest.WaitFor, servicetest.Tick)
		require.Equal(t, []string{notifyapi.KindNewMovie, notifyapi.KindNewMovie}, e.kinds(plain))
		require.Equal(t, []string{notifyapi.KindNewMovie}, e.kinds(late)[:1])
	})
}

// The movies of a bulk import (a `--demo` seed on a site with real users)
// are announced to nobody, in the app or by mail.
func TestBulkImportedMoviesAreNotAnnounced(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine(), notify.Config{})
		u := e.addUser("plain")
		e.settings(u, map[string]any{"email_new_movies": true})
		imported := movieEvent(t, "Alien")
		imported.Bulk = true
		require.NoError(t, e.apply(notify.ConsumerMovies, imported))
		require.Zero(t, e.count(`SELECT COUNT(*) FROM fanouts`), "no fan-out for a bulk import")

		require.NoError(t, e.apply(notify.ConsumerMovies, movieEvent(t, "Heat")))
		e.run()
		require.Eventually(t, func() bool {
			return e.count(`SELECT COUNT(*) FROM fanouts WHERE done = 1`) == 1
		}, servicetest.WaitFor, servicetest.Tick)
		p := e.notifications(u, "")
		require.Len(t, p.Items, 1, "only the movie added by hand")
		require.Equal(t, "New movie: Heat (1995)", p.Items[0].Title)
		require.Equal(t, 1, e.mailsTo(u))
	})
}

func TestNewFollowerIsToldInApp(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine(), notify.Config{})
		ann, bob, cid := e.addUser("Ann"), e.addUser("Bob"), e.addUser("Cid")
		ev := followEvent(t, ann, bob)
		require.NoError(t, e.apply(notify.ConsumerFollows, ev))
		require.NoError(t, e.apply(notify.ConsumerFollows, ev))
		require.NoError(t, e.apply(notify.ConsumerFollows, followEvent(t, ann, bob)), "unfollowed, then followed again")
		p := e.notifications(bob, "")
		require.Len(t, p.Items, 1, "once, however often the event comes, and once for a follow after an unfollow")
		require.Equal(t, "Ann follows you", p.Items[0].Title)
		require.Equal(t, "/users/"+ann.id, p.Items[0].Link)
		require.Zero(t, e.mailsTo(bob), "followers are not mailed")

		e.settings(cid, map[string]any{"inapp_new_followers": false})
		require.NoError(t, e.apply(notify.ConsumerFollows, followEvent(t, ann, cid)))
		require.Empty(t, e.kinds(cid))
		require.Empty(t, e.kinds(ann), "the follower is not told")
	})
}

func orderEvent(t testing.TB, typ string, u user) events.Envelope {
	t.Helper()
	o := notifyapi.OrderEvent{ID: "0193e000-0000-7000-8000-0000000000aa", UserID: u.id, PlanID: "p1",
		Status: "completed", Amount: 1299, Currency: "eur", Version: 3, UpdatedAt: time.Now().UTC()}
	return servicetest.NewEnvelope(t, notifyapi.BillingSource, typ, o.ID, o)
}

type subscription struct {
	id, status string
	periodEnd  time.Time
	cancelAtPE bool
	version    int64
}

func subscriptionEvent(t testing.TB, typ string, u user, s subscription) events.Envelope {
	t.Helper()
	data := map[string]any{"id": s.id, "user_id": u.id, "plan": map[string]any{"id": "p1", "name": "Premium"}, "status": s.status,
		"current_period_start": s.periodEnd.Add(-30 * 24 * time.Hour), "current_period_end": s.periodEnd,
		"cancel_at_period_end": s.cancelAtPE, "version": s.version}
	return servicetest.NewEnvelope(t, notifyapi.BillingSource, typ, s.id, data)
}

func TestOrdersAndSubscriptionsAreMailedAndShown(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine(), notify.Config{})
		ann, bob := e.addUser("ann"), e.addUser("bob")
		e.settings(bob, map[string]any{"email_billing": false})
		// the order names its plan by id; the name comes from billing's plan events
		plan := map[string]any{"id": "p1", "slug": "standard", "name": "Standard", "version": 2}
		require.NoError(t, e.apply(notify.ConsumerBilling, servicetest.NewEnvelope(t, notifyapi.BillingSource, notifyapi.PlanUpdated, "p1", plan)))

		for _, u := range []user{ann, bob} {
			ev := orderEvent(t, notifyapi.OrderCompleted, u)
			require.NoError(t, e.apply(notify.ConsumerBilling, ev))
			require.NoError(t, e.apply(notify.ConsumerBilling, ev))
			require.NoError(t, e.apply(notify.ConsumerBilling, orderEvent(t, notifyapi.OrderRefunded, u)))
		}
		p := e.notifications(ann, "")
		require.Equal(t, []string{notifyapi.KindOrderRefunded, notifyapi.KindOrderCompleted}, e.kinds(ann))
		require.Contains(t, p.Items[1].Body, "12.99 EUR")
		require.Contains(t, p.Items[1].Body, "Standard")
		require.Equal(t, "/account/orders/0193e000-0000-7000-8000-0000000000aa", p.Items[1].Link)
		require.Equal(t, 2, e.mailsTo(ann), "a receipt for each, once")
		require.Equal(t, []string{notifyapi.KindOrderRefunded, notifyapi.KindOrderCompleted}, e.kinds(bob), "in-app always")
		require.Zero(t, e.mailsTo(bob), "email_billing off")

		// renewed: told at once
		end := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)
		sub := subscription{id: "sub-ann", status: "active", periodEnd: end, version: 2}
		require.NoError(t, e.apply(notify.ConsumerBilling, subscriptionEvent(t, notifyapi.SubscriptionRenewed, ann, sub)))
		require.Equal(t, notifyapi.KindSubscriptionRenewed, e.kinds(ann)[0])
		require.Contains(t, e.notifications(ann, "").Items[0].Body, "Premium")

		// cancelled at period end: told 3 days before the end, once
		sub.cancelAtPE, sub.version = true, 3
		require.NoError(t, e.apply(notify.ConsumerBilling, subscriptionEvent(t, notifyapi.SubscriptionCanceled, ann, sub)))
		e.run()
		time.Sleep(100 * time.Millisecond)
		require.Equal(t, notifyapi.KindSubscriptionRenewed, e.kinds(ann)[0], "not yet")
		e.clock.Advance(27*24*time.Hour + time.Minute)
		require.Eventually(t, func() bool { return e.kinds(ann)[0] == notifyapi.KindSubscriptionExpiring }, servicetest.WaitFor, servicetest.Tick)
		require.Equal(t, 4, e.mailsTo(ann))
		e.clock.Advance(time.Hour)
		time.Sleep(100 * time.Millisecond)
		require.Len(t, e.kinds(ann), 4, "the reminder comes once")

		// resumed before the reminder is due: no reminder
		bsub := subscription{id: "sub-bob", status: "active", periodEnd: end.Add(30 * 24 * time.Hour), cancelAtPE: true, version: 5}
		require.NoError(t, e.apply(notify.ConsumerBilling, subscriptionEvent(t, notifyapi.SubscriptionCanceled, bob, bsub)))
		resumed := bsub
		resumed.cancelAtPE, resumed.version = false, 6
		require.NoError(t, e.apply(notify.ConsumerBilling, subscriptionEvent(t, notifyapi.SubscriptionResumed, bob, resumed)))
		require.NoError(t, e.apply(notify.ConsumerBilling, subscriptionEvent(t, notifyapi.SubscriptionCanceled, bob, bsub)), "a late older event changes nothing")
		e.clock.Advance(40 * 24 * time.Hour)
		time.Sleep(100 * time.Millisecond)
		require.Len(t, e.kinds(bob), 2)

		// expired
		sub.status, sub.version = "expired", 4
		require.NoError(t, e.apply(notify.ConsumerBilling, subscriptionEvent(t, notifyapi.SubscriptionExpired, ann, sub)))
		require.Equal(t, notifyapi.KindSubscriptionExpired, e.kinds(ann)[0])
		require.Equal(t, 5, e.mailsTo(ann))

		// a payload without what notify needs is dead-lettered, not retried forever
		bad := servicetest.NewEnvelope(t, notifyapi.BillingSource, notifyapi.OrderCompleted, "x", map[string]any{"id": "x"})
		err := e.apply(notify.ConsumerBilling, bad)
		require.True(t, events.IsPermanent(err), "%v", err)
	})
}

func TestUnknownUserGetsPlaceholderUntilIdentityArrives(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite, notify.Config{})
	early := user{id: "0193e000-0000-7000-8000-0000000000bb", name: "Early", email: "early@example.com"}
	early.token = e.minter.User(t)
	require.NoError(t, e.apply(notify.ConsumerBilling, orderEvent(t, notifyapi.OrderCompleted, early)))
	require.Equal(t, 1, e.mailsTo(early), "queued; sent once the address is known")
	require.NoError(t, e.apply(notify.ConsumerUsers, userEvent(t, identityapi.UserRegistered, early, 1, false)))
	e.run()
	require.Eventually(t, func() bool {
		return e.count(`SELECT COUNT(*) FROM mails WHERE status = 'sent'`) == 1
	}, servicetest.WaitFor, servicetest.Tick)
	r := e.call(http.MethodGet, "/api/admin/mail", e.minter.Admin(t), nil)
	require.Contains(t, string(r.Body), "early@example.com")
}
