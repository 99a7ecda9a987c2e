package reviews

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/reviews/store"
)

var (
	errNotAuthor      = apperr.Forbidden("Only the author may edit a review.")
	errNotYours       = apperr.Forbidden("Only the author or an administrator may delete a review.")
	errAccountDeleted = apperr.Forbidden("This account is deleted.")
)

func reviewNotFound() error { return notFound("review", store.ErrNotFound) }
func movieNotFound() error  { return notFound("movie", store.ErrNotFound) }

// Submit writes authorID's review of a movie, changes the movie's rating
// summary and emits reviews.review.submitted and reviews.movie.rating_changed,
// all in one transaction. A movie that does not exist (or is deleted) is a
// 404; a second review of the same movie by the same author a 409.
func (s *Service) Submit(ctx context.Context, authorID, movieID string, w reviewsapi.ReviewWrite) (reviewsapi.Review, error) {
	if err := validateReview(&w); err != nil {
		return reviewsapi.Review{}, err
	}
	if !httpx.IsUUID(movieID) {
		return reviewsapi.Review{}, movieNotFound()
	}
	id, err := newID()
	if err != nil {
		return reviewsapi.Review{}, err
	}
	now := s.now()
	r := store.Review{ID: id, MovieID: movieID, AuthorID: authorID, Rating: w.Rating, Body: w.Body,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.inWriteTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		m, a, known, err := s.store.MovieAndAuthor(ctx, tx, movieID, authorID)
		if err != nil {
			return notFound("movie", err)
		}
		if m.Deleted {
			return movieNotFound()
		}
		if !known {
			// identity's event about the user has not arrived yet; the
			// access token proves the account: a placeholder until then
			if err := s.store.EnsureAuthors(ctx, tx, []store.Author{{ID: authorID}}); err != nil {
				return err
			}
		}
		if a.Deleted {
			return errAccountDeleted
		}
		r.MovieTitle, r.AuthorName = m.Title, a.DisplayName
		if err := s.store.InsertReview(ctx, tx, r); err != nil {
			return err
		}
		var d store.RatingDelta
		d.Add(r.Rating, 1)
		return s.recordChange(ctx, tx, reviewsapi.ReviewSubmitted, r, nil, d)
	})
	if errors.Is(err, store.ErrDuplicate) {
		// the failed insert aborted the transaction (PostgreSQL): look it up afterwards
		detail := "You have already reviewed this movie; change your review with PUT /api/reviews/{id}."
		if existing, lerr := s.store.ReviewIDOf(ctx, s.db, movieID, authorID); lerr == nil {
			detail = "You have already reviewed this movie; change your review with PUT /api/reviews/" + existing + "."
		}
		return reviewsapi.Review{}, apperr.Conflict(detail)
	}
	if err != nil {
		return reviewsapi.Review{}, err
	}
	return r.API(), nil
}

// Update replaces the rating and body of the caller's own review (only its
// author may). A change emits reviews.review.updated, and when the rating
// changed the movie's new summary; an update that changes nothing emits nothing.
func (s *Service) Update(ctx context.Context, caller auth.Principal, id string, w reviewsapi.ReviewWrite) (reviewsapi.Review, error) {
	if err := validateReview(&w); err != nil {
		return reviewsapi.Review{}, err
	}
	if !httpx.IsUUID(id) {
		return reviewsapi.Review{}, reviewNotFound()
	}
	var r store.Review
	err := s.inWriteTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		var err error
		if r, err = s.store.GetReview(ctx, tx, id, true); err != nil {
			return notFound("review", err)
		}
		if !r.Visible() {
			return reviewNotFound()
		}
		if r.AuthorID != caller.UserID {
			return errNotAuthor
		}
		if r.Rating == w.Rating && r.Body == w.Body {
			return nil
		}
		var d store.RatingDelta
		d.Add(r.Rating, -1)
		d.Add(w.Rating, 1)
		r.Rating, r.Body, r.Version, r.UpdatedAt = w.Rating, w.Body, r.Version+1, s.now()
		if err := s.store.UpdateReview(ctx, tx, r); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, reviewsapi.ReviewUpdated, r, nil, d)
	})
	if err != nil {
		return reviewsapi.Review{}, err
	}
	return r.API(), nil
}

// Delete removes a review (its author or an administrator), changes the
// movie's summary and emits reviews.review.deleted and the new summary.
// Reviews are deleted for good (no soft delete): the author may review the
// movie again afterwards. A review of a movie deleted in the catalog can
// still be deleted.
func (s *Service) Delete(ctx context.Context, caller auth.Principal, id string) error {
	if !httpx.IsUUID(id) {
		return reviewNotFound()
	}
	return s.inWriteTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		r, err := s.store.GetReview(ctx, tx, id, true)
		if err != nil {
			return notFound("review", err)
		}
		if r.AuthorDeleted {
			return reviewNotFound()
		}
		if !caller.CanActFor(r.AuthorID) {
			return errNotYours
		}
		return s.removeReviews(ctx, tx, []store.Review{r})
	})
}

// removeReviews deletes reviews, adjusts the summaries of their movies and
// emits a reviews.review.deleted per review and one summary per movie.
func (s *Service) removeReviews(ctx context.Context, tx *sqldb.Tx, rs []store.Review) error {
	if len(rs) == 0 {
		return nil
	}
	now := s.now()
	deltas := map[string]store.RatingDelta{}
	envs := make([]events.Envelope, 0, 2*len(rs))
	for _, r := range rs {
		if err := s.store.DeleteReview(ctx, tx, r.ID); err != nil {
			return err
		}
		d := deltas[r.MovieID]
		d.Add(r.Rating, -1)
		deltas[r.MovieID] = d
		r.Version++
		r.UpdatedAt = now
		env, err := events.New(reviewsapi.Source, reviewsapi.ReviewDeleted, r.ID, r.Event(&now))
		if err != nil {
			return err
		}
		envs = append(envs, env)
	}
	summaries, err := s.adjustRatings(ctx, tx, deltas)
	if err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, append(envs, summaries...)...)
}

// adjustRatings applies deltas to the summaries of several movies and
// returns their reviews.movie.rating_changed events, in movie id order.
func (s *Service) adjustRatings(ctx context.Context, tx *sqldb.Tx, deltas map[string]store.RatingDelta) ([]events.Envelope, error) {
	if len(deltas) == 1 { // the common case: the single-movie statement is shorter
		for id, d := range deltas {
			env, err := s.adjustRating(ctx, tx, id, d)
			return []events.Envelope{env}, err
		}
	}
	summaries, err := s.store.AdjustRatings(ctx, tx, deltas)
	if err != nil {
		return nil, err
	}
	envs := make([]events.Envelope, len(summaries))
	for i, r := range summaries {
		if envs[i], err = ratingEvent(r); err != nil {
			return nil, err
		}
	}
	return envs, nil
}

// recordChange adjusts the movie's summary by d and adds the review's event
// and the summary's event to the outbox, in tx.
func (s *Service) recordChange(ctx context.Context, tx *sqldb.Tx, typ string, r store.Review, deletedAt *time.Time, d store.RatingDelta) error {
	review, err := events.New(reviewsapi.Source, typ, r.ID, r.Event(deletedAt))
	if err != nil {
		return err
	}
	if d.Zero() {
		return s.outbox.Add(ctx, tx, review)
	}
	rating, err := s.adjustRating(ctx, tx, r.MovieID, d)
	if err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, review, rating)
}

func (s *Service) adjustRating(ctx context.Context, tx *sqldb.Tx, movieID string, d store.RatingDelta) (events.Envelope, error) {
	summary, err := s.store.AdjustRating(ctx, tx, movieID, d)
	if err != nil {
		return events.Envelope{}, err
	}
	return ratingEvent(summary)
}

// Get returns a review; reviews of deleted movies or authors are not found.
func (s *Service) Get(ctx context.Context, id string) (reviewsapi.Review, error) {
	if !httpx.IsUUID(id) {
		return reviewsapi.Review{}, reviewNotFound()
	}
	r, err := s.store.GetReview(ctx, s.db, id, false)
	if err != nil {
		return reviewsapi.Review{}, notFound("review", err)
	}
	if !r.Visible() {
		return reviewsapi.Review{}, reviewNotFound()
	}
	return r.API(), nil
}

// ListByMovie returns up to limit reviews of a movie, newest first, after
// the position (nil: from the newest). An unknown or deleted movie is not found.
func (s *Service) ListByMovie(ctx context.Context, movieID string, after *store.Position, limit int) ([]reviewsapi.Review, error) {
	if !httpx.IsUUID(movieID) {
		return nil, movieNotFound()
	}
	m, err := s.store.GetMovie(ctx, s.db, movieID)
	if err != nil {
		return nil, notFound("movie", err)
	}
	if m.Deleted {
		return nil, movieNotFound()
	}
	rs, err := s.store.ListByMovie(ctx, s.db, movieID, after, limit)
	return apiReviews(rs), err
}

// ListByAuthor returns up to limit reviews by a user, newest first, leaving
// out reviews of deleted movies. A deleted user is not found; a user the
// service has not heard of has no reviews.
func (s *Service) ListByAuthor(ctx context.Context, authorID string, after *store.Position, limit int) ([]reviewsapi.Review, error) {
	if !httpx.IsUUID(authorID) {
		return nil, notFound("user", store.ErrNotFound)
	}
	a, err := s.store.GetAuthor(ctx, s.db, authorID, false)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return []reviewsapi.Review{}, nil
	case err != nil:
		return nil, err
	case a.Deleted:
		return nil, notFound("user", store.ErrNotFound)
	}
	rs, err := s.store.ListByAuthor(ctx, s.db, authorID, after, limit)
	return apiReviews(rs), err
}

func apiReviews(rs []store.Review) []reviewsapi.Review {
	out := make([]reviewsapi.Review, len(rs))
	for i, r := range rs {
		out[i] = r.API()
	}
	return out
}

// RatingSummary returns a movie's rating summary and its version (0 when
// nobody ever rated it).
func (s *Service) RatingSummary(ctx context.Context, movieID string) (reviewsapi.RatingSummary, int64, error) {
	r, err := s.store.GetRating(ctx, s.db, movieID)
	if err != nil {
		return reviewsapi.RatingSummary{}, 0, fmt.Errorf("rating summary: %w", err)
	}
	return reviewsapi.NewRatingSummary(r.Counts, r.Sum), r.Version, nil
}
