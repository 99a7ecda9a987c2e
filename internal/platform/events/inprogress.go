package events

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultAckWait is how long the server waits for a verdict on a delivered
// event before it hands the event out again. It is short so that events
// delivered to a process that died (kill -9, a lost node) are redelivered
// within seconds of its restart instead of half a minute later; a living
// consumer keeps the events it holds from being redelivered by telling the
// server they are in progress (heldMessages).
const DefaultAckWait = 3 * time.Second

// heldMessages are the messages a consumer has received and not yet
// settled: waiting in its buffer or being applied. While they are held, it
// tells the server every third of the ack wait that they are in progress, so
// a slow batch (a backlog on a busy machine) does not make them redelivered.
type heldMessages struct {
	mu   sync.Mutex
	msgs map[jetstream.Msg]time.Time // → when last reported to the server (delivery or in progress)
}

func newHeldMessages() *heldMessages {
	return &heldMessages{msgs: map[jetstream.Msg]time.Time{}}
}

func (h *heldMessages) add(m jetstream.Msg) {
	h.mu.Lock()
	h.msgs[m] = time.Now()
	h.mu.Unlock()
}

func (h *heldMessages) remove(ms []jetstream.Msg) {
	h.mu.Lock()
	for _, m := range ms {
		delete(h.msgs, m)
	}
	if len(h.msgs) == 0 {
		// a map keeps the room it grew to in a burst; a fresh one does not
		h.msgs = map[jetstream.Msg]time.Time{}
	}
	h.mu.Unlock()
}

// keepInProgress reports the messages held longer than ackWait/3 as in
// progress, until ctx ends.
func (h *heldMessages) keepInProgress(ctx context.Context, ackWait time.Duration) {
	every := ackWait / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			var due []jetstream.Msg
			h.mu.Lock()
			for m, at := range h.msgs {
				if now.Sub(at) >= every {
					due = append(due, m)
					h.msgs[m] = now
				}
			}
			h.mu.Unlock()
			for _, m := range due {
				_ = m.InProgress() // settled meanwhile, or a lost report: at worst a redelivery the inbox absorbs
			}
		}
	}
}
