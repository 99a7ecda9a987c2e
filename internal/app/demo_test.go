package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/app/demo"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/obs"
)

// Seeding twice (as `marquee seed --demo` would) writes the community once,
// and the catalog row the import cannot take is reported by the first run only.
func TestDemoSeedIsIdempotentAndReportsSkippedRowsOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := config.Load(func(k string) string { return map[string]string{"MARQUEE_DATA_DIR": dir}[k] }, app.Services)
	require.NoError(t, err)
	var logs lockedBuffer
	ctx := context.Background()
	a, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil)), app.Offline)
	require.NoError(t, err)
	defer a.Close()
	require.NoError(t, a.SeedDemoAll(ctx))
	first := logs.String()
	require.Equal(t, 1, strings.Count(first, `"msg":"demo catalog row skipped"`), first)
	require.Contains(t, first, `"msg":"demo community written","users":300,`)
	require.NoError(t, a.SeedDemoAll(ctx))
	second := strings.TrimPrefix(logs.String(), first)
	require.NotContains(t, second, "demo catalog row skipped")
	require.NotContains(t, second, "demo community written") // nothing new: logged at debug only
}

// A served demo has a community: a full top-rated list, rated movies with
// reviews, users with followers and reviews, feeds; and nobody can sign in
// to a demo account.
func TestDemoCommunityThroughTheAPI(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	started := time.Now()
	require.NoError(t, p.app.SeedDemoAll(context.Background()))

	var top struct {
		Items []struct {
			ID            string `json:"id"`
			Title         string `json:"title"`
			RatingSummary struct {
				Count     int            `json:"count"`
				Average   float64        `json:"average"`
				Histogram map[string]int `json:"histogram"`
			} `json:"rating_summary"`
		} `json:"items"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(top.Items) < 20 && time.Now().Before(deadline) {
		p.call(t, "GET", "/api/movies/top-rated", "", nil, &top)
		time.Sleep(50 * time.Millisecond)
	}
	require.Len(t, top.Items, 20, "the top-rated row is full")
	best := top.Items[0]
	require.Positive(t, best.RatingSummary.Count)

	var reviews struct {
		Items []struct {
			Author struct {
				ID          string `json:"id"`
				DisplayName string `json:"display_name"`
			} `json:"author"`
			Rating int `json:"rating"`
		} `json:"items"`
	}
	p.eventually(t, 200, "GET", "/api/movies/"+best.ID+"/reviews?limit=100", "", nil, &reviews)
	require.NotEmpty(t, reviews.Items)
	author := reviews.Items[0].Author
	require.NotEmpty(t, author.DisplayName)

	var user struct {
		FollowersCount int `json:"followers_count"`
		FollowingCount int `json:"following_count"`
	}
	for time.Now().Before(deadline) && user.FollowingCount == 0 {
		p.eventually(t, 200, "GET", "/api/users/"+author.ID, "", nil, &user)
		time.Sleep(50 * time.Millisecond)
	}
	require.Positive(t, user.FollowingCount, "demo users follow each other")

	var followers struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	p.eventually(t, 200, "GET", "/api/users/"+author.ID+"/following", "", nil, &followers)
	require.NotEmpty(t, followers.Items)
	t.Logf("demo community readable through the API after %s", time.Since(started).Round(time.Millisecond))

	c := demo.Build(nil, nil)
	var prob problem
	require.Equal(t, 401, p.call(t, "POST", "/api/auth/login", "", map[string]any{"email": c.Users[0].Email, "password": testPassword}, &prob))
}

// BenchmarkDemoInPlace reports how long the demo data takes in process, from
// an empty data dir until every event is applied (app.WaitSettled), how long
// the seed's writes take of it, and the CPU time the process used meanwhile
// (run with -cpuprofile to see where it goes). `marquee serve --demo` prints
// the same figures from its start; the demo video is made after that.
func BenchmarkDemoInPlace(b *testing.B) {
	var total, writes, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		p := benchPlatform(b)
		b.StartTimer()
		started, cpuBefore := time.Now(), cpuTime()
		_, err := p.app.SeedDemo(context.Background())
		require.NoError(b, err)
		writes += time.Since(started)
		require.NoError(b, p.app.WaitSettled(context.Background()))
		total += time.Since(started)
		cpu += cpuTime() - cpuBefore
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "demo-s")
	b.ReportMetric(writes.Seconds()/float64(b.N), "writes-s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
}

// cpuTime is the CPU time this process has used so far (0 where the
// platform cannot tell: the benchmark then reports 0).
func cpuTime() time.Duration {
	cpu, _ := obs.CPUTime()
	return cpu
}
