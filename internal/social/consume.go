package social

import (
	"context"
	"fmt"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/social/store"
)

// Durable consumer names (also the inbox keys).
const (
	ConsumerUsers   = "social-users"
	ConsumerReviews = "social-reviews"
	ConsumerMovies  = "social-movies"
	ConsumerRatings = "social-ratings"
)

// Subscriptions are the consumers the composition root runs for this service:
//
//   - social-users (stream IDENTITY, identity.user.>): display names, joined
//     at read time. When an account is deleted, every follow it is part of
//     ends in the handler's transaction, each with its social.follow.deleted
//     event (so the other users' counts stay right), and its reviews leave
//     the feeds.
//   - social-reviews (stream REVIEWS, reviews.review.>): the reviews feeds
//     show; deleted ones disappear.
//   - social-movies (stream CATALOG, catalog.movie.>): current titles, years
//     and posters; the reviews of a deleted movie leave the feeds while it is
//     deleted.
//   - social-ratings (stream REVIEWS, reviews.movie.rating_changed): each
//     movie's rating summary, for the watchlist's cards.
//
// Each keeps the highest version per id and ignores older events, so
// redelivered and out-of-order events leave the newest state.
func (s *Service) Subscriptions() []events.Subscription {
	reviewsStream, _ := events.StreamFor(reviewsapi.Source)
	return []events.Subscription{
		identityapi.UserSubscription(ConsumerUsers, s.applyUser),
		events.VersionedSubscription(ConsumerReviews, reviewsStream, "reviews.review.>",
			func(r reviewsapi.ReviewEvent) (string, int64) { return r.ID, r.Version }, s.applyReview,
			reviewsapi.ReviewSubmitted, reviewsapi.ReviewUpdated, reviewsapi.ReviewDeleted),
		catalogapi.MovieSubscription(ConsumerMovies, s.applyMovie),
		events.VersionedSubscription(ConsumerRatings, reviewsStream, reviewsapi.MovieRatingChanged,
			func(r reviewsapi.RatingChangedEvent) (string, int64) { return r.MovieID, r.Version }, s.applyRating,
			reviewsapi.MovieRatingChanged),
	}
}

func (s *Service) applyUser(ctx context.Context, tx *sqldb.Tx, env events.Envelope, u identityapi.UserEvent) error {
	deleted := u.DeletedAt != nil
	applied, err := s.store.ApplyUser(ctx, tx, store.User{ID: u.ID, DisplayName: u.DisplayName, Deleted: deleted, Version: u.Version})
	if err != nil || !applied || !deleted {
		return err
	}
	// the account is gone: end its follows, both ways
	edges, err := s.store.ActiveEdgesOf(ctx, tx, u.ID)
	if err != nil || len(edges) == 0 {
		return err
	}
	now := s.now()
	for i, e := range edges {
		ended, changed, err := s.store.Unfollow(ctx, tx, e.FollowerID, e.FolloweeID, now)
		if err != nil {
			return err
		}
		if !changed {
			return fmt.Errorf("end follow %s → %s of deleted user: it changed under a lock", e.FollowerID, e.FolloweeID)
		}
		edges[i] = ended
	}
	if err := s.recordEdges(ctx, tx, edges); err != nil {
		return fmt.Errorf("end the follows of deleted user %s: %w", u.ID, err)
	}
	s.log.Info("ended the follows of a deleted account", "user_id", u.ID, "follows", len(edges))
	return nil
}

func (s *Service) applyReview(ctx context.Context, tx *sqldb.Tx, env events.Envelope, r reviewsapi.ReviewEvent) error {
	if r.AuthorID == "" {
		return events.Permanent(fmt.Errorf("%s %s: review without author", env.Type, env.ID))
	}
	_, err := s.store.ApplyReview(ctx, tx, store.FeedReview{
		ID: r.ID, MovieID: r.MovieID, MovieTitle: r.MovieTitle, AuthorID: r.AuthorID, AuthorName: r.AuthorDisplayName,
		Rating: r.Rating, Body: r.Body, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Deleted: r.DeletedAt != nil || env.Type == reviewsapi.ReviewDeleted,
	})
	return err
}

func (s *Service) applyMovie(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m catalogapi.MovieEvent) error {
	_, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: m.ID, Title: m.Title, ReleaseDate: m.ReleaseDate, PosterURL: m.PosterURL,
		Deleted: m.DeletedAt != nil, Version: m.Version})
	return err
}

func (s *Service) applyRating(ctx context.Context, tx *sqldb.Tx, env events.Envelope, r reviewsapi.RatingChangedEvent) error {
	_, err := s.store.ApplyRating(ctx, tx, store.MovieRating{MovieID: r.MovieID, Average: r.Average, Count: r.Count, Version: r.Version})
	return err
}
