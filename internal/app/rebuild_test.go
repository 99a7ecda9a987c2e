package app_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
)

// `marquee rebuild browse` empties the read model: beside a process serving
// browse it refuses (the site would show a half-built model), and once that
// process is stopped it runs.
func TestRebuildRefusesToRunBesideLiveBrowse(t *testing.T) {
	t.Parallel()
	nats := eventstest.StartServer(t)
	env := map[string]string{
		"MARQUEE_NATS_URL":            nats.URL,
		"MARQUEE_BROWSE_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "browse.db"),
	}
	p := start(t, maps.Clone(env))
	var movie struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", p.admin(t), map[string]any{"title": "Still There"}, &movie))
	p.eventually(t, 200, "GET", "/api/movies/"+movie.ID, "", nil, nil)

	rebuildEnv := maps.Clone(env)
	rebuildEnv["MARQUEE_SERVICES"] = "browse"
	rebuildEnv["MARQUEE_DATA_DIR"] = t.TempDir()
	cfg, err := config.Load(func(k string) string { return rebuildEnv[k] }, app.Services)
	require.NoError(t, err)
	ctx := context.Background()
	r, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), app.Serving)
	require.NoError(t, err)
	defer r.Close()
	err = r.RebuildBrowse(ctx)
	require.ErrorContains(t, err, "stop every process that runs browse first")
	require.Equal(t, 200, p.call(t, "GET", "/api/movies/"+movie.ID, "", nil, nil), "the read model was left alone")

	p.stop()
	require.NoError(t, r.RebuildBrowse(ctx), "with browse stopped it rebuilds")
}
