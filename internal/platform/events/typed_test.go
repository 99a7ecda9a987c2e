package events_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

type titled struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Version int64  `json:"version"`
}

// Typed handlers get their event's payload decoded; an undecodable or
// unversioned payload is Permanent, and types no route names are skipped.
func TestTypedHandlers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqldbtest.Open(t, sqldb.SQLite)
	var got []string
	h := events.Handle(
		events.On(func(_ context.Context, _ *sqldb.Tx, env events.Envelope, m titled) error {
			if err := events.Versioned(env, m.ID, m.Version); err != nil {
				return err
			}
			got = append(got, env.Type+" "+m.Title)
			return nil
		}, "catalog.movie.created", "catalog.movie.updated"),
		events.On(func(_ context.Context, _ *sqldb.Tx, env events.Envelope, n int) error {
			got = append(got, env.Type)
			return nil
		}, "catalog.count.changed"),
	)
	run := func(typ string, data string) error {
		env := events.Envelope{ID: "e1", Type: typ, Source: "catalog", Data: json.RawMessage(data)}
		return db.InTx(ctx, func(tx *sqldb.Tx) error { return h(ctx, tx, env) })
	}
	require.NoError(t, run("catalog.movie.created", `{"id":"m1","title":"Heat","version":1}`))
	require.NoError(t, run("catalog.movie.updated", `{"id":"m1","title":"Heat (1995)","version":2}`))
	require.NoError(t, run("catalog.count.changed", `7`))
	require.NoError(t, run("catalog.movie.deleted", `not even JSON`), "no route: skipped")
	require.Equal(t, []string{"catalog.movie.created Heat", "catalog.movie.updated Heat (1995)", "catalog.count.changed"}, got)

	err := run("catalog.movie.updated", `{"id":"m1","title":7}`)
	require.True(t, events.IsPermanent(err), "a payload that does not decode: %v", err)
	err = run("catalog.movie.updated", `{"id":"m1","title":"No version"}`)
	require.True(t, events.IsPermanent(err), "a payload without version: %v", err)
	err = run("catalog.count.changed", `"seven"`)
	require.True(t, events.IsPermanent(err))
	require.Len(t, got, 3, "the handlers never saw the bad events")
}
