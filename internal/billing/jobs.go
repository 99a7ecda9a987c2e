package billing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Job kinds.
const (
	jobActivate       = "saga.activate"
	jobRefund         = "saga.refund"
	jobRenew          = "subscription.renew"
	jobSandboxExpire  = "sandbox.expire"
	jobSandboxDeliver = "sandbox.deliver"
)

// jobLease is how long a claimed job is its claimer's: a process that dies
// holding it lets it run again after this.
const jobLease = time.Minute

// maxBackoff caps the wait between attempts of a failing job.
const maxBackoff = 5 * time.Minute

// step is how a job kind runs. external (optional) runs outside any
// transaction and must be idempotent (a provider call with an idempotency
// key): it may run again after a crash. apply runs in one transaction with
// the job's completion, so its effect happens exactly once.
type step struct {
	external func(ctx context.Context, j store.Job) (any, error)
	apply    func(ctx context.Context, tx *sqldb.Tx, j store.Job, ext any) error
}

func (s *Service) steps(kind string) (step, bool) {
	switch kind {
	case jobActivate:
		return step{apply: s.applyActivate}, true
	case jobRefund:
		return step{external: s.refundWithProvider, apply: s.applyRefund}, true
	case jobRenew:
		return step{external: s.chargeRenewal, apply: s.applyRenewal}, true
	case jobSandboxExpire:
		return step{apply: s.sandbox.applyExpire}, true
	case jobSandboxDeliver:
		return step{external: s.sandbox.deliver, apply: func(context.Context, *sqldb.Tx, store.Job, any) error { return nil }}, true
	}
	return step{}, false
}

// schedule adds a job in tx (once per dedupe key) and wakes the runner after commit.
func (s *Service) schedule(ctx context.Context, tx *sqldb.Tx, kind, key, payload string, at time.Time) error {
	if _, err := s.store.ScheduleJob(ctx, tx, store.Job{Kind: kind, DedupeKey: key, Payload: payload, RunAt: at}, s.now()); err != nil {
		return err
	}
	tx.AfterCommit(s.wake)
	return nil
}

func (s *Service) wake() {
	select {
	case s.wakeCh <- struct{}{}:
	default:
	}
}

// RunDue runs the next due job, if any: ran is false when none is due.
// An error is the job's failure (it is retried later with backoff) or an
// injected crash.
//
// A job whose step has nothing outside the database (the saga's activation,
// a checkout's expiry) is claimed, applied and finished in one transaction:
// one commit instead of two on the way from a webhook to an active
// subscription, and a crash leaves it unclaimed rather than leased. A step
// with a provider call commits its claim first, so the call runs outside
// any transaction.
func (s *Service) RunDue(ctx context.Context) (ran bool, err error) {
	var j store.Job
	var st step
	known, applied := false, false
	err = s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		now := s.now()
		var err error
		if j, err = s.store.ClaimJob(ctx, tx, now, now.Add(jobLease)); err != nil {
			return err
		}
		if st, known = s.steps(j.Kind); !known || st.external != nil {
			return nil
		}
		applied = true
		if err := s.fault("job.claimed:" + j.Kind); err != nil {
			return err
		}
		return s.applyAndFinish(ctx, tx, j, st, nil)
	})
	switch {
	case j.ID == "" && errors.Is(err, store.ErrNotFound):
		return false, nil
	case j.ID == "" || (!applied && err != nil):
		return false, err
	case applied:
		return true, s.settle(ctx, j, err)
	}
	if err := s.fault("job.claimed:" + j.Kind); err != nil {
		return true, err
	}
	if !known {
		return true, s.retry(ctx, j, fmt.Errorf("unknown job kind %q", j.Kind))
	}
	ext, err := st.external(ctx, j)
	if err != nil {
		return true, s.retry(ctx, j, err)
	}
	if err := s.fault("job.external-done:" + j.Kind); err != nil {
		return true, err
	}
	return true, s.settle(ctx, j, s.inWriteTx(ctx, func(tx *sqldb.Tx) error { return s.applyAndFinish(ctx, tx, j, st, ext) }))
}

// applyAndFinish applies a claimed job's step and marks the job done, in tx.
func (s *Service) applyAndFinish(ctx context.Context, tx *sqldb.Tx, j store.Job, st step, ext any) error {
	if err := st.apply(ctx, tx, j, ext); err != nil {
		return err
	}
	if err := s.fault("job.before-commit:" + j.Kind); err != nil {
		return err
	}
	return s.store.FinishJob(ctx, tx, j.ID, s.now())
}

// settle handles the outcome of the transaction that applied a job: a
// failure is retried later (a crash passes through).
func (s *Service) settle(ctx context.Context, j store.Job, err error) error {
	if err != nil {
		return s.retry(ctx, j, err)
	}
	return s.fault("job.committed:" + j.Kind)
}

// retry records a failed attempt and schedules the next with exponential backoff.
func (s *Service) retry(ctx context.Context, j store.Job, cause error) error {
	if errors.Is(cause, ErrCrash) {
		return cause
	}
	backoff := time.Second << min(j.Attempts-1, 20)
	backoff = min(backoff, maxBackoff)
	s.log.Warn("billing job failed; retrying", "kind", j.Kind, "key", j.DedupeKey, "attempt", j.Attempts, "in", backoff.String(), "error", cause.Error())
	if err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		return s.store.RetryJob(ctx, tx, j.ID, j.Attempts, s.now().Add(backoff), cause.Error())
	}); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// Drain runs due jobs until none is due now (tests, benchmarks). It stops
// at the first error.
func (s *Service) Drain(ctx context.Context) error {
	for {
		ran, err := s.RunDue(ctx)
		if err != nil {
			return err
		}
		if !ran {
			return nil
		}
	}
}

// jobWorkers is how many jobs a process runs at once. The claim query
// hands each worker its own job (SKIP LOCKED on PostgreSQL; SQLite's write
// lock serialises claims), so a slow provider call or a delivery does not
// hold the others up.
const jobWorkers = 4

// Run runs due jobs until ctx ends, in jobWorkers loops: woken when a
// transaction schedules a job (a busy worker wakes the next one), else when
// the next job is due (checked at least every second, for jobs added by
// other processes).
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range jobWorkers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Wait()
	return nil
}

func (s *Service) work(ctx context.Context) {
	for {
		ran, err := s.RunDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if ran {
			s.wake() // there may be more: let another worker look too
			continue // a failed job is rescheduled; go on with the others
		}
		if err != nil {
			s.log.Error("billing jobs", "error", err.Error())
		}
		wait := time.Second
		if at, ok, err := s.store.NextJobAt(ctx, s.db); err == nil && ok {
			if d := at.Sub(s.now()); d < wait {
				wait = max(d, 5*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wakeCh:
			t.Stop()
		case <-t.C:
		}
	}
}
