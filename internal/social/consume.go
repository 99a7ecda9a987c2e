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
//   - social-movies (stream CATALOG, catalog.movie.>): current titles; the
//     reviews of a deleted movie leave the feeds while it is deleted.
//
// Each keeps the highest version per id and ignores older events, so
// redelivered and out-of-order events leave the newest state.
func (s *Service) Subscriptions() []events.Subscription {
	identityStream, _ := events.StreamFor(identityapi.Source)
	reviewsStream, _ := events.StreamFor(reviewsapi.Source)
	catalogStream, _ := events.StreamFor(catalogapi.Source)
	return []events.Subscription{
		{
			Config:  events.ConsumerConfig{Name: ConsumerUsers, Stream: identityStream, FilterSubjects: []string{"identity.user.>"}},
			Handler: s.handleUserEvent,
		},
		{
			Config:  events.ConsumerConfig{Name: ConsumerReviews, Stream: reviewsStream, FilterSubjects: []string{"reviews.review.>"}},
			Handler: s.handleReviewEvent,
		},
		{
			Config:  events.ConsumerConfig{Name: ConsumerMovies, Stream: catalogStream, FilterSubjects: []string{"catalog.movie.>"}},
			Handler: s.handleMovieEvent,
		},
	}
}

func (s *Service) handleUserEvent(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	switch env.Type {
	case identityapi.UserRegistered, identityapi.UserUpdated, identityapi.UserDeleted:
	default:
		return nil
	}
	var u identityapi.UserEvent
	if err := env.Decode(&u); err != nil {
		return events.Permanent(err)
	}
	if u.ID == "" || u.Version <= 0 {
		return events.Permanent(fmt.Errorf("%s %s: user without id or version", env.Type, env.ID))
	}
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

func (s *Service) handleReviewEvent(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	switch env.Type {
	case reviewsapi.ReviewSubmitted, reviewsapi.ReviewUpdated, reviewsapi.ReviewDeleted:
	default:
		return nil
	}
	var r reviewsapi.ReviewEvent
	if err := env.Decode(&r); err != nil {
		return events.Permanent(err)
	}
	if r.ID == "" || r.AuthorID == "" || r.Version <= 0 {
		return events.Permanent(fmt.Errorf("%s %s: review without id, author or version", env.Type, env.ID))
	}
	_, err := s.store.ApplyReview(ctx, tx, store.FeedReview{
		ID: r.ID, MovieID: r.MovieID, MovieTitle: r.MovieTitle, AuthorID: r.AuthorID, AuthorName: r.AuthorDisplayName,
		Rating: r.Rating, Body: r.Body, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Deleted: r.DeletedAt != nil || env.Type == reviewsapi.ReviewDeleted,
	})
	return err
}

func (s *Service) handleMovieEvent(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	switch env.Type {
	case catalogapi.MovieCreated, catalogapi.MovieUpdated, catalogapi.MovieDeleted, catalogapi.MovieRestored:
	default:
		return nil
	}
	var m catalogapi.MovieEvent
	if err := env.Decode(&m); err != nil {
		return events.Permanent(err)
	}
	if m.ID == "" || m.Version <= 0 {
		return events.Permanent(fmt.Errorf("%s %s: movie without id or version", env.Type, env.ID))
	}
	_, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: m.ID, Title: m.Title, Deleted: m.DeletedAt != nil, Version: m.Version})
	return err
}
