package reviews

import (
	"context"
	"fmt"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/store"
)

// Durable consumer names (also the inbox keys).
const (
	ConsumerMovies  = "reviews-movies"
	ConsumerAuthors = "reviews-authors"
)

// Subscriptions are the consumers the composition root runs for this service:
//
//   - reviews-movies (stream CATALOG, catalog.movie.>): which movies exist
//     and their titles. Reviews of a deleted movie are hidden while it is
//     deleted and come back when it is restored; its summary is kept.
//   - reviews-authors (stream IDENTITY, identity.user.>): display names,
//     joined at read time. When an account is deleted, its reviews are
//     deleted (with their reviews.review.deleted events and the new summaries
//     of their movies) in the handler's transaction.
//
// Both keep the highest version per id and ignore older events, so
// redelivered and out-of-order events leave the newest state.
func (s *Service) Subscriptions() []events.Subscription {
	return []events.Subscription{
		catalogapi.MovieSubscription(ConsumerMovies, s.applyMovie),
		identityapi.UserSubscription(ConsumerAuthors, s.applyUser),
	}
}

func (s *Service) applyMovie(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m catalogapi.MovieEvent) error {
	_, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: m.ID, Title: m.Title, Deleted: m.DeletedAt != nil, Version: m.Version})
	return err
}

func (s *Service) applyUser(ctx context.Context, tx *sqldb.Tx, env events.Envelope, u identityapi.UserEvent) error {
	deleted := u.DeletedAt != nil
	applied, err := s.store.ApplyAuthor(ctx, tx, store.Author{ID: u.ID, DisplayName: u.DisplayName, Deleted: deleted, Version: u.Version})
	if err != nil || !applied || !deleted {
		return err
	}
	rs, err := s.store.ReviewsByAuthor(ctx, tx, u.ID)
	if err != nil {
		return err
	}
	if err := s.removeReviews(ctx, tx, rs); err != nil {
		return fmt.Errorf("remove the reviews of deleted user %s: %w", u.ID, err)
	}
	if len(rs) > 0 {
		s.log.Info("removed the reviews of a deleted account", "user_id", u.ID, "reviews", len(rs))
	}
	return nil
}
