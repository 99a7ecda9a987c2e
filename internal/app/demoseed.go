package app

import (
	"context"

	"github.com/marquee-dev/marquee/internal/app/demo"
	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/media"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/social"
)

// SeedDemoAll imports the demo catalog and the demo community (accounts,
// reviews, follows) through the services running in this process;
// idempotent. See package demo.
func (a *App) SeedDemoAll(ctx context.Context) error {
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
	return demo.Seed(ctx, s, a.log)
}
