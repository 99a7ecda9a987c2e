package app

import (
	"context"
	"time"

	"github.com/marquee-dev/marquee/internal/app/demo"
	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/media"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/social"
)

// SeedDemoAll imports the demo catalog and the demo community (accounts,
// reviews, follows) through the services running in this process, then
// gives the demo movies the demo video; idempotent. See package demo.
func (a *App) SeedDemoAll(ctx context.Context) error {
	videoMovies, err := a.SeedDemo(ctx)
	if err != nil {
		return err
	}
	return a.AttachDemoVideo(ctx, videoMovies)
}

// SeedDemo is SeedDemoAll without the video: it answers the movies that
// play it, for AttachDemoVideo.
func (a *App) SeedDemo(ctx context.Context) (videoMovies []string, err error) {
	return demo.Seed(ctx, a.demoServices(), a.log)
}

// AttachDemoVideo makes the demo video (the first time) and has the given
// movies play it, when media runs here with its transcode workers.
func (a *App) AttachDemoVideo(ctx context.Context, movieIDs []string) error {
	return demo.AttachVideo(ctx, a.demoServices(), movieIDs)
}

func (a *App) demoServices() demo.Services {
	var s demo.Services
	// only services that run here: a nil *Service in an interface is not nil
	if c, ok := Lookup[*catalog.Service](a); ok {
		s.Catalog = c
	}
	if i, ok := Lookup[*identity.Service](a); ok {
		s.Identity = i
	}
	if r, ok := Lookup[*reviews.Service](a); ok {
		s.Reviews = r
	}
	if so, ok := Lookup[*social.Service](a); ok {
		s.Social = so
	}
	// the demo video needs the transcode workers, which take their jobs from the bus
	if m, ok := Lookup[*media.Service](a); ok && a.bus != nil {
		s.Media = m
	}
	return s
}

// WaitSettled returns once every event written here is published and every
// consumer here has applied every event of its stream (the outbox backlog and
// consumer lag metrics all 0, twice in a row: an event moving from one
// service to the next between two readings is not missed). After the demo
// seed, that is the demo in place: the top-rated row full, every rating
// summary and feed final.
func (a *App) WaitSettled(ctx context.Context) error {
	quiet := 0
	for quiet < 2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		settled, err := a.settled(ctx)
		if err != nil {
			return err
		}
		if settled {
			quiet++
		} else {
			quiet = 0
		}
	}
	return nil
}

func (a *App) settled(ctx context.Context) (bool, error) {
	for _, u := range a.units {
		n, err := u.outbox.Backlog(ctx)
		if err != nil || n > 0 {
			return false, err
		}
		for _, c := range u.consumers {
			lag, err := c.Lag(ctx)
			if err != nil || lag > 0 {
				return false, err
			}
		}
	}
	return true, nil
}
