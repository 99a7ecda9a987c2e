package events

import (
	"context"
	"fmt"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Route is a typed handler for some event types; Handle makes a
// subscription's Handler of several.
type Route struct {
	types  []string
	handle Handler
}

// On handles the events of the given types with fn, their payload decoded
// into a T first. A payload that does not decode can never be applied: the
// event is dead-lettered (Permanent) without calling fn.
func On[T any](fn func(ctx context.Context, tx *sqldb.Tx, env Envelope, payload T) error, types ...string) Route {
	return Route{types: types, handle: func(ctx context.Context, tx *sqldb.Tx, env Envelope) error {
		payload, err := Decode[T](env)
		if err != nil {
			return err
		}
		return fn(ctx, tx, env, payload)
	}}
}

// Handle is a Handler that passes each event to the route of its type.
// Events of no route's type are skipped: a consumer filters by subject
// pattern, and producers may add event types it has no use for.
func Handle(routes ...Route) Handler {
	byType := map[string]Handler{}
	for _, r := range routes {
		for _, t := range r.types {
			byType[t] = r.handle
		}
	}
	return func(ctx context.Context, tx *sqldb.Tx, env Envelope) error {
		if h, ok := byType[env.Type]; ok {
			return h(ctx, tx, env)
		}
		return nil
	}
}

// Decode is env's payload as a T; an error is Permanent (the event can never be applied).
func Decode[T any](env Envelope) (T, error) {
	var payload T
	if err := env.Decode(&payload); err != nil {
		return payload, Permanent(err)
	}
	return payload, nil
}

// Versioned checks that a payload a projection keeps the newest version of
// names its entity and has a version (versions start at 1); one that does
// not can never be applied (Permanent). The comparison with the stored
// version is sqldb.UpsertNewer's.
func Versioned(env Envelope, id string, version int64) error {
	if id == "" || version <= 0 {
		return Permanent(fmt.Errorf("%s %s: payload without id or version", env.Type, env.ID))
	}
	return nil
}

// VersionedSubscription is the consumer of a service that keeps its own copy
// of another's entities: the durable consumer named name on stream (filtered
// to subject) hands apply every event of the given types whose payload names
// an entity and a version (Versioned, read by key); apply keeps the newest
// version (sqldb.UpsertNewer).
func VersionedSubscription[T any](name, stream, subject string, key func(T) (id string, version int64),
	apply func(ctx context.Context, tx *sqldb.Tx, env Envelope, payload T) error, types ...string) Subscription {
	return Subscription{
		Config: ConsumerConfig{Name: name, Stream: stream, FilterSubjects: []string{subject}},
		Handler: Handle(On(func(ctx context.Context, tx *sqldb.Tx, env Envelope, payload T) error {
			id, version := key(payload)
			if err := Versioned(env, id, version); err != nil {
				return err
			}
			return apply(ctx, tx, env, payload)
		}, types...)),
	}
}
