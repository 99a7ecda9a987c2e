package reviews

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// TestGroupCommit exercises the SQLite write queue: writes that run in one
// group each get their own outcome, a failing or panicking write is rolled
// back alone, and a write withdrawn before a group took it never runs.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqldbtest.Open(t, sqldb.SQLite)
	require.NoError(t, kit.Migrate(ctx, db, Module))
	_, err := db.ExecContext(ctx, `CREATE TABLE writes (n INTEGER PRIMARY KEY)`)
	require.NoError(t, err)
	s := New(db, events.NewOutbox(db), nil)
	insert := func(n int) func(context.Context, *sqldb.Tx) error {
		return func(ctx context.Context, tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO writes (n) VALUES (?)`, n)
			return err
		}
	}
	count := func() int {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM writes`).Scan(&n))
		return n
	}

	// hold the gate so that the writes below queue up, then let one group take them all
	s.writeGate <- struct{}{}
	boom := errors.New("boom")
	outcomes := make([]error, 6)
	var wg sync.WaitGroup
	for i, fn := range []func(context.Context, *sqldb.Tx) error{
		insert(1),
		func(ctx context.Context, tx *sqldb.Tx) error { // writes, then fails: rolled back alone
			if err := insert(2)(ctx, tx); err != nil {
				return err
			}
			return boom
		},
		insert(1), // a constraint violation
		insert(3),
		func(ctx context.Context, tx *sqldb.Tx) error { _ = insert(4)(ctx, tx); panic("oops") },
		insert(5),
	} {
		wg.Go(func() { outcomes[i] = s.inWriteTx(ctx, fn) })
		require.Eventually(t, func() bool { // queue them in this order
			s.queueMu.Lock()
			defer s.queueMu.Unlock()
			return len(s.queue) == i+1
		}, 5*time.Second, time.Millisecond)
	}
	// a caller that gives up while queued withdraws its write
	cctx, cancel := context.WithCancel(ctx)
	withdrawn := make(chan error, 1)
	go func() { withdrawn <- s.inWriteTx(cctx, insert(6)) }()
	require.Eventually(t, func() bool {
		s.queueMu.Lock()
		defer s.queueMu.Unlock()
		return len(s.queue) == 7
	}, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-withdrawn, context.Canceled)

	<-s.writeGate
	wg.Wait()
	require.NoError(t, outcomes[0])
	require.ErrorIs(t, outcomes[1], boom)
	require.Error(t, outcomes[2])
	require.True(t, sqldb.IsUniqueViolation(outcomes[2]), "%v", outcomes[2])
	require.NoError(t, outcomes[3])
	require.ErrorContains(t, outcomes[4], "panicked")
	require.NoError(t, outcomes[5])
	rows, err := db.QueryContext(ctx, `SELECT n FROM writes ORDER BY n`)
	require.NoError(t, err)
	var got []int
	for rows.Next() {
		var n int
		require.NoError(t, rows.Scan(&n))
		got = append(got, n)
	}
	require.NoError(t, rows.Close())
	require.Equal(t, []int{1, 3, 5}, got)

	// many writers at once: every one gets its outcome, none is lost
	var errs sync.Map
	for i := range 200 {
		wg.Go(func() {
			if err := s.inWriteTx(ctx, insert(100+i)); err != nil {
				errs.Store(i, err)
			}
		})
	}
	wg.Wait()
	errs.Range(func(k, v any) bool { t.Errorf("write %v: %v", k, v); return true })
	require.Equal(t, 203, count(), fmt.Sprint("3 + 200 rows"))
}
