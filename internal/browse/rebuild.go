package browse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// rebuildBatch is how many events one rebuild transaction applies.
const rebuildBatch = 500

// Rebuild builds a fresh read model from the streams (marquee rebuild
// browse), with a default Config; see (*Service).Rebuild.
func Rebuild(ctx context.Context, db *sqldb.DB, bus *events.Bus, log *slog.Logger) error {
	return New(db, log, Config{}).Rebuild(ctx, bus)
}

// Rebuild empties the read model and replays the CATALOG and REVIEWS
// streams from their first message into it, through the same handlers as
// the durable consumers (each stream with an ephemeral ordered consumer, up
// to the stream's last sequence as it was once the model was emptied), then
// recomputes the rating totals and every weighted rating exactly.
//
// Events are applied rebuildBatch to a transaction: readers see the model
// fill up. The durable consumers may keep running: whatever they apply
// before the model is emptied is replayed, whatever comes after the
// snapshot of the last sequence they apply themselves, and versions make
// applying an event twice harmless. Events the streams no longer hold
// (older than their retention) are lost to the rebuilt model.
func (s *Service) Rebuild(ctx context.Context, bus *events.Bus) error {
	start := time.Now()
	if err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error { return s.store.Truncate(ctx, tx) }); err != nil {
		return fmt.Errorf("rebuild browse: %w", err)
	}
	s.cache.InvalidateAll()
	s.top.InvalidateAll()
	total := 0
	for _, sub := range s.Subscriptions() {
		n, err := s.replay(ctx, bus, sub)
		if err != nil {
			return fmt.Errorf("rebuild browse from %s: %w", sub.Config.Stream, err)
		}
		total += n
	}
	if err := s.RefreshTopRated(ctx); err != nil {
		return fmt.Errorf("rebuild browse: %w", err)
	}
	s.cache.InvalidateAll()
	s.top.InvalidateAll()
	s.log.Info("browse read model rebuilt", "events", total, "took", time.Since(start).String())
	return nil
}

// replay applies every message of the subscription's stream and subjects,
// up to the stream's current last sequence; it returns how many it applied.
func (s *Service) replay(ctx context.Context, bus *events.Bus, sub events.Subscription) (int, error) {
	stream, err := bus.Stream(ctx, sub.Config.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil // nothing was ever published there
	}
	if err != nil {
		return 0, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 || last == 0 {
		return 0, nil
	}
	cons, err := bus.OrderedConsumer(ctx, sub.Config.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: sub.Config.FilterSubjects,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return 0, err
	}
	applied := 0
	for {
		batch, err := cons.FetchNoWait(rebuildBatch)
		if err != nil {
			return applied, err
		}
		var (
			envs     []events.Envelope
			received int
			done     bool
		)
		for msg := range batch.Messages() {
			received++
			md, err := msg.Metadata()
			if err != nil {
				return applied, err
			}
			if md.Sequence.Stream > last {
				done = true
				break
			}
			var env events.Envelope
			if err := json.Unmarshal(msg.Data(), &env); err != nil || env.ID == "" {
				s.log.Warn("rebuild: undecodable message skipped", "stream", sub.Config.Stream, "seq", md.Sequence.Stream)
			} else {
				envs = append(envs, env)
			}
			if md.Sequence.Stream >= last || md.NumPending == 0 {
				done = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return applied, err
		}
		if err := s.applyBatch(ctx, sub.Batch, envs); err != nil {
			return applied, err
		}
		applied += len(envs)
		if done {
			return applied, nil
		}
		if received == 0 {
			// every message up to last is in the stream already: nothing
			// pending means none of the remaining ones matches the subjects
			info, err := cons.Info(ctx)
			if err != nil {
				return applied, err
			}
			if info.NumPending == 0 {
				return applied, nil
			}
		}
	}
}

// applyBatch applies envs in stream order in one transaction. If that
// fails, they are applied one by one: an event that can never apply
// (Permanent) is logged and skipped, as the consumer would have
// dead-lettered it.
func (s *Service) applyBatch(ctx context.Context, h events.BatchHandler, envs []events.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	if s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error { return h(ctx, tx, envs) }) == nil {
		return nil
	}
	for _, env := range envs {
		err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error { return h(ctx, tx, []events.Envelope{env}) })
		if events.IsPermanent(err) {
			s.log.Warn("rebuild: event skipped", "event_id", env.ID, "type", env.Type, "reason", err.Error())
			continue
		}
		if err != nil {
			return fmt.Errorf("event %s %s: %w", env.Type, env.ID, err)
		}
	}
	return nil
}
