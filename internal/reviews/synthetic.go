package reviews

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
	"github.com/marquee-dev/marquee/internal/reviews/store"
)

// SyntheticReview is one review for ImportSynthetic, the bulk path of the
// synthetic data generator (`marquee seed --synthetic`); not part of the
// reviews API contract. The movie and the author need not
// be known to the reviews service yet (the catalog's and identity's events may
// still be on their way): placeholders are kept until those events arrive.
type SyntheticReview struct {
	ID                string    `json:"id,omitempty"` // UUID; a UUIDv7 is made when empty
	MovieID           string    `json:"movie_id"`
	MovieTitle        string    `json:"movie_title,omitempty"` // used until the catalog's event arrives
	AuthorID          string    `json:"author_id"`
	AuthorDisplayName string    `json:"author_display_name,omitempty"` // used until identity's event arrives
	Rating            int       `json:"rating"`
	Body              string    `json:"body,omitempty"`
	CreatedAt         time.Time `json:"created_at,omitzero"` // now when zero
}

// ImportResult counts what ImportSynthetic did.
type ImportResult struct {
	Imported int `json:"imported"`
	// Skipped were already there (same id, or the author already reviewed
	// the movie) or concern a deleted movie or author.
	Skipped int `json:"skipped"`
}

// ImportSynthetic writes many reviews fast, for the synthetic data generator:
// WithImportBatch reviews per transaction (default 2000), each with its
// reviews.review.submitted event, and one reviews.movie.rating_changed per
// movie and batch (the summary after the batch), so consumers end with the
// same state as if every review had been submitted through the API.
//
// Every review is validated first (rating 1..10, body, ids are UUIDs); an
// invalid one fails the call before anything is written, naming its index.
// Movies and authors the service has not heard of yet get placeholders
// (version 0, with the given title and name), which the catalog's and
// identity's events replace when they arrive. Reviews that are already there
// (same id, or the author already reviewed the movie) and reviews of deleted
// movies or by deleted authors are skipped, so a run can be repeated. Batches
// commit one by one: after an error, the batches before it are kept.
func (s *Service) ImportSynthetic(ctx context.Context, in []SyntheticReview) (ImportResult, error) {
	var res ImportResult
	all := make([]store.Review, len(in))
	titles := map[string]string{}
	names := map[string]string{}
	now := s.now()
	for i, sr := range in {
		w := reviewsapi.ReviewWrite{Rating: sr.Rating, Body: sr.Body}
		if err := validateReview(&w); err != nil {
			return res, fmt.Errorf("synthetic review %d: %w", i, err)
		}
		if !httpx.IsUUID(sr.MovieID) || !httpx.IsUUID(sr.AuthorID) {
			return res, fmt.Errorf("synthetic review %d: movie_id and author_id must be UUIDs", i)
		}
		id := sr.ID
		if id == "" {
			u, err := uuid.NewV7()
			if err != nil {
				return res, fmt.Errorf("synthetic review %d: %w", i, err)
			}
			id = u.String()
		} else if !httpx.IsUUID(id) {
			return res, fmt.Errorf("synthetic review %d: id must be a UUID", i)
		}
		created := now
		if !sr.CreatedAt.IsZero() {
			created = sqldb.Timestamp(sr.CreatedAt)
		}
		all[i] = store.Review{ID: id, MovieID: sr.MovieID, AuthorID: sr.AuthorID, Rating: w.Rating, Body: w.Body,
			Version: 1, CreatedAt: created, UpdatedAt: created}
		if sr.MovieTitle != "" {
			titles[sr.MovieID] = sr.MovieTitle
		}
		if sr.AuthorDisplayName != "" {
			names[sr.AuthorID] = sr.AuthorDisplayName
		}
	}
	for start := 0; start < len(all); start += s.opts.importBatch {
		batch := all[start:min(start+s.opts.importBatch, len(all))]
		n, err := s.importBatch(ctx, batch, titles, names)
		if err != nil {
			return res, fmt.Errorf("import synthetic reviews %d..%d: %w", start, start+len(batch)-1, err)
		}
		res.Imported += n
		res.Skipped += len(batch) - n
	}
	return res, nil
}

// importBatch writes one batch in one transaction and returns how many were new.
func (s *Service) importBatch(ctx context.Context, batch []store.Review, titles, names map[string]string) (int, error) {
	imported := 0
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		imported = 0
		var movieIDs, authorIDs []string
		seenMovie, seenAuthor := map[string]bool{}, map[string]bool{}
		for _, r := range batch {
			if !seenMovie[r.MovieID] {
				seenMovie[r.MovieID] = true
				movieIDs = append(movieIDs, r.MovieID)
			}
			if !seenAuthor[r.AuthorID] {
				seenAuthor[r.AuthorID] = true
				authorIDs = append(authorIDs, r.AuthorID)
			}
		}
		placeholders := make([]store.Movie, len(movieIDs))
		for i, id := range movieIDs {
			placeholders[i] = store.Movie{ID: id, Title: titles[id]}
		}
		if err := s.store.EnsureMovies(ctx, tx, placeholders); err != nil {
			return err
		}
		authorRows := make([]store.Author, len(authorIDs))
		for i, id := range authorIDs {
			authorRows[i] = store.Author{ID: id, DisplayName: names[id]}
		}
		if err := s.store.EnsureAuthors(ctx, tx, authorRows); err != nil {
			return err
		}
		movies, err := s.store.Movies(ctx, tx, movieIDs)
		if err != nil {
			return err
		}
		authors, err := s.store.Authors(ctx, tx, authorIDs)
		if err != nil {
			return err
		}
		keep := make([]store.Review, 0, len(batch))
		for _, r := range batch {
			m, a := movies[r.MovieID], authors[r.AuthorID]
			if m.Deleted || a.Deleted {
				continue
			}
			r.MovieTitle, r.AuthorName = m.Title, a.DisplayName
			keep = append(keep, r)
		}
		inserted, err := s.store.InsertReviews(ctx, tx, keep)
		if err != nil {
			return err
		}
		envs := make([]events.Envelope, 0, len(inserted)+len(movieIDs))
		deltas := map[string]store.RatingDelta{}
		for _, r := range keep {
			if !inserted[r.ID] {
				continue
			}
			delete(inserted, r.ID) // the same id twice in a batch: only the first went in
			imported++
			d := deltas[r.MovieID]
			d.Add(r.Rating, 1)
			deltas[r.MovieID] = d
			env, err := events.New(reviewsapi.Source, reviewsapi.ReviewSubmitted, r.ID, r.Event(nil))
			if err != nil {
				return err
			}
			envs = append(envs, env)
		}
		summaries, err := s.adjustRatings(ctx, tx, deltas)
		if err != nil {
			return err
		}
		envs = append(envs, summaries...)
		return s.outbox.Add(ctx, tx, envs...)
	})
	return imported, err
}
