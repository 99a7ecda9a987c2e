// Package eventstest helps tests that share an external NATS server.
package eventstest

import (
	"context"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeleteConsumers removes the durable consumers whose names start with
// prefix from every stream of the server at url, so test runs sharing a
// long-lived server do not pile them up. Errors are ignored: it is cleanup.
func DeleteConsumers(url, prefix string) {
	nc, err := nats.Connect(url)
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for name := range js.StreamNames(ctx).Name() {
		st, err := js.Stream(ctx, name)
		if err != nil {
			continue
		}
		for c := range st.ConsumerNames(ctx).Name() {
			if strings.HasPrefix(c, prefix) {
				_ = st.DeleteConsumer(ctx, c)
			}
		}
	}
}
