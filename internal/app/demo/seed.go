package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/marquee-dev/marquee/internal/catalog"
	catalogdemo "github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// The services' bulk operations the demo writes through (each writes its
// events in the same transactions, so the read models fill as in production).
type (
	CatalogImporter interface {
		ImportDemo(ctx context.Context, rows []catalogdemo.Row) (catalog.ImportReport, error)
	}
	UserCreator interface {
		EnsureDemoUsers(ctx context.Context, users []identityapi.DemoUser) (int, error)
	}
	ReviewImporter interface {
		ImportSynthetic(ctx context.Context, in []reviews.SyntheticReview) (reviews.ImportResult, error)
	}
	FollowImporter interface {
		ImportFollows(ctx context.Context, pairs []socialapi.FollowPair) (int, error)
	}
	VideoAttacher interface {
		AttachDemoVideo(ctx context.Context, movieIDs []string) error
	}
)

// Services are the services the demo is written to. Catalog is required;
// the community needs the other three (it is left out, with a log line, when
// one of them runs in another process).
type Services struct {
	Catalog  CatalogImporter
	Identity UserCreator
	Reviews  ReviewImporter
	Social   FollowImporter
	// Media, when set, gives VideoMovies the demo video (made and
	// transcoded once, in the background of a serving process).
	Media VideoAttacher
}

// Seed imports the demo catalog embedded in the binary, then the community.
// Both are idempotent. Rows the catalog cannot take are logged by the import
// that skipped them (the one that created movies), not on every start. It
// answers the movies that play the demo video, for AttachVideo: making the
// clip takes a while and two cores of ffmpeg, so a serving process makes it
// once the rest of the demo is in place.
func Seed(ctx context.Context, s Services, log *slog.Logger) (videoMovieIDs []string, err error) {
	if s.Catalog == nil {
		return nil, fmt.Errorf("seeding the demo catalog needs the catalog service in this process")
	}
	started := time.Now()
	rows, rejects, err := catalogdemo.Embedded()
	if err != nil {
		return nil, fmt.Errorf("read the demo catalog: %w", err)
	}
	report, err := s.Catalog.ImportDemo(ctx, rows)
	if err != nil {
		return nil, err
	}
	if report.Created > 0 {
		for _, r := range rejects {
			log.Warn("demo catalog row skipped", "line", r.Line, "title", r.Title, "reason", r.Reason)
		}
		out, _ := json.Marshal(report)
		log.Info("demo catalog imported", "rows", len(rows), "rejected", len(rejects), "report", json.RawMessage(out))
	} else {
		log.Debug("demo catalog already imported", "rows", len(rows), "rejected", len(rejects))
	}
	videoMovieIDs = VideoMovies(rows, report.MovieIDs)
	if s.Identity == nil || s.Reviews == nil || s.Social == nil {
		log.Info("demo community left out: it needs the identity, reviews and social services in this process")
		return videoMovieIDs, nil
	}
	c := Build(rows, report.MovieIDs)
	// three services, three databases, no order between them (reviews keep
	// placeholders for authors identity has not announced yet): written side by side
	var (
		users, follows int
		res            reviews.ImportResult
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		if users, err = s.Identity.EnsureDemoUsers(gctx, c.Users); err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if follows, err = s.Social.ImportFollows(gctx, c.Follows); err != nil {
			return fmt.Errorf("demo follows: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if res, err = s.Reviews.ImportSynthetic(gctx, c.Reviews); err != nil {
			return fmt.Errorf("demo reviews: %w", err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	level := slog.LevelInfo
	if users == 0 && follows == 0 && res.Imported == 0 {
		level = slog.LevelDebug // a later start: nothing new
	}
	log.Log(ctx, level, "demo community written", "users", users, "follows", follows, "reviews", res.Imported,
		"seconds", time.Since(started).Seconds())
	return videoMovieIDs, nil
}

// AttachVideo gives movieIDs (from Seed) the demo video when media runs
// here: the first time it makes the clip, then queues its transcode.
// Idempotent.
func AttachVideo(ctx context.Context, s Services, movieIDs []string) error {
	if s.Media == nil {
		return nil
	}
	if err := s.Media.AttachDemoVideo(ctx, movieIDs); err != nil {
		return fmt.Errorf("demo video: %w", err)
	}
	return nil
}

// videoMovies is how many demo movies play the demo video.
const videoMovies = 12

// VideoMovies are the demo movies that play the demo video: the best rated
// (IMDb rating, then votes, then order in the file) of those stored, so the
// same twelve on every start.
func VideoMovies(rows []catalogdemo.Row, movieIDs map[int]string) []string {
	best := slices.Clone(rows)
	slices.SortStableFunc(best, func(a, b catalogdemo.Row) int {
		return cmp.Or(cmp.Compare(b.IMDBRating, a.IMDBRating), cmp.Compare(b.IMDBVotes, a.IMDBVotes), cmp.Compare(a.Line, b.Line))
	})
	var ids []string
	for _, r := range best {
		if id, ok := movieIDs[r.Line]; ok && len(ids) < videoMovies {
			ids = append(ids, id)
		}
	}
	return ids
}
