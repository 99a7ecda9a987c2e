package sqldb

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Write runs fn in a write transaction and returns its error; what it
// writes commits together (state and outbox rows).
//
// On PostgreSQL every call is its own transaction (row locks order
// concurrent writers where they meet).
//
// SQLite has one writer at a time, and a transaction that finds the write
// lock taken waits in SQLite's busy handler, which sleeps in growing steps
// (1, 2, 5, 10 ms, ...) rather than waking when the lock is free. So this
// process's writers queue here instead, and commit in groups (group commit):
// whoever takes the group's turn runs every write queued so far in one
// transaction, each in its own SAVEPOINT — a write that fails is rolled back
// alone and gets its own error — and commits once for all of them. Under
// concurrent load this spreads the commit (and the pages every write
// touches, such as the outbox's) over the group: about a third more writes
// per second with 8 clients. A write learns its outcome after the commit.
//
// fn must use the ctx it is given: in a group of several writes it carries
// the caller's values but not its cancellation (on SQLite an interrupted
// statement would roll the whole group back). A caller that gives up before
// its write joined a group withdraws it; after that, the write may still
// commit. A write alone in its group keeps its cancellation.
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.engine != SQLite {
		return db.InTx(ctx, func(tx *Tx) error { return fn(ctx, tx) })
	}
	g := &db.group
	w := &queuedWrite{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	g.mu.Unlock()
	select {
	case err := <-w.done: // another writer's group took it
		return err
	case g.turn <- struct{}{}:
		g.mu.Lock()
		batch := g.queue
		g.queue = nil
		g.mu.Unlock()
		db.commitGroup(batch)
		<-g.turn
		return <-w.done // in this group, or (already) in an earlier one
	case <-ctx.Done():
		g.mu.Lock()
		i := slices.Index(g.queue, w)
		if i >= 0 { // no group has taken it yet: withdraw it
			g.queue = slices.Delete(g.queue, i, i+1)
		}
		g.mu.Unlock()
		if i >= 0 {
			return ctx.Err()
		}
		return <-w.done // a group has it: its outcome is the answer
	}
}

// writeGroup queues the writes of one SQLite database (see Write).
type writeGroup struct {
	turn  chan struct{} // held by the writer committing a group
	mu    sync.Mutex
	queue []*queuedWrite
}

// queuedWrite is a write waiting for its group.
type queuedWrite struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	done chan error // receives the outcome once the group committed or failed
}

// commitGroup runs a group of writes in one transaction, each in a
// savepoint, and tells each its outcome.
func (db *DB) commitGroup(group []*queuedWrite) {
	if len(group) == 0 {
		return
	}
	if len(group) == 1 { // alone: its own transaction, cancellation and all
		w := group[0]
		w.done <- db.InTx(w.ctx, func(tx *Tx) error { return runWrite(w.ctx, tx, w.fn) })
		return
	}
	ctx := context.WithoutCancel(group[0].ctx)
	errs := make([]error, len(group))
	err := db.InTx(ctx, func(tx *Tx) error {
		for i, w := range group {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT write`); err != nil {
				return fmt.Errorf("group commit: %w", err)
			}
			if errs[i] = runWrite(context.WithoutCancel(w.ctx), tx, w.fn); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO write`); err != nil {
					return fmt.Errorf("group commit: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE write`); err != nil {
				return fmt.Errorf("group commit: %w", err)
			}
		}
		return nil
	})
	for i, w := range group {
		if err != nil {
			w.done <- err // nothing of the group committed
		} else {
			w.done <- errs[i]
		}
	}
}

// runWrite calls fn, turning a panic into an error so that one write cannot
// leave the rest of its group waiting for ever.
func runWrite(ctx context.Context, tx *Tx, fn func(ctx context.Context, tx *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(ctx, tx)
}
