package app

import (
	"github.com/marquee-dev/marquee/internal/billing"
	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/catalog"
	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/media"
	"github.com/marquee-dev/marquee/internal/notify"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/social"
)

// Modules are the services this binary knows, in start order: a new
// service adds its line here and nothing else in this package.
var Modules = []kit.Module{
	identity.Module,
	catalog.Module,
	reviews.Module,
	social.Module,
	browse.Module,
	billing.Module,
	notify.Module,
	media.Module,
}
