package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Handler applies one event. It runs inside the transaction that also records
// the event in the inbox, so its writes and the "seen" mark commit together;
// it must write only through tx. Returning an error rolls both back and the
// event is retried later, unless the error is Permanent. Events that arrive
// together share one transaction, so a handler may run again after its
// writes were rolled back because another event of its batch failed.
type Handler func(ctx context.Context, tx *sqldb.Tx, env Envelope) error

// BatchHandler applies several events (in stream order, duplicates already
// removed) in one transaction, where a handler can do better than one event
// after the other: coalesce events about the same row, recount once. The
// result must equal applying them one at a time. An error rolls the whole
// batch back; the consumer then applies each event alone (a batch of one),
// so the failing event gets its retry or dead letter and the others go through.
type BatchHandler func(ctx context.Context, tx *sqldb.Tx, envs []Envelope) error

// ConsumerConfig describes a durable consumer. Zero durations and counts take
// the defaults noted.
type ConsumerConfig struct {
	// Name is the durable consumer name and the inbox key, one per (service,
	// purpose), e.g. "browse-movies". Renaming it replays the stream. Like
	// Stream and FilterSubjects it is the plain name: the bus's Names map
	// all three to the server's.
	Name string
	// Stream is the producing service's stream, e.g. "CATALOG".
	Stream string
	// FilterSubjects limits the consumer to these subjects (wildcards
	// allowed); empty means the whole stream.
	FilterSubjects []string
	// MaxDeliver is how many times an event is tried before it is dead-lettered (default 8).
	MaxDeliver int
	// NakDelay is the delay before the first retry; it doubles with each
	// delivery up to MaxNakDelay (defaults 1s and 1m).
	NakDelay    time.Duration
	MaxNakDelay time.Duration
	// AckWait is how long the server waits for an ack before redelivering
	// (DefaultAckWait); events held longer are reported in progress.
	AckWait time.Duration
	// Prefetch is how many messages are buffered in the client (default 256).
	Prefetch int
	// MaxBatch is how many already-arrived events are applied in one
	// transaction (default 256; 1 applies each alone). A backlog or a burst
	// then costs one commit per batch instead of one per event; on SQLite
	// each commit writes every page it changed, so larger batches write
	// shared pages (indexes, the inbox's) fewer times: a fifth fewer writes
	// for the demo fill than with 64.
	MaxBatch int
	// Trace, if set, restores the producer's trace context for the handler.
	Trace TracePropagator
}

func (c *ConsumerConfig) applyDefaults() error {
	if c.Name == "" || c.Stream == "" {
		return errors.New("consumer: Name and Stream are required")
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 8
	}
	if c.NakDelay <= 0 {
		c.NakDelay = time.Second
	}
	if c.MaxNakDelay <= 0 {
		c.MaxNakDelay = time.Minute
	}
	if c.MaxNakDelay < c.NakDelay {
		c.MaxNakDelay = c.NakDelay
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 256
	}
	if c.Prefetch <= 0 {
		c.Prefetch = 256
	}
	return nil
}

// Consumer feeds the events of a durable JetStream pull consumer to a Handler,
// one at a time in stream order, with an inbox for idempotency, retries with
// growing delay, and a dead-letter table for events that cannot be applied.
type Consumer struct {
	db      *sqldb.DB
	bus     *Bus
	cfg     ConsumerConfig
	handler Handler      // or
	batch   BatchHandler // one of the two is set
	log     *slog.Logger
	cfgErr  error
}

// NewConsumer returns the consumer of a subscription; Run starts it.
func NewConsumer(db *sqldb.DB, bus *Bus, sub Subscription, log *slog.Logger) *Consumer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := sub.Config
	err := cfg.applyDefaults()
	if err == nil && (sub.Handler == nil) == (sub.Batch == nil) {
		err = fmt.Errorf("consumer %s: exactly one of Handler and Batch must be set", cfg.Name)
	}
	return &Consumer{db: db, bus: bus, cfg: cfg, handler: sub.Handler, batch: sub.Batch, cfgErr: err,
		log: log.With("consumer", cfg.Name, "stream", cfg.Stream)}
}

// Name is the durable name.
func (c *Consumer) Name() string { return c.cfg.Name }

// Stream is the stream it reads.
func (c *Consumer) Stream() string { return c.cfg.Stream }

// Permanent marks err as not worth retrying (the event can never be applied,
// e.g. it violates an invariant): the consumer dead-letters the event with the
// error as the reason and moves on.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err (or an error it wraps) was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Run consumes until ctx is done, then returns nil. It creates or updates the
// durable consumer and re-creates the subscription if the server drops it; it
// returns an error only for a bad configuration or a closed bus.
func (c *Consumer) Run(ctx context.Context) error {
	if c.cfgErr != nil {
		return c.cfgErr
	}
	failures := 0
	for {
		err := c.consume(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, nats.ErrConnectionClosed) || c.bus.nc.IsClosed() {
			return fmt.Errorf("consumer %s: bus closed: %w", c.cfg.Name, err)
		}
		failures++
		wait := backoff(200*time.Millisecond, 10*time.Second, failures)
		c.log.Warn("consumer: subscription failed, retrying", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

func (c *Consumer) consume(ctx context.Context) error {
	names := c.bus.names
	cfg := jetstream.ConsumerConfig{
		Durable:       names.Durable(c.cfg.Name),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		// unlimited on the server: giving up is decided here, so that every
		// event given up on leaves a dead-letter row (the server would drop it silently)
		MaxDeliver: -1,
	}
	// matchHere is set when the server cannot filter on several subjects
	// (NATS before 2.10, Debian's 2.9 among them): the consumer then takes
	// the whole stream and skips what the filters would have left out.
	var matchHere []string
	switch filters := names.Subjects(c.cfg.FilterSubjects); {
	case len(filters) == 1:
		cfg.FilterSubject = filters[0]
	case len(filters) > 1 && !serverFiltersMany(c.bus.nc.ConnectedServerVersion()):
		matchHere = filters
	default:
		cfg.FilterSubjects = filters
	}
	cons, err := c.bus.js.CreateOrUpdateConsumer(ctx, names.Stream(c.cfg.Stream), cfg)
	if err != nil {
		return fmt.Errorf("create consumer %s on %s: %w", c.cfg.Name, c.cfg.Stream, err)
	}
	// A missed heartbeat (this process busy on both cores for a while, or a
	// pull request the server lost) is handled inside the iterator by pulling
	// again; ending the subscription would drop the messages buffered here
	// until their AckWait ran out. Pull requests last 5 s (heartbeats every
	// 2.5 s), so a lost one is noticed within 5 s instead of the default 30 s.
	it, err := cons.Messages(jetstream.PullMaxMessages(c.cfg.Prefetch), jetstream.PullExpiry(5*time.Second),
		jetstream.WithMessagesErrOnMissingHeartbeat(false))
	if err != nil {
		return fmt.Errorf("subscribe consumer %s: %w", c.cfg.Name, err)
	}
	defer it.Stop()
	// A reader goroutine hands messages over as they arrive, so the loop can
	// take the first one as soon as it comes and then whatever else is
	// already waiting, without waiting for more.
	arrived := make(chan jetstream.Msg, c.cfg.Prefetch)
	readErr := make(chan error, 1)
	held := newHeldMessages()
	progressCtx, stopProgress := context.WithCancel(ctx)
	defer stopProgress()
	go held.keepInProgress(progressCtx, c.cfg.AckWait)
	go func() {
		defer close(arrived)
		for {
			msg, err := it.Next(jetstream.NextContext(ctx))
			if err != nil {
				readErr <- err
				return
			}
			if matchHere != nil && !matchesAny(msg.Subject(), matchHere) {
				_ = msg.Ack() // not this consumer's: nothing to apply, nothing to redeliver
				continue
			}
			held.add(msg)
			arrived <- msg
		}
	}()
	batch := make([]jetstream.Msg, 0, c.cfg.MaxBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		msg, ok := <-arrived
		if !ok {
			return <-readErr
		}
		batch = append(batch[:0], msg)
		var lingerUntil time.Time
	more:
		for len(batch) < c.cfg.MaxBatch {
			select {
			case m, ok := <-arrived:
				if !ok {
					break more
				}
				batch = append(batch, m)
				continue
			default:
			}
			// Nothing more here yet. If the server holds more events for this
			// consumer (a backlog, a burst), they are on their way: waiting
			// briefly for them makes one transaction of what would be several.
			// Without a backlog the batch goes at once.
			if !backlogBehind(batch[len(batch)-1]) {
				break more
			}
			if lingerUntil.IsZero() {
				lingerUntil = time.Now().Add(batchLinger)
			}
			wait := time.Until(lingerUntil)
			if wait <= 0 {
				break more
			}
			linger.Reset(wait)
			select {
			case m, ok := <-arrived:
				linger.Stop()
				if !ok {
					break more
				}
				batch = append(batch, m)
			case <-linger.C:
				break more
			}
		}
		c.processBatch(ctx, batch)
		held.remove(batch)
		// batch[:0] keeps its backing array: without this, the slots of the
		// largest batch so far would keep those messages (payloads, headers)
		// alive for as long as the consumer runs (≈ 5 MB across the
		// consumers after the demo fill).
		clear(batch)
	}
}

// batchLinger is how long a batch may wait for events the server said were
// pending behind its last one.
const batchLinger = 20 * time.Millisecond

// backlogBehind reports whether the server had more events for the consumer
// when it delivered msg.
func backlogBehind(msg jetstream.Msg) bool {
	md, err := msg.Metadata()
	return err == nil && md.NumPending > 0
}

// pending is a decoded message waiting to be applied.
type pending struct {
	msg       jetstream.Msg
	env       Envelope
	delivered int
}

// processBatch applies several events in one transaction, each with its
// inbox row. If any of them fails, the transaction is rolled back and every
// event is processed alone, so failures get exactly the one-event treatment
// (retry, dead letter) and the others still go through.
func (c *Consumer) processBatch(ctx context.Context, msgs []jetstream.Msg) {
	if len(msgs) == 1 || c.cfg.Trace != nil {
		for _, m := range msgs {
			c.process(ctx, m)
		}
		return
	}
	batch := make([]pending, 0, len(msgs))
	for _, m := range msgs {
		md, err := m.Metadata()
		var env Envelope
		if err != nil || json.Unmarshal(m.Data(), &env) != nil || env.ID == "" || int(md.NumDelivered) > c.cfg.MaxDeliver {
			c.process(ctx, m) // the one-event path knows what to do with it
			continue
		}
		batch = append(batch, pending{m, env, int(md.NumDelivered)})
	}
	c.applyBatch(ctx, batch)
}

// applyBatch applies decoded events in one transaction. When one fails, the
// transaction is rolled back; the failed event is concluded with its error
// (not tried again now), and the events before and after it are applied anew.
func (c *Consumer) applyBatch(ctx context.Context, batch []pending) {
	if len(batch) == 0 {
		return
	}
	failed := -1
	var failure error
	err := c.db.InTx(ctx, func(tx *sqldb.Tx) error {
		fresh, err := c.recordInInbox(ctx, tx, batch)
		if err != nil {
			return err
		}
		if c.batch != nil && len(fresh) > 0 {
			envs := make([]Envelope, len(fresh))
			for j, i := range fresh {
				envs[j] = batch[i].env
			}
			return c.handle(ctx, tx, envs)
		}
		for _, i := range fresh {
			if err := c.handle(ctx, tx, []Envelope{batch[i].env}); err != nil {
				failed, failure = i, err
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		for _, p := range batch {
			c.settle(p.msg, p.env.ID, "ack", p.msg.Ack())
		}
	case ctx.Err() != nil || failed < 0:
		// shutting down, the transaction itself or a batch handler failed: each event alone decides
		for _, p := range batch {
			c.process(ctx, p.msg)
		}
	default:
		c.applyBatch(ctx, batch[:failed])
		c.conclude(ctx, batch[failed].msg, batch[failed].env, batch[failed].delivered, failure)
		c.applyBatch(ctx, batch[failed+1:])
	}
}

// recordInInbox inserts the batch's inbox rows in one statement and returns
// the indexes of the events not seen before, in order.
func (c *Consumer) recordInInbox(ctx context.Context, tx *sqldb.Tx, batch []pending) ([]int, error) {
	args := make([]any, 0, 2*len(batch))
	for _, p := range batch {
		args = append(args, c.cfg.Name, p.env.ID)
	}
	values := strings.Repeat("(?, ?), ", len(batch))
	rows, err := tx.QueryContext(ctx, `INSERT INTO inbox (consumer, event_id) VALUES `+values[:len(values)-2]+
		` ON CONFLICT DO NOTHING RETURNING event_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("record events in inbox: %w", err)
	}
	defer rows.Close()
	inserted := make(map[string]bool, len(batch))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("record events in inbox: %w", err)
		}
		inserted[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record events in inbox: %w", err)
	}
	fresh := make([]int, 0, len(inserted))
	for i, p := range batch {
		if inserted[p.env.ID] {
			delete(inserted, p.env.ID) // the same event twice in one batch applies once
			fresh = append(fresh, i)
		}
	}
	return fresh, nil
}

// process applies one message and settles it (ack, nak or term). It never
// returns an error: whatever happens to this event, the next one follows.
func (c *Consumer) process(ctx context.Context, msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil { // not a JetStream message; nothing to settle
		c.log.Error("consumer: message without metadata", "subject", msg.Subject(), "err", err)
		return
	}
	delivered := int(md.NumDelivered)

	var env Envelope
	if err := json.Unmarshal(msg.Data(), &env); err != nil || env.ID == "" {
		if err == nil {
			err = errors.New("envelope has no id")
		}
		id := msg.Headers().Get(jetstream.MsgIDHeader)
		if id == "" {
			id = fmt.Sprintf("%s#%d", md.Stream, md.Sequence.Stream)
		}
		c.giveUp(ctx, msg, id, "undecodable envelope: "+err.Error(), delivered)
		return
	}
	if delivered > c.cfg.MaxDeliver {
		// earlier deliveries ended without a verdict (crash, ack timeout)
		c.giveUp(ctx, msg, env.ID, fmt.Sprintf("not acknowledged after %d deliveries", delivered-1), delivered)
		return
	}

	hctx := ctx
	if c.cfg.Trace != nil {
		h := Headers{}
		for k, v := range msg.Headers() {
			if len(v) > 0 {
				h[k] = v[0]
			}
		}
		hctx = c.cfg.Trace.Extract(ctx, h)
	}
	duplicate := false
	err = c.db.InTx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO inbox (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			c.cfg.Name, env.ID)
		if err != nil {
			return fmt.Errorf("record event in inbox: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("record event in inbox: %w", err)
		} else if n == 0 {
			duplicate = true
			return nil
		}
		return c.handle(hctx, tx, []Envelope{env})
	})
	if err == nil && duplicate {
		c.log.Debug("consumer: duplicate event skipped", "event_id", env.ID, "type", env.Type)
	}
	c.conclude(ctx, msg, env, delivered, err)
}

// conclude settles one event after its transaction: ack on success, a retry
// with back-off for a transient error, a dead letter for a permanent one or
// when its deliveries are used up.
func (c *Consumer) conclude(ctx context.Context, msg jetstream.Msg, env Envelope, delivered int, err error) {
	switch {
	case err == nil:
		c.settle(msg, env.ID, "ack", msg.Ack())
	case ctx.Err() != nil:
		// shutting down: hand the event back at once, for this or another instance
		c.settle(msg, env.ID, "nak", msg.Nak())
	case IsPermanent(err):
		c.giveUp(ctx, msg, env.ID, err.Error(), delivered)
	case delivered >= c.cfg.MaxDeliver:
		c.giveUp(ctx, msg, env.ID, fmt.Sprintf("failed %d times, last error: %v", delivered, err), delivered)
	default:
		delay := backoff(c.cfg.NakDelay, c.cfg.MaxNakDelay, delivered)
		c.log.Warn("consumer: handler failed, will retry", "event_id", env.ID, "type", env.Type,
			"delivery", delivered, "retry_in", delay, "err", err)
		c.settle(msg, env.ID, "nak", msg.NakWithDelay(delay))
	}
}

// handle calls the handler (per event, or the batch handler), turning a
// panic into an ordinary (retried) error so one bad event cannot take the
// process down.
func (c *Consumer) handle(ctx context.Context, tx *sqldb.Tx, envs []Envelope) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
			c.log.Error("consumer: handler panicked", "event_id", envs[0].ID, "type", envs[0].Type, "events", len(envs),
				"panic", p, "stack", string(debug.Stack()))
		}
	}()
	if c.batch != nil {
		return c.batch(ctx, tx, envs)
	}
	for _, env := range envs {
		if err := c.handler(ctx, tx, env); err != nil {
			return err
		}
	}
	return nil
}

// giveUp stores the event as a dead letter and terminates it on the server. If
// the row cannot be written the event is nak'ed instead, so it is not lost.
func (c *Consumer) giveUp(ctx context.Context, msg jetstream.Msg, eventID, reason string, delivered int) {
	reason = truncate(reason, 2000)
	// record the verdict even when shutting down: it is already decided
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := c.db.ExecContext(wctx, `INSERT INTO dead_letters (consumer, event_id, subject, envelope, reason, attempts)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (consumer, event_id) DO UPDATE SET subject = excluded.subject, envelope = excluded.envelope,
			reason = excluded.reason, attempts = excluded.attempts, failed_at = `+nowSQL(c.db.Engine()),
		c.cfg.Name, eventID, msg.Subject(), string(msg.Data()), reason, delivered)
	if err != nil {
		c.log.Error("consumer: cannot store dead letter, will retry", "event_id", eventID, "err", err)
		c.settle(msg, eventID, "nak", msg.NakWithDelay(c.cfg.MaxNakDelay))
		return
	}
	c.log.Error("consumer: event dead-lettered", "event_id", eventID, "subject", msg.Subject(),
		"delivery", delivered, "reason", reason)
	c.settle(msg, eventID, "term", msg.TermWithReason(truncate(reason, 200)))
}

func (c *Consumer) settle(msg jetstream.Msg, eventID, how string, err error) {
	// a lost ack only means a redelivery, which the inbox absorbs
	if err != nil {
		c.log.Warn("consumer: settling message failed", "event_id", eventID, "how", how, "err", err)
	}
}

// Lag is the number of events in the consumer's scope not yet processed:
// pending delivery plus delivered but not acknowledged (waiting for a retry).
func (c *Consumer) Lag(ctx context.Context) (uint64, error) {
	cons, err := c.bus.js.Consumer(ctx, c.bus.names.Stream(c.cfg.Stream), c.bus.names.Durable(c.cfg.Name))
	if err != nil {
		return 0, fmt.Errorf("consumer %s lag: %w", c.cfg.Name, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer %s lag: %w", c.cfg.Name, err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// DeadLetter is an event a consumer gave up on.
type DeadLetter struct {
	ID       int64
	Consumer string
	EventID  string
	Subject  string
	Envelope string // the message as received (may not be valid JSON)
	Reason   string
	Attempts int
	FailedAt time.Time
}

// DeadLetters lists the newest dead letters of a service database, at most
// limit (100 when limit <= 0).
func DeadLetters(ctx context.Context, q sqldb.Querier, limit int) ([]DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT id, consumer, event_id, subject, envelope, reason, attempts, failed_at
		FROM dead_letters ORDER BY failed_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer rows.Close()
	out := []DeadLetter{}
	for rows.Next() {
		var d DeadLetter
		if err := rows.Scan(&d.ID, &d.Consumer, &d.EventID, &d.Subject, &d.Envelope, &d.Reason, &d.Attempts, &d.FailedAt); err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		d.FailedAt = d.FailedAt.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return out, nil
}

func matchesAny(subject string, filters []string) bool {
	for _, f := range filters {
		if server.SubjectMatchesFilter(subject, f) {
			return true
		}
	}
	return false
}

// serverFiltersMany tells whether a NATS server of this version takes
// several filter subjects on one consumer (2.10 and later).
func serverFiltersMany(version string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(version, "%d.%d", &major, &minor); err != nil {
		return true // unknown: assume a current server
	}
	return major > 2 || major == 2 && minor >= 10
}
