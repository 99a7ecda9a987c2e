package app

import (
	"context"

	"github.com/marquee-dev/marquee/internal/app/demo"
)

// SeedDemoAll imports the demo catalog and the demo community (accounts,
// reviews, follows) through the services running in this process;
// idempotent. See package demo.
func (a *App) SeedDemoAll(ctx context.Context) error {
	var s demo.Services
	// only services that run here: a nil *Service in an interface is not nil
	if a.catalog != nil {
		s.Catalog = a.catalog
	}
	if a.identity != nil {
		s.Identity = a.identity
	}
	if a.reviews != nil {
		s.Reviews = a.reviews
	}
	if a.social != nil {
		s.Social = a.social
	}
	return demo.Seed(ctx, s, a.log)
}
