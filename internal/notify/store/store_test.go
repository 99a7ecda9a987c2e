package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/notify/store"
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
		require.NoError(t, sqldb.Migrate(ctx, db, "notify", store.Migrations))
		st, err := store.New(db)
		require.NoError(t, err)
		require.Equal(t, db.Engine(), st.Engine())
		fn(t, &fixture{ctx: ctx, db: db, st: st, now: sqldb.Timestamp(time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC))})
	})
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func TestANewUserHasTheDefaultSettings(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "new")
		got, err := f.st.GetUser(f.ctx, f.db, u.ID)
		require.NoError(t, err)
		require.Equal(t, notifyapi.DefaultSettings, got.Settings)
	})
}

func (f *fixture) user(t *testing.T, name string) store.User {
	t.Helper()
	u := store.User{ID: newID(), Email: name + "@example.com", DisplayName: name, Version: 1, RegisteredAt: f.now}
	applied, err := f.st.ApplyUser(f.ctx, f.db, u)
	require.NoError(t, err)
	require.True(t, applied)
	u.Settings = notifyapi.DefaultSettings
	return u
}

func TestUsersKeepTheHighestVersionAndTheirSettings(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		id := newID()
		require.NoError(t, f.st.EnsureUser(f.ctx, f.db, id, f.now))
		u, err := f.st.GetUser(f.ctx, f.db, id)
		require.NoError(t, err)
		require.Equal(t, store.User{ID: id, RegisteredAt: f.now, Settings: notifyapi.DefaultSettings}, u, "a placeholder with the default settings")

		off := notifyapi.Settings{EmailNewMovies: true, EmailBilling: false, InappNewMovies: false, InappNewFollowers: true}
		require.NoError(t, f.st.SetSettings(f.ctx, f.db, id, off))
		for i, s := range []struct {
			u       store.User
			applied bool
		}{
			{store.User{ID: id, Email: "a@example.com", DisplayName: "Ann", Version: 1, RegisteredAt: f.now}, true},
			{store.User{ID: id, Email: "z@example.com", DisplayName: "Ann Z.", Version: 3, RegisteredAt: f.now}, true},
			{store.User{ID: id, Email: "b@example.com", DisplayName: "Ann B.", Version: 2, RegisteredAt: f.now}, false},
			{store.User{ID: id, Email: "z@example.com", DisplayName: "Ann Z.", Version: 3, RegisteredAt: f.now}, false},
		} {
			applied, err := f.st.ApplyUser(f.ctx, f.db, s.u)
			require.NoError(t, err)
			require.Equal(t, s.applied, applied, "step %d", i)
		}
		require.NoError(t, f.st.EnsureUser(f.ctx, f.db, id, f.now.Add(time.Hour)), "placeholders never overwrite")
		u, err = f.st.GetUser(f.ctx, f.db, id)
		require.NoError(t, err)
		require.Equal(t, store.User{ID: id, Email: "z@example.com", DisplayName: "Ann Z.", Version: 3, RegisteredAt: f.now, Settings: off}, u,
			"identity's events never touch the settings")
		require.True(t, u.Allows(store.TopicNewMovies))
		require.False(t, u.Allows(store.TopicBilling))

		_, err = f.st.GetUser(f.ctx, f.db, newID())
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, f.st.SetSettings(f.ctx, f.db, newID(), off), store.ErrNotFound)
	})
}

func TestAudienceIsEveryLiveRegisteredUserInIDOrder(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		var want []string
		for i := range 5 {
			want = append(want, f.user(t, fmt.Sprintf("u%d", i)).ID)
		}
		gone := f.user(t, "gone")
		_, err := f.st.ApplyUser(f.ctx, f.db, store.User{ID: gone.ID, Version: 2, Deleted: true, RegisteredAt: f.now})
		require.NoError(t, err)
		late := store.User{ID: newID(), Email: "late@example.com", Version: 1, RegisteredAt: f.now.Add(time.Minute)}
		_, err = f.st.ApplyUser(f.ctx, f.db, late)
		require.NoError(t, err)
		require.NoError(t, f.st.EnsureUser(f.ctx, f.db, newID(), f.now.Add(-time.Hour)))

		var got []string
		after := ""
		for {
			page, err := f.st.Audience(f.ctx, f.db, after, f.now, 2)
			require.NoError(t, err)
			for _, u := range page {
				got = append(got, u.ID)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].ID
		}
		require.Equal(t, want, got, "deleted users, placeholders and users registered after the cutoff are left out")
	})
}

func (f *fixture) notification(userID, key string, at time.Time) store.Notification {
	return store.Notification{UserID: userID, EventKey: key, Notification: notifyapi.Notification{
		ID: newID(), Kind: notifyapi.KindNewMovie, Title: "New: " + key, Body: "body", Link: "/movies/" + key, CreatedAt: at}}
}

func TestNotificationsListReadAndCount(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann, bob := f.user(t, "ann"), f.user(t, "bob")
		var ns []store.Notification
		for i := range 5 {
			ns = append(ns, f.notification(ann.ID, fmt.Sprintf("e%d", i), f.now.Add(time.Duration(i)*time.Second)))
		}
		ns = append(ns, f.notification(bob.ID, "e0", f.now))
		n, err := f.st.AddNotifications(f.ctx, f.db, ns)
		require.NoError(t, err)
		require.Equal(t, 6, n)
		again := f.notification(ann.ID, "e0", f.now.Add(time.Hour))
		n, err = f.st.AddNotifications(f.ctx, f.db, []store.Notification{again})
		require.NoError(t, err)
		require.Zero(t, n, "one cause notifies a user once")

		// newest first, in pages
		var titles []string
		var after *store.Position
		for {
			page, err := f.st.Notifications(f.ctx, f.db, ann.ID, false, after, 2)
			require.NoError(t, err)
			for _, p := range page {
				titles = append(titles, p.Title)
			}
			if len(page) < 2 {
				break
			}
			last := page[len(page)-1]
			after = &store.Position{At: last.CreatedAt, ID: last.ID}
		}
		require.Equal(t, []string{"New: e4", "New: e3", "New: e2", "New: e1", "New: e0"}, titles)

		count, err := f.st.UnreadCount(f.ctx, f.db, ann.ID)
		require.NoError(t, err)
		require.Equal(t, 5, count)

		read, err := f.st.MarkRead(f.ctx, f.db, ann.ID, ns[1].ID, f.now.Add(time.Minute))
		require.NoError(t, err)
		require.NotNil(t, read.ReadAt)
		require.Equal(t, f.now.Add(time.Minute), *read.ReadAt)
		read, err = f.st.MarkRead(f.ctx, f.db, ann.ID, ns[1].ID, f.now.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, f.now.Add(time.Minute), *read.ReadAt, "the first read stays")
		_, err = f.st.MarkRead(f.ctx, f.db, bob.ID, ns[2].ID, f.now)
		require.ErrorIs(t, err, store.ErrNotFound, "another user's notification")

		unread, err := f.st.Notifications(f.ctx, f.db, ann.ID, true, nil, 10)
		require.NoError(t, err)
		require.Len(t, unread, 4)
		for _, u := range unread {
			require.NotEqual(t, ns[1].ID, u.ID)
			require.Nil(t, u.ReadAt)
		}

		n, err = f.st.MarkAllRead(f.ctx, f.db, ann.ID, f.now.Add(2*time.Minute))
		require.NoError(t, err)
		require.Equal(t, 4, n)
		count, err = f.st.UnreadCount(f.ctx, f.db, ann.ID)
		require.NoError(t, err)
		require.Zero(t, count)
		count, err = f.st.UnreadCount(f.ctx, f.db, bob.ID)
		require.NoError(t, err)
		require.Equal(t, 1, count, "another user's are untouched")
	})
}

func TestFanoutsAreTakenOldestFirstUntilDone(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		_, ok, err := f.st.NextFanout(f.ctx, f.db)
		require.NoError(t, err)
		require.False(t, ok)
		first := store.Fanout{EventKey: "ev1", Kind: notifyapi.KindNewMovie, Title: "t", Body: "b", Link: "/movies/1", Cutoff: f.now, CreatedAt: f.now}
		second := first
		second.EventKey, second.CreatedAt = "ev2", f.now.Add(time.Second)
		for _, fo := range []store.Fanout{second, first} {
			added, err := f.st.AddFanout(f.ctx, f.db, fo)
			require.NoError(t, err)
			require.True(t, added)
		}
		added, err := f.st.AddFanout(f.ctx, f.db, first)
		require.NoError(t, err)
		require.False(t, added, "a redelivered event records no second fan-out")

		require.NoError(t, f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
			got, ok, err := f.st.NextFanout(f.ctx, tx)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, first, got)
			return f.st.AdvanceFanout(f.ctx, tx, "ev1", "user-5", false)
		}))
		got, _, err := f.st.NextFanout(f.ctx, f.db)
		require.NoError(t, err)
		require.Equal(t, "user-5", got.AfterUser)
		w, err := f.st.Work(f.ctx, f.db, f.now)
		require.NoError(t, err)
		require.Equal(t, store.Work{Fanout: true}, w)
		require.NoError(t, f.st.AdvanceFanout(f.ctx, f.db, "ev1", "user-9", true))
		got, ok, err = f.st.NextFanout(f.ctx, f.db)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "ev2", got.EventKey)
	})
}

func TestMailsAreClaimedOnceAndRetried(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann := f.user(t, "ann")
		mail := func(key string, at time.Time) store.Mail {
			return store.Mail{ID: newID(), UserID: ann.ID, EventKey: key, Kind: notifyapi.KindNewMovie, Topic: store.TopicNewMovies,
				Subject: "s " + key, Body: "b", Link: "/l", CreatedAt: at}
		}
		n, err := f.st.AddMails(f.ctx, f.db, []store.Mail{mail("a", f.now), mail("b", f.now.Add(time.Second)), mail("a", f.now)})
		require.NoError(t, err)
		require.Equal(t, 2, n, "one mail per (cause, user)")

		w, err := f.st.Work(f.ctx, f.db, f.now.Add(-time.Second))
		require.NoError(t, err)
		require.Equal(t, store.Work{}, w, "nothing due yet")
		w, err = f.st.Work(f.ctx, f.db, f.now)
		require.NoError(t, err)
		require.Equal(t, store.Work{Mail: true}, w)

		claim := func(at time.Time) []store.Mail {
			var ms []store.Mail
			require.NoError(t, f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
				var err error
				ms, err = f.st.ClaimMails(f.ctx, tx, at, time.Minute, 10)
				return err
			}))
			return ms
		}
		got := claim(f.now)
		require.Len(t, got, 1, "only what is due")
		require.Equal(t, "s a", got[0].Subject)
		require.Equal(t, store.MailPending, got[0].Status)
		got = claim(f.now.Add(2 * time.Second))
		require.Len(t, got, 1, "a claimed mail is not claimed again while held")
		require.Equal(t, "s b", got[0].Subject)
		require.Empty(t, claim(f.now.Add(30*time.Second)))

		// b fails and is due again later; a is sent
		require.NoError(t, f.st.FinishMail(f.ctx, f.db, got[0].ID, store.MailPending, 1, f.now.Add(time.Hour), "451 try later", f.now))
		ms, err := f.st.Mails(f.ctx, f.db, ann.ID)
		require.NoError(t, err)
		require.NoError(t, f.st.FinishMail(f.ctx, f.db, ms[0].ID, store.MailSent, 1, ms[0].NextAttemptAt, "", f.now.Add(time.Second)))
		require.Empty(t, claim(f.now.Add(2*time.Minute)), "a sent mail is never claimed; a failed one waits for its next attempt")
		again := claim(f.now.Add(61 * time.Minute))
		require.Len(t, again, 1)
		require.Equal(t, 1, again[0].Attempts)
		require.Equal(t, "451 try later", again[0].LastError)

		// an abandoned claim (a crashed sender) is taken again once its lease ends
		require.Len(t, claim(f.now.Add(63*time.Minute)), 1)

		ms, err = f.st.Mails(f.ctx, f.db, ann.ID)
		require.NoError(t, err)
		require.Equal(t, store.MailSent, ms[0].Status)
		require.NotNil(t, ms[0].SentAt)
		require.Equal(t, store.MailPending, ms[1].Status)
	})
}

func TestRemindersFollowTheNewestSubscriptionVersion(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		end := f.now.Add(10 * 24 * time.Hour)
		r := store.Reminder{SubscriptionID: "sub1", UserID: "u1", PlanName: "Basic", PeriodEnd: end, DueAt: end.Add(-72 * time.Hour),
			State: store.ReminderPending, Version: 2}
		applied, err := f.st.ApplyReminder(f.ctx, f.db, r)
		require.NoError(t, err)
		require.True(t, applied)
		older := r
		older.Version, older.State = 1, store.ReminderOff
		applied, err = f.st.ApplyReminder(f.ctx, f.db, older)
		require.NoError(t, err)
		require.False(t, applied)

		due, err := f.st.DueReminders(f.ctx, f.db, r.DueAt.Add(-time.Second), 10)
		require.NoError(t, err)
		require.Empty(t, due)
		w, err := f.st.Work(f.ctx, f.db, r.DueAt)
		require.NoError(t, err)
		require.Equal(t, store.Work{Reminder: true}, w)
		due, err = f.st.DueReminders(f.ctx, f.db, r.DueAt, 10)
		require.NoError(t, err)
		require.Equal(t, []store.Reminder{r}, due)

		require.NoError(t, f.st.SetReminderState(f.ctx, f.db, "sub1", store.ReminderDone))
		same := r
		same.Version = 3
		_, err = f.st.ApplyReminder(f.ctx, f.db, same)
		require.NoError(t, err)
		due, err = f.st.DueReminders(f.ctx, f.db, r.DueAt, 10)
		require.NoError(t, err)
		require.Empty(t, due, "a reminder sent for a period end is not sent again")

		next := r
		next.Version, next.PeriodEnd, next.DueAt = 4, end.Add(30*24*time.Hour), end.Add(27*24*time.Hour)
		_, err = f.st.ApplyReminder(f.ctx, f.db, next)
		require.NoError(t, err)
		due, err = f.st.DueReminders(f.ctx, f.db, next.DueAt, 10)
		require.NoError(t, err)
		require.Len(t, due, 1, "a new period end gets its own reminder")
	})
}

func TestSecretIsDecidedOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		v, err := f.st.Secret(f.ctx, f.db, "unsubscribe", "first")
		require.NoError(t, err)
		require.Equal(t, "first", v)
		v, err = f.st.Secret(f.ctx, f.db, "unsubscribe", "second")
		require.NoError(t, err)
		require.Equal(t, "first", v)
	})
}

func TestPlanNamesKeepTheHighestVersion(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		name, err := f.st.PlanName(f.ctx, f.db, "p1")
		require.NoError(t, err)
		require.Empty(t, name)
		require.NoError(t, f.st.ApplyPlan(f.ctx, f.db, "p1", "Premium", 2))
		require.NoError(t, f.st.ApplyPlan(f.ctx, f.db, "p1", "Old name", 1))
		name, err = f.st.PlanName(f.ctx, f.db, "p1")
		require.NoError(t, err)
		require.Equal(t, "Premium", name)
	})
}
