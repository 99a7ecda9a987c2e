package browse

import (
	"context"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// reweighChunk is how many weighted ratings one transaction of the
// background recomputation sets: a few milliseconds, so the consumers
// (which take the same browse_stats lock) wait no longer than that.
const reweighChunk = 1000

// Run keeps every weighted rating in step with the m and C in use until ctx
// ends. A batch that moves C more than cDrift (or finds m changed) switches
// to the new C for the movies it writes and wakes Run, which recomputes the
// others a chunk per transaction: a full-table update inside the consumer's
// transaction held the consumers up for 0.8 s at 100,000 rated movies on
// PostgreSQL. Run also makes one pass at start, in case an earlier process
// stopped in the middle of one. It returns nil when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	s.wakeReweigh()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.reweigh:
		}
		if err := s.Reweigh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("browse: recomputing weighted ratings failed, will retry", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
				s.wakeReweigh()
			}
		}
	}
}

// Reweigh recomputes every weighted rating with the m and C in use, a chunk
// per transaction, unless the last complete pass used them already. When a
// consumer switches to a new C during the pass, the pass starts over with
// it, so at the end every row has the same C; the last transaction records
// that C as done.
func (s *Service) Reweigh(ctx context.Context) error {
	var (
		m       int
		c       float64
		after   string
		started bool
	)
	for {
		var last string
		err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			st, err := s.store.LockStats(ctx, tx)
			if err != nil {
				return err
			}
			if st.Reweighed() || st.MUsed == 0 {
				return nil // done already, or nothing was ever rated
			}
			if !started || st.MUsed != m || st.CUsed != c {
				m, c, after, started = st.MUsed, st.CUsed, "", true
			}
			last, err = s.store.RecomputeWeightedRatings(ctx, tx, m, c, after, reweighChunk)
			if err != nil {
				return err
			}
			tx.AfterCommit(s.top.InvalidateAll)
			if last != "" {
				return nil
			}
			st.MDone, st.CDone = m, c
			return s.store.SaveStats(ctx, tx, st)
		})
		if err != nil || last == "" {
			return err
		}
		after = last
	}
}

// wakeReweigh asks Run for a pass (one pending request is enough).
func (s *Service) wakeReweigh() {
	select {
	case s.reweigh <- struct{}{}:
	default:
	}
}
