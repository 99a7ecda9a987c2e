package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Outbox stores events in the producer's own transaction (transactional
// outbox): the state change and its events commit or roll back together, and
// the Relay publishes them afterwards.
type Outbox struct {
	db    *sqldb.DB
	trace TracePropagator
	// wake holds at most one pending signal: the relay only needs to know
	// "something new is committed", not how many times.
	wake chan struct{}
}

// OutboxOption configures an Outbox.
type OutboxOption func(*Outbox)

// OutboxTrace stores the trace context of the context passed to Add with each
// event, so the consumer's handler continues the producer's trace.
func OutboxTrace(p TracePropagator) OutboxOption {
	return func(o *Outbox) { o.trace = p }
}

// NewOutbox returns the outbox of one service database.
func NewOutbox(db *sqldb.DB, opts ...OutboxOption) *Outbox {
	o := &Outbox{db: db, wake: make(chan struct{}, 1)}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Add writes envs to the outbox within tx, in order. Once tx commits the
// relay is woken at once, so publishing does not wait for the next poll.
func (o *Outbox) Add(ctx context.Context, tx *sqldb.Tx, envs ...Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	var headers sql.NullString
	if o.trace != nil {
		h := Headers{}
		o.trace.Inject(ctx, h)
		if len(h) > 0 {
			raw, err := json.Marshal(h)
			if err != nil {
				return fmt.Errorf("encode event headers: %w", err)
			}
			headers = sql.NullString{String: string(raw), Valid: true}
		}
	}
	for _, env := range envs {
		if err := validateEnvelope(env); err != nil {
			return err
		}
		raw, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("encode event %s %s: %w", env.Type, env.ID, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO outbox (event_id, subject, envelope, headers) VALUES (?, ?, ?, ?)`,
			env.ID, env.Type, string(raw), headers); err != nil {
			return fmt.Errorf("add event %s %s to outbox: %w", env.Type, env.ID, err)
		}
	}
	tx.AfterCommit(o.signal)
	return nil
}

// signal wakes the relay without ever blocking the committing caller.
func (o *Outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Backlog counts the events not published yet (a metric: it should hover near 0).
func (o *Outbox) Backlog(ctx context.Context) (int, error) {
	var n int
	if err := o.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE published_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox backlog: %w", err)
	}
	return n, nil
}

// validateEnvelope rejects what the relay could never publish: such a row
// would sit at the head of the outbox and hold back every event after it.
func validateEnvelope(env Envelope) error {
	if env.ID == "" {
		return fmt.Errorf("event %q has no id (build it with events.New)", env.Type)
	}
	parts := strings.Split(env.Type, ".")
	if len(parts) != 3 {
		return fmt.Errorf("event %s: type %q must be <service>.<entity>.<verb>", env.ID, env.Type)
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, "*> \t\r\n") {
			return fmt.Errorf("event %s: type %q must be <service>.<entity>.<verb>", env.ID, env.Type)
		}
	}
	if env.Source != "" && env.Source != parts[0] {
		// the stream of a service takes <service>.>; another prefix lands elsewhere or nowhere
		return fmt.Errorf("event %s: type %q does not belong to source %q", env.ID, env.Type, env.Source)
	}
	return nil
}
