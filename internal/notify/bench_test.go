package notify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/notify"
	"github.com/marquee-dev/marquee/internal/notify/store"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// seedUsers stores n users (all opted in to e-mail about new movies when
// mailed) straight through the store, in big transactions.
func seedUsers(b *testing.B, db *sqldb.DB, n int, mailed bool) {
	b.Helper()
	ctx := context.Background()
	st, err := store.New(db)
	require.NoError(b, err)
	registered := time.Now().UTC().Add(-time.Hour)
	for start := 0; start < n; start += 5000 {
		require.NoError(b, db.InTx(ctx, func(tx *sqldb.Tx) error {
			for i := start; i < min(start+5000, n); i++ {
				id := uuid.Must(uuid.NewV7()).String()
				if _, err := st.ApplyUser(ctx, tx, store.User{ID: id, Email: fmt.Sprintf("u%d@example.com", i), DisplayName: fmt.Sprintf("User %d", i),
					Version: 1, RegisteredAt: registered}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	if mailed {
		_, err := db.ExecContext(ctx, `UPDATE users SET email_new_movies = 1`)
		require.NoError(b, err)
	}
}

// BenchmarkNewMovieFanout100k: a new movie for 100,000 users on the
// embedded default (a SQLite file): from the catalog event's handler to the
// last in-app notification committed. Target: within 10 s.
func BenchmarkNewMovieFanout100k(b *testing.B) {
	const users = 100_000
	ctx := context.Background()
	db, err := sqldb.Open(ctx, "notify", "sqlite://"+filepath.Join(b.TempDir(), "notify.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	require.NoError(b, kit.Migrate(ctx, db, notify.Module))
	seedUsers(b, db, users, false)
	e := newEnvOn(b, db, notify.Config{})
	e.run()
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		require.NoError(b, e.apply(notify.ConsumerMovies, movieEvent(b, fmt.Sprintf("Movie %d", i))))
		require.Eventually(b, func() bool {
			return e.count(`SELECT COUNT(*) FROM fanouts WHERE done = 0`) == 0
		}, 5*time.Minute, 10*time.Millisecond)
		total += time.Since(start)
	}
	b.StopTimer()
	require.Equal(b, users*b.N, e.count(`SELECT COUNT(*) FROM notifications`))
	b.ReportMetric(total.Seconds()/float64(b.N), "s/fanout")
	b.ReportMetric(float64(users*b.N)/total.Seconds(), "notifications/s")
}

// BenchmarkMailDelivery: queued mails sent to a local SMTP server (go-smtp
// in process) with no rate limit. Target: 200 mails/s or more.
func BenchmarkMailDelivery(b *testing.B) {
	const users = 2000
	ctx := context.Background()
	srv := startSMTP(b)
	db, err := sqldb.Open(ctx, "notify", "sqlite://"+filepath.Join(b.TempDir(), "notify.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	require.NoError(b, kit.Migrate(ctx, db, notify.Module))
	seedUsers(b, db, users, true)
	e := newEnvOn(b, db, notify.Config{SMTPURL: srv.url(), MailBatch: 200})
	e.run()
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		want := users * (i + 1)
		start := time.Now()
		require.NoError(b, e.apply(notify.ConsumerMovies, movieEvent(b, fmt.Sprintf("Movie %d", i))))
		require.Eventually(b, func() bool { return len(srv.mails()) >= want }, 5*time.Minute, 5*time.Millisecond)
		total += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(users*b.N)/total.Seconds(), "mails/s")
	_ = servicetest.WaitFor
}
