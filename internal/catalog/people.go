package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/store"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/idempotency"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// GetPerson returns a person with filmography; soft-deleted ones only with includeDeleted.
func (s *Service) GetPerson(ctx context.Context, id string, includeDeleted bool) (catalogapi.Person, error) {
	if !httpx.IsUUID(id) {
		return catalogapi.Person{}, notFound("person", fmt.Errorf("person %q: %w", id, store.ErrNotFound))
	}
	p, err := s.store.GetPerson(ctx, s.db, id, includeDeleted)
	if err != nil {
		return p, notFound("person", err)
	}
	return p, nil
}

// ListPeople returns up to q.Limit people (without filmography).
func (s *Service) ListPeople(ctx context.Context, q store.PersonQuery) ([]catalogapi.PersonSummary, error) {
	return s.store.ListPeople(ctx, s.db, q)
}

// CreatePerson validates w and creates the person (listed among the actors
// from the start) with its catalog.person.created event.
func (s *Service) CreatePerson(ctx context.Context, w catalogapi.PersonWrite) (catalogapi.Person, error) {
	now := s.now()
	if err := validatePerson(&w, now); err != nil {
		return catalogapi.Person{}, err
	}
	id, err := newID()
	if err != nil {
		return catalogapi.Person{}, err
	}
	var doc catalogapi.Person
	err = s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if err := s.store.CreatePerson(ctx, tx, store.NewPerson{ID: id, Fields: w, ListedAsActor: true, Now: now}); err != nil {
			return err
		}
		var err error
		if doc, err = s.store.GetPerson(ctx, tx, id, true); err != nil {
			return err
		}
		if err := idempotency.RecordCreated(ctx, tx, doc); err != nil {
			return err
		}
		return s.emit(ctx, tx, catalogapi.PersonCreated, id, doc)
	})
	return doc, err
}

// UpdatePerson replaces a (non-deleted) person and emits
// catalog.person.updated. When the name changes, every non-deleted movie
// crediting the person gets a new version and a catalog.movie.updated event
// (its cast or crew shows the new name), in the same transaction.
func (s *Service) UpdatePerson(ctx context.Context, id string, w catalogapi.PersonWrite) (catalogapi.Person, error) {
	now := s.now()
	if !httpx.IsUUID(id) {
		return catalogapi.Person{}, notFound("person", store.ErrNotFound)
	}
	if err := validatePerson(&w, now); err != nil {
		return catalogapi.Person{}, err
	}
	var doc catalogapi.Person
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		before, err := s.store.LockPerson(ctx, tx, id)
		if err != nil {
			return notFound("person", err)
		}
		if before.Deleted {
			return notFound("person", store.ErrNotFound)
		}
		if err := s.store.UpdatePerson(ctx, tx, id, w, now); err != nil {
			return notFound("person", err)
		}
		if doc, err = s.store.GetPerson(ctx, tx, id, true); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, catalogapi.PersonUpdated, id, doc); err != nil {
			return err
		}
		if before.Name == w.Name {
			return nil
		}
		return s.reemitMoviesOf(ctx, tx, id, now)
	})
	return doc, err
}

// DeletePerson soft-deletes a person and emits catalog.person.deleted. The
// person's credit rows stay but leave the public cast and crew lists, so the
// movies crediting them are re-emitted as catalog.movie.updated.
func (s *Service) DeletePerson(ctx context.Context, id string) error {
	now := s.now()
	if !httpx.IsUUID(id) {
		return notFound("person", store.ErrNotFound)
	}
	return s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if _, err := s.store.LockPerson(ctx, tx, id); err != nil {
			return notFound("person", err)
		}
		if err := s.store.SoftDeletePerson(ctx, tx, id, now); err != nil {
			return notFound("person", err)
		}
		doc, err := s.store.GetPerson(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.emit(ctx, tx, catalogapi.PersonDeleted, id, doc); err != nil {
			return err
		}
		return s.reemitMoviesOf(ctx, tx, id, now)
	})
}

// RestorePerson undoes a soft delete and emits catalog.person.restored (and
// catalog.movie.updated for the movies whose credit lists show them again).
// Restoring a person who is not deleted changes nothing and emits nothing.
func (s *Service) RestorePerson(ctx context.Context, id string) (catalogapi.Person, error) {
	now := s.now()
	if !httpx.IsUUID(id) {
		return catalogapi.Person{}, notFound("person", store.ErrNotFound)
	}
	var doc catalogapi.Person
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if _, err := s.store.LockPerson(ctx, tx, id); err != nil {
			return notFound("person", err)
		}
		restored, err := s.store.RestorePerson(ctx, tx, id, now)
		if err != nil {
			return notFound("person", err)
		}
		if doc, err = s.store.GetPerson(ctx, tx, id, true); err != nil {
			return err
		}
		if !restored {
			return nil
		}
		if err := s.emit(ctx, tx, catalogapi.PersonRestored, id, doc); err != nil {
			return err
		}
		return s.reemitMoviesOf(ctx, tx, id, now)
	})
	return doc, err
}

// reemitMoviesOf bumps the version of every non-deleted movie crediting the
// person and emits catalog.movie.updated with its new document; the cached
// documents are dropped after commit.
func (s *Service) reemitMoviesOf(ctx context.Context, tx *sqldb.Tx, personID string, now time.Time) error {
	ids, err := s.store.MovieIDsCrediting(ctx, tx, personID)
	if err != nil || len(ids) == 0 {
		return err
	}
	if err := s.store.TouchMovies(ctx, tx, ids, now); err != nil {
		return err
	}
	for _, mid := range ids {
		doc, err := s.store.GetMovie(ctx, tx, mid, true)
		if err != nil {
			return err
		}
		if err := s.emit(ctx, tx, catalogapi.MovieUpdated, mid, doc); err != nil {
			return err
		}
	}
	s.invalidateAfter(tx, ids...)
	return nil
}
