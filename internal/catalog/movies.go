package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/store"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// GetMovie returns a movie; soft-deleted ones only with includeDeleted.
func (s *Service) GetMovie(ctx context.Context, id string, includeDeleted bool) (catalogapi.Movie, error) {
	if !httpx.IsUUID(id) {
		return catalogapi.Movie{}, notFound("movie", fmt.Errorf("movie %q: %w", id, store.ErrNotFound))
	}
	m, err := s.store.GetMovie(ctx, s.db, id, includeDeleted)
	if err != nil {
		return m, notFound("movie", err)
	}
	return m, nil
}

// ListMovies returns up to q.Limit movies (without cast and crew).
func (s *Service) ListMovies(ctx context.Context, q store.MovieQuery) ([]catalogapi.MovieSummary, error) {
	return s.store.ListMovies(ctx, s.db, q)
}

// ListGenres returns every genre, sorted by name.
func (s *Service) ListGenres(ctx context.Context) ([]catalogapi.Genre, error) {
	return s.store.ListGenres(ctx, s.db)
}

// CreateMovie validates w and creates the movie with its catalog.movie.created event.
func (s *Service) CreateMovie(ctx context.Context, w catalogapi.MovieWrite) (catalogapi.Movie, error) {
	now := s.now()
	if err := validateMovie(&w, now); err != nil {
		return catalogapi.Movie{}, s.withRefErrors(ctx, w, err)
	}
	id, err := newID()
	if err != nil {
		return catalogapi.Movie{}, err
	}
	var doc catalogapi.Movie
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkMovieRefs(ctx, tx, w, nil); err != nil {
			return err
		}
		if err := s.store.CreateMovie(ctx, tx, store.NewMovie{ID: id, Fields: w, Now: now}); err != nil {
			return err
		}
		var err error
		if doc, err = s.store.GetMovie(ctx, tx, id, true); err != nil {
			return err
		}
		s.invalidateAfter(tx, id)
		return s.emit(ctx, tx, catalogapi.MovieCreated, id, doc)
	})
	return doc, err
}

// UpdateMovie replaces a (non-deleted) movie and emits catalog.movie.updated.
func (s *Service) UpdateMovie(ctx context.Context, id string, w catalogapi.MovieWrite) (catalogapi.Movie, error) {
	now := s.now()
	if !httpx.IsUUID(id) {
		return catalogapi.Movie{}, notFound("movie", store.ErrNotFound)
	}
	if err := validateMovie(&w, now); err != nil {
		return catalogapi.Movie{}, s.withRefErrors(ctx, w, err)
	}
	var doc catalogapi.Movie
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		// references first: a credit of an unknown person must be a 422, not a
		// foreign-key error (which would also abort a PostgreSQL transaction)
		if err := s.checkMovieRefs(ctx, tx, w, nil); err != nil {
			return err
		}
		if err := s.store.UpdateMovie(ctx, tx, id, w, now); err != nil {
			return notFound("movie", err)
		}
		var err error
		if doc, err = s.store.GetMovie(ctx, tx, id, true); err != nil {
			return err
		}
		s.invalidateAfter(tx, id)
		return s.emit(ctx, tx, catalogapi.MovieUpdated, id, doc)
	})
	return doc, err
}

// DeleteMovie soft-deletes a movie and emits catalog.movie.deleted (with the
// document, deleted_at set). Deleting a deleted movie is ErrNotFound.
func (s *Service) DeleteMovie(ctx context.Context, id string) error {
	now := s.now()
	if !httpx.IsUUID(id) {
		return notFound("movie", store.ErrNotFound)
	}
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := s.store.SoftDeleteMovie(ctx, tx, id, now); err != nil {
			return notFound("movie", err)
		}
		doc, err := s.store.GetMovie(ctx, tx, id, true)
		if err != nil {
			return err
		}
		s.invalidateAfter(tx, id)
		return s.emit(ctx, tx, catalogapi.MovieDeleted, id, doc)
	})
}

// RestoreMovie undoes a soft delete and emits catalog.movie.restored.
// Restoring a movie that is not deleted changes nothing and emits nothing.
func (s *Service) RestoreMovie(ctx context.Context, id string) (catalogapi.Movie, error) {
	now := s.now()
	if !httpx.IsUUID(id) {
		return catalogapi.Movie{}, notFound("movie", store.ErrNotFound)
	}
	var doc catalogapi.Movie
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		restored, err := s.store.RestoreMovie(ctx, tx, id, now)
		if err != nil {
			return notFound("movie", err)
		}
		if doc, err = s.store.GetMovie(ctx, tx, id, true); err != nil {
			return err
		}
		if !restored {
			return nil
		}
		s.invalidateAfter(tx, id)
		return s.emit(ctx, tx, catalogapi.MovieRestored, id, doc)
	})
	return doc, err
}

// withRefErrors adds the reference errors of w (unknown genres and people,
// checked outside any transaction) to the validation error shapeErr, so one
// answer names every invalid field.
func (s *Service) withRefErrors(ctx context.Context, w catalogapi.MovieWrite, shapeErr error) error {
	var ve *apperr.Error
	if !errors.As(shapeErr, &ve) || len(ve.Fields) == 0 {
		return shapeErr
	}
	flagged := make(map[string]bool, len(ve.Fields))
	for _, fe := range ve.Fields {
		flagged[fe.Field] = true
	}
	err := s.checkMovieRefs(ctx, s.db, w, flagged)
	var refs *apperr.Error
	if !errors.As(err, &refs) || len(refs.Fields) == 0 {
		if err != nil {
			return err
		}
		return shapeErr
	}
	return &apperr.Error{Kind: apperr.ErrInvalid, Fields: append(slices.Clone(ve.Fields), refs.Fields...)}
}

// checkMovieRefs answers 422 for genre or person ids that do not exist (or
// are deleted people), naming each field. Ids that are not ids at all, and
// fields already in flagged, were reported by validateMovie and are skipped.
func (s *Service) checkMovieRefs(ctx context.Context, q sqldb.Querier, w catalogapi.MovieWrite, flagged map[string]bool) error {
	var v apperr.Validator
	var genres []string
	for i, g := range w.GenreIDs {
		if httpx.IsUUID(g) && !flagged[fmt.Sprintf("genre_ids[%d]", i)] {
			genres = append(genres, g)
		}
	}
	if len(genres) > 0 {
		missing, err := s.store.MissingGenres(ctx, q, genres)
		if err != nil {
			return err
		}
		for i, g := range w.GenreIDs {
			if f := fmt.Sprintf("genre_ids[%d]", i); missing[g] && !flagged[f] {
				v.Add(f, "is not a known genre")
			}
		}
	}
	var people []string
	for _, c := range w.Cast {
		if httpx.IsUUID(c.PersonID) {
			people = append(people, c.PersonID)
		}
	}
	for _, c := range w.Crew {
		if httpx.IsUUID(c.PersonID) {
			people = append(people, c.PersonID)
		}
	}
	if len(people) > 0 {
		sort.Strings(people)
		missing, err := s.store.MissingPeople(ctx, q, compact(people))
		if err != nil {
			return err
		}
		for i, c := range w.Cast {
			if f := fmt.Sprintf("cast[%d].person_id", i); missing[c.PersonID] && !flagged[f] {
				v.Add(f, "is not a known person")
			}
		}
		for i, c := range w.Crew {
			if f := fmt.Sprintf("crew[%d].person_id", i); missing[c.PersonID] && !flagged[f] {
				v.Add(f, "is not a known person")
			}
		}
	}
	return v.Err()
}

// compact drops adjacent duplicates of a sorted slice.
func compact(ss []string) []string {
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// invalidateAfter drops the cached documents of ids once tx commits.
func (s *Service) invalidateAfter(tx *sqldb.Tx, ids ...string) {
	if len(ids) == 0 {
		return
	}
	tx.AfterCommit(func() { s.cache.Invalidate(ids...) })
}
