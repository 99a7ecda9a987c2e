package media

import (
	"context"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// ConsumerMovies is the durable consumer (and inbox key) of the catalog's movies.
const ConsumerMovies = "media-movies"

// Subscriptions are the consumers the composition root runs for this
// service: media-movies (stream CATALOG, catalog.movie.>) keeps the newest
// version of each movie (title, poster, deleted).
func (s *Service) Subscriptions() []events.Subscription {
	return []events.Subscription{catalogapi.MovieSubscription(ConsumerMovies, s.applyMovie)}
}

func (s *Service) applyMovie(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m catalogapi.MovieEvent) error {
	_, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: m.ID, Title: m.Title, PosterURL: m.PosterURL, Deleted: m.DeletedAt != nil, Version: m.Version})
	return err
}
