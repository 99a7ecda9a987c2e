// Package events is the event backbone (DESIGN.md §3): the envelope, the
// transactional outbox, the relay that publishes it to NATS JetStream, durable
// consumers with an inbox for idempotency, and dead letters.
package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Envelope is the JSON form of every event on the bus.
type Envelope struct {
	ID      string          `json:"id"`      // UUIDv7, also the JetStream Nats-Msg-Id
	Type    string          `json:"type"`    // the subject it is published on, e.g. catalog.movie.created
	Source  string          `json:"source"`  // producing service, e.g. catalog
	Time    time.Time       `json:"time"`    // when the state change happened (UTC)
	Subject string          `json:"subject"` // id of the entity the event is about
	Data    json.RawMessage `json:"data"`    // the payload, a type from <service>api
	// Bulk marks an event of a bulk import (the demo or synthetic data), not
	// of someone's action: projections apply it like any other, consumers
	// that tell people about changes (notify) leave it out.
	Bulk bool `json:"bulk,omitempty"`
}

// New builds an envelope with a fresh UUIDv7 id. typ must be <service>.<entity>.<verb>.
func New(source, typ, subject string, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s payload: %w", typ, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{ID: id.String(), Type: typ, Source: source, Time: time.Now().UTC(), Subject: subject, Data: raw}, nil
}

// Decode unmarshals the payload into v.
func (e Envelope) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode %s payload: %w", e.Type, err)
	}
	return nil
}

// Subscription is a consumer a service asks the composition root to run:
// its durable name, stream and subjects, and the handler that applies an
// event (Handler) or several at once (Batch) to the service's own database.
type Subscription struct {
	Config  ConsumerConfig
	Handler Handler
	Batch   BatchHandler
}
