package events

import (
	"context"
	"sort"
)

// Headers is metadata that travels with an event from the producing
// transaction to the handler as NATS headers, typically trace context. It has
// the Get/Set/Keys methods of OpenTelemetry's TextMapCarrier, so a tracing
// package can hand it to a propagator as it is.
type Headers map[string]string

func (h Headers) Get(key string) string { return h[key] }

func (h Headers) Set(key, value string) { h[key] = value }

func (h Headers) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TracePropagator moves trace context across the bus. The outbox injects it
// when events are added (in the producer's request context) and the consumer
// extracts it before calling the handler. events does not import a tracing
// library; obs provides the implementation.
type TracePropagator interface {
	Inject(ctx context.Context, h Headers)
	Extract(ctx context.Context, h Headers) context.Context
}
