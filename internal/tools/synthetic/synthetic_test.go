package synthetic_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/tools/synthetic"
)

// TestSeed seeds an offline platform (SQLite) and checks the movies and the
// reviews arrived, with their events waiting in the outboxes.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := config.Load(func(k string) string {
		if k == "MARQUEE_DATA_DIR" {
			return dir
		}
		return ""
	}, app.Services)
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, cfg, log, app.Offline)
	require.NoError(t, err)
	defer a.Close()

	require.NoError(t, synthetic.Seed(ctx, a, log, 25, 200))
	count := func(service, query string) int {
		db, err := sqldb.Open(ctx, service, cfg.DatabaseURLFor(service))
		require.NoError(t, err)
		defer db.Close()
		var n int
		require.NoError(t, db.QueryRowContext(ctx, query).Scan(&n))
		return n
	}
	require.Equal(t, 25, count("catalog", `SELECT COUNT(*) FROM movies`))
	reviews := count("reviews", `SELECT COUNT(*) FROM reviews`)
	require.Positive(t, reviews)
	require.LessOrEqual(t, reviews, 200, "repeats of an author and a movie are skipped")
	require.GreaterOrEqual(t, count("reviews", `SELECT COUNT(*) FROM outbox`), reviews, "every review has its event")

	require.NoError(t, synthetic.Seed(ctx, a, log, 5, 0), "a second run adds more")
	require.Equal(t, 30, count("catalog", `SELECT COUNT(*) FROM movies`))
}
