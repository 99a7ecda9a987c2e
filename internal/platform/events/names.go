package events

import "strings"

// Names maps the names services use (the stream CATALOG, subjects such as
// catalog.movie.created, the durable consumer browse-catalog) to the names
// on the NATS server. It is the one place those are built: the bus applies
// it when it creates streams and consumers and when the relay publishes, so
// services, their consumer configurations and their events keep the plain
// names. With a Deployment, streams, subjects and durable consumers are all
// namespaced, so deployments sharing a NATS server never see each other's
// events; the zero Names keeps the plain names.
type Names struct {
	// Deployment is lower-case letters, digits and '-' (MARQUEE_DEPLOYMENT):
	// "staging" makes CATALOG, catalog.movie.created and browse-catalog into
	// STAGING_CATALOG, staging.catalog.movie.created and staging-browse-catalog.
	Deployment string
	// ConsumerPrefix is prepended to durable consumer names inside the
	// deployment (MARQUEE_CONSUMER_PREFIX): a second set of positions on the
	// same streams, e.g. a read side being rebuilt beside the live one. It
	// does not separate deployments: their events are shared.
	ConsumerPrefix string
}

// Stream is the server's name of a stream.
func (n Names) Stream(name string) string {
	if n.Deployment == "" {
		return name
	}
	return strings.ToUpper(n.Deployment) + "_" + name
}

// Subject is the server's subject (or subject filter) of an event type.
func (n Names) Subject(subject string) string {
	if n.Deployment == "" {
		return subject
	}
	return n.Deployment + "." + subject
}

// Subjects maps Subject over subjects.
func (n Names) Subjects(subjects []string) []string {
	if n.Deployment == "" || subjects == nil {
		return subjects
	}
	out := make([]string, len(subjects))
	for i, s := range subjects {
		out[i] = n.Subject(s)
	}
	return out
}

// Durable is the server's name of a durable consumer.
func (n Names) Durable(name string) string {
	name = n.ConsumerPrefix + name
	if n.Deployment == "" {
		return name
	}
	return n.Deployment + "-" + name
}
