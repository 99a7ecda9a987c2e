package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Relay publishes a service's outbox to JetStream, in id order, marking a row
// published only after JetStream acknowledged it. A crash in between means the
// row is published again with the same Nats-Msg-Id: JetStream's dedupe window
// and the consumers' inbox make that harmless (at-least-once, effect once).
//
// On PostgreSQL several relay processes may share one database: one of them
// at a time holds a transaction-scoped advisory lock and claims rows with
// FOR UPDATE SKIP LOCKED, which keeps the order and never publishes a row
// twice. SQLite has a single writer process per file, so its relay reads
// without claiming (a second relay there only causes duplicates that dedupe
// absorbs).
type Relay struct {
	db     *sqldb.DB
	outbox *Outbox
	bus    *Bus
	log    *slog.Logger

	batchSize      int
	poll           time.Duration
	publishTimeout time.Duration
	retention      time.Duration
	onPublished    func(n int)
}

// RelayOption configures a Relay.
type RelayOption func(*Relay)

// RelayBatchSize sets how many rows one round publishes (default 256).
func RelayBatchSize(n int) RelayOption { return func(r *Relay) { r.batchSize = n } }

// RelayPollInterval sets how often the relay looks for rows it was not woken
// for, e.g. written by another process on the same database (default 500ms).
func RelayPollInterval(d time.Duration) RelayOption { return func(r *Relay) { r.poll = d } }

// RelayRetention sets how long published rows are kept for inspection before
// the relay deletes them (default 72h).
func RelayRetention(d time.Duration) RelayOption { return func(r *Relay) { r.retention = d } }

// RelayOnPublished is called after each round with the number of events
// JetStream acknowledged (for a "published" counter).
func RelayOnPublished(fn func(n int)) RelayOption { return func(r *Relay) { r.onPublished = fn } }

// NewRelay returns the relay of one service's outbox. outbox may be nil in a
// process that only relays (it then relies on polling).
func NewRelay(db *sqldb.DB, outbox *Outbox, bus *Bus, log *slog.Logger, opts ...RelayOption) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Relay{
		db: db, outbox: outbox, bus: bus, log: log.With("db", db.Name),
		batchSize: 256, poll: 500 * time.Millisecond, publishTimeout: 5 * time.Second, retention: 72 * time.Hour,
	}
	for _, opt := range opts {
		opt(r)
	}
	if r.batchSize <= 0 {
		r.batchSize = 256
	}
	if r.poll <= 0 {
		r.poll = 500 * time.Millisecond
	}
	return r
}

const (
	relayBusyRetry  = 20 * time.Millisecond // another relay holds the outbox: look again soon
	relayMaxBackoff = 10 * time.Second
	relayPurgeEvery = time.Minute
)

// errOutboxBusy: another relay process is publishing this outbox right now.
var errOutboxBusy = errors.New("outbox is being relayed by another process")

// Run publishes until ctx is done, then returns nil. It wakes on every commit
// that added events through the Outbox, and polls as a fallback.
func (r *Relay) Run(ctx context.Context) error {
	var wake <-chan struct{}
	if r.outbox != nil {
		wake = r.outbox.wake
	}
	timer := time.NewTimer(r.poll)
	defer timer.Stop()
	failures := 0
	var lastPurge time.Time // purge once at start, then every relayPurgeEvery
	for {
		n, err := r.relayBatch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(lastPurge) >= relayPurgeEvery {
			lastPurge = time.Now()
			r.purge(ctx)
		}
		var wait time.Duration
		wakeOn := wake
		switch {
		case errors.Is(err, errOutboxBusy):
			wait = relayBusyRetry
		case err != nil:
			failures++
			wait = backoff(100*time.Millisecond, relayMaxBackoff, failures)
			wakeOn = nil // new commits must not turn a failing bus into a busy loop
			r.log.Warn("relay: publishing failed, backing off", "err", err, "failures", failures, "retry_in", wait)
		case n == r.batchSize:
			failures = 0
			continue // more rows are waiting
		default:
			if failures > 0 {
				r.log.Info("relay: publishing recovered")
			}
			failures = 0
			wait = r.poll
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-wakeOn:
			timer.Stop() // since Go 1.23 a stopped timer never delivers a stale tick
		case <-timer.C:
		}
	}
}

type outboxRow struct {
	id       int64
	eventID  string
	subject  string
	envelope string
	headers  sql.NullString
}

// relayBatch publishes one batch and returns how many rows it published.
func (r *Relay) relayBatch(ctx context.Context) (int, error) {
	if r.db.Engine() == sqldb.Postgres {
		return r.relayBatchPostgres(ctx)
	}
	rows, err := r.pending(ctx, r.db, "")
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	published, pubErr := r.publish(ctx, rows)
	// Mark even when shutting down: the events are out, a re-publish is
	// waste. The mark queues with the service's own writes (DB.Write) and
	// waits its turn: racing them for SQLite's write lock, it timed out
	// under load and the same rows went out again on the next round.
	err = r.db.Write(context.WithoutCancel(ctx), func(ctx context.Context, tx *sqldb.Tx) error {
		return r.mark(ctx, tx, rows, published, pubErr)
	})
	if err != nil {
		return published, err
	}
	r.counted(published)
	return published, pubErr
}

// relayBatchPostgres claims, publishes and marks in one transaction: the
// advisory lock lets one relay at a time publish (keeping the order), and the
// row locks are held until the marks commit.
func (r *Relay) relayBatchPostgres(ctx context.Context) (int, error) {
	var published int
	var pubErr error
	err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var locked bool
		if err := tx.QueryRowContext(ctx,
			`SELECT pg_try_advisory_xact_lock(hashtext('marquee_outbox_' || current_schema()))`).Scan(&locked); err != nil {
			return fmt.Errorf("lock outbox: %w", err)
		}
		if !locked {
			return errOutboxBusy
		}
		// This transaction only records that rows went out. Losing it in a
		// server crash means publishing them again, which JetStream's
		// deduplication and the consumers' inboxes absorb, so it need not wait
		// for the WAL flush that would hold up the next batch.
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return fmt.Errorf("relay transaction: %w", err)
		}
		rows, err := r.pending(ctx, tx, " FOR UPDATE SKIP LOCKED")
		if err != nil || len(rows) == 0 {
			return err
		}
		published, pubErr = r.publish(ctx, rows)
		return r.mark(ctx, tx, rows, published, pubErr)
	})
	if err != nil {
		return 0, err
	}
	r.counted(published)
	return published, pubErr
}

// counted reports n rows published and marked to the RelayOnPublished hook.
func (r *Relay) counted(n int) {
	if n > 0 && r.onPublished != nil {
		r.onPublished(n)
	}
}

func (r *Relay) pending(ctx context.Context, q sqldb.Querier, lock string) ([]outboxRow, error) {
	res, err := q.QueryContext(ctx, `SELECT id, event_id, subject, envelope, headers FROM outbox
		WHERE published_at IS NULL ORDER BY id LIMIT ?`+lock, r.batchSize)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer res.Close()
	var rows []outboxRow
	for res.Next() {
		var row outboxRow
		if err := res.Scan(&row.id, &row.eventID, &row.subject, &row.envelope, &row.headers); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		rows = append(rows, row)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return rows, nil
}

// publish sends rows without waiting for each acknowledgement (one
// connection keeps their order in the stream), then waits for the
// acknowledgements and returns how many rows, from the first, JetStream
// acknowledged. Rows after a failed one may be in the stream already; the
// next round publishes them again and JetStream's deduplication drops the
// copies, so only a failure can put an event behind a later one (consumers
// keep the newest version, see ARCHITECTURE.md).
func (r *Relay) publish(ctx context.Context, rows []outboxRow) (int, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(rows))
	var sendErr error
	for _, row := range rows {
		msg := &nats.Msg{Subject: r.bus.names.Subject(row.subject), Data: []byte(row.envelope), Header: nats.Header{}}
		if row.headers.Valid {
			var h Headers
			if err := json.Unmarshal([]byte(row.headers.String), &h); err == nil {
				for k, v := range h {
					msg.Header.Set(k, v)
				}
			}
		}
		f, err := r.bus.js.PublishMsgAsync(msg, jetstream.WithMsgID(row.eventID))
		if err != nil {
			sendErr = fmt.Errorf("publish %s %s: %w", row.subject, row.eventID, err)
			break
		}
		futures = append(futures, f)
	}
	deadline := time.NewTimer(r.publishTimeout)
	defer deadline.Stop()
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				r.log.Debug("relay: event was already in the stream", "event_id", rows[i].eventID, "stream", ack.Stream)
			}
		case err := <-f.Err():
			return i, fmt.Errorf("publish %s %s: %w", rows[i].subject, rows[i].eventID, err)
		case <-deadline.C:
			return i, fmt.Errorf("publish %s %s: no acknowledgement within %v", rows[i].subject, rows[i].eventID, r.publishTimeout)
		case <-ctx.Done():
			return i, fmt.Errorf("publish %s %s: %w", rows[i].subject, rows[i].eventID, ctx.Err())
		}
	}
	return len(futures), sendErr
}

// mark sets published_at on the first n rows and records pubErr on the row
// that failed.
func (r *Relay) mark(ctx context.Context, tx *sqldb.Tx, rows []outboxRow, n int, pubErr error) error {
	if n > 0 {
		args := make([]any, n)
		for i := range n {
			args[i] = rows[i].id
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET published_at = `+nowSQL(tx.Engine())+
			`, attempts = attempts + 1, last_error = NULL WHERE id IN (`+sqldb.Placeholders(n)+`)`, args...); err != nil {
			return fmt.Errorf("mark %d outbox rows published: %w", n, err)
		}
	}
	if pubErr != nil && n < len(rows) {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?`,
			truncate(pubErr.Error(), 1000), rows[n].id); err != nil {
			return fmt.Errorf("record outbox publish error: %w", err)
		}
	}
	return nil
}

// purge deletes rows published longer ago than the retention.
func (r *Relay) purge(ctx context.Context) {
	if r.retention <= 0 {
		return
	}
	secs := int64(r.retention / time.Second)
	// a write like the mark's: it waits its turn (see relayBatch)
	err := r.db.Write(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		var err error
		if tx.Engine() == sqldb.Postgres {
			_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE published_at < now() - make_interval(secs => ?)`, float64(secs))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE published_at < strftime('%Y-%m-%d %H:%M:%f', 'now', ?)`,
				fmt.Sprintf("-%d seconds", secs))
		}
		return err
	})
	if err != nil && ctx.Err() == nil {
		r.log.Warn("relay: purging published outbox rows failed", "err", err)
	}
}

// backoff doubles base per failure (1 → base), capped at max.
func backoff(base, max time.Duration, failures int) time.Duration {
	d := base
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
