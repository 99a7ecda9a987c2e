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
	catalogStream, _ := events.StreamFor(catalogapi.Source)
	return []events.Subscription{{
		Config: events.ConsumerConfig{Name: ConsumerMovies, Stream: catalogStream, FilterSubjects: []string{"catalog.movie.>"}},
		Handler: events.Handle(events.On(s.applyMovie,
			catalogapi.MovieCreated, catalogapi.MovieUpdated, catalogapi.MovieDeleted, catalogapi.MovieRestored)),
	}}
}

func (s *Service) applyMovie(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m catalogapi.MovieEvent) error {
	if err := events.Versioned(env, m.ID, m.Version); err != nil {
		return err
	}
	_, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: m.ID, Title: m.Title, PosterURL: m.PosterURL, Deleted: m.DeletedAt != nil, Version: m.Version})
	return err
}
