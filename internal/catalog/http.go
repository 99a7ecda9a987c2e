package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/marquee-dev/marquee/internal/platform/cache"
	"github.com/marquee-dev/marquee/internal/platform/idempotency"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/store"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Routes registers the catalog's HTTP API on rt. Everything needs an
// administrator: the writes, and the catalog's own reads under
// /api/admin/catalog/ (with soft-deleted rows on include_deleted=true).
// The public reads of movies, actors, people and genres are the browse
// service's (its read model, built from the catalog's events), at
// GET /api/movies, /api/movies/{id}, /api/actors, /api/people, /api/genres.
func (s *Service) Routes(rt *httpx.Router) {
	rt.Handle("POST /api/movies", auth.Admin, idempotency.Wrap(s.db, s.handleCreateMovie))
	rt.Handle("PUT /api/movies/{id}", auth.Admin, s.handleUpdateMovie)
	rt.Handle("DELETE /api/movies/{id}", auth.Admin, s.handleDeleteMovie)
	rt.Handle("POST /api/movies/{id}/restore", auth.Admin, s.handleRestoreMovie)

	rt.Handle("POST /api/actors", auth.Admin, idempotency.Wrap(s.db, s.handleCreatePerson))
	rt.Handle("PUT /api/actors/{id}", auth.Admin, s.handleUpdatePerson)
	rt.Handle("DELETE /api/actors/{id}", auth.Admin, s.handleDeletePerson)
	rt.Handle("POST /api/actors/{id}/restore", auth.Admin, s.handleRestorePerson)

	rt.Handle("GET /api/admin/catalog/movies", auth.Admin, s.handleListMovies)
	rt.Handle("GET /api/admin/catalog/movies/{id}", auth.Admin, s.handleGetMovie)
	rt.Handle("GET /api/admin/catalog/people", auth.Admin, s.handleListPeople)
	rt.Handle("GET /api/admin/catalog/people/{id}", auth.Admin, s.handleGetPerson)
}

// handleGetMovie answers from the cache of encoded documents when it can:
// a hit allocates nothing beyond what net/http does.
func (s *Service) handleGetMovie(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if doc, ok := s.cache.Get(id); ok {
		doc.Write(w, r)
		return nil
	}
	includeDeleted := false
	if r.URL.RawQuery != "" {
		// lenient here: only an administrator's include_deleted=true counts
		if b, err := strconv.ParseBool(r.URL.Query().Get("include_deleted")); err == nil && b {
			includeDeleted = httpx.IsAdmin(r)
		}
	}
	token := s.cache.Begin()
	m, err := s.GetMovie(r.Context(), id, includeDeleted)
	if err != nil {
		return err
	}
	body, err := encodeDoc(m)
	if err != nil {
		return err
	}
	doc := cache.NewResponse(body, m.ID+"-"+strconv.FormatInt(m.Version, 10))
	if m.DeletedAt == nil {
		s.cache.Put(m.ID, doc, token)
	}
	doc.Write(w, r)
	return nil
}

func listError(err error) error {
	if errors.Is(err, store.ErrBadPosition) {
		return httpx.Invalid(http.StatusBadRequest, "cursor", "is not a cursor this list gave out")
	}
	return err
}

// movieSorts maps ?sort= (catalogapi.MovieSorts) to the store's sort.
var movieSorts = map[string]store.MovieSort{
	"title": store.SortTitle, "year": store.SortYear, "rating": store.SortRating,
	"popularity": store.SortPopularity, "created": store.SortCreated,
}

func (s *Service) handleListMovies(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.ParseLimit(r)
	if err != nil {
		return err
	}
	v := httpx.Validator{Status: http.StatusBadRequest}
	p := catalogapi.ReadMovieList(r, &v)
	includeDeleted := httpx.IncludeDeleted(r, &v)
	if err := v.Err(); err != nil {
		return err
	}
	mq := store.MovieQuery{Text: p.Q, Genre: p.Genre, YearFrom: p.YearFrom, YearTo: p.YearTo, PersonID: p.Person,
		IncludeDeleted: includeDeleted, Sort: movieSorts[p.Sort], Desc: p.Order == "desc", Limit: limit + 1,
		// the catalog has no ratings and no videos: no movie has a rating above 0 or is available to play
		MatchNothing: p.RatingMin > 0 || (p.Available != nil && *p.Available)}
	if mq.After, err = httpx.ReadSortedCursor(r, p.Sort, p.Order); err != nil {
		return err
	}
	items, err := s.ListMovies(r.Context(), mq)
	if err != nil {
		return listError(err)
	}
	page, err := httpx.NewPage(items, limit, func(last catalogapi.MovieSummary) any {
		return httpx.SortedCursor{Sort: p.Sort, Order: p.Order, Key: store.MovieSortKey(mq.Sort, mq.Desc, last)}
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

// handleListPeople lists everyone, or with ?actors=true the people with a
// cast credit on a live movie or created through POST /api/actors.
func (s *Service) handleListPeople(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.ParseLimit(r)
	if err != nil {
		return err
	}
	qv := r.URL.Query()
	v := httpx.Validator{Status: http.StatusBadRequest}
	pq := store.PersonQuery{Limit: limit + 1}
	if a := qv.Get("actors"); a != "" {
		b, err := strconv.ParseBool(a)
		if err != nil {
			v.Add("actors", "must be true or false")
		}
		pq.ActorsOnly = b
	}
	pq.Text = strings.TrimSpace(qv.Get("q"))
	if utf8.RuneCountInString(pq.Text) > catalogapi.MaxQueryLen {
		v.Add("q", fmt.Sprintf("must be at most %d characters", catalogapi.MaxQueryLen))
	}
	sortName := qv.Get("sort")
	def := false
	switch sortName {
	case "", "name":
		sortName, pq.Sort = "name", store.SortName
	case "created":
		pq.Sort, def = store.SortPersonCreated, true
	default:
		v.Add("sort", "must be name or created")
	}
	var orderName string
	pq.Desc, orderName = httpx.ParseOrder(&v, qv.Get("order"), def)
	pq.IncludeDeleted = httpx.IncludeDeleted(r, &v)
	if err := v.Err(); err != nil {
		return err
	}
	if pq.After, err = httpx.ReadSortedCursor(r, sortName, orderName); err != nil {
		return err
	}
	items, err := s.ListPeople(r.Context(), pq)
	if err != nil {
		return listError(err)
	}
	page, err := httpx.NewPage(items, limit, func(last catalogapi.PersonSummary) any {
		return httpx.SortedCursor{Sort: sortName, Order: orderName, Key: store.PersonSortKey(pq.Sort, last)}
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Service) handleCreateMovie(w http.ResponseWriter, r *http.Request) error {
	var in catalogapi.MovieWrite
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := s.CreateMovie(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/movies/"+m.ID)
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Service) handleUpdateMovie(w http.ResponseWriter, r *http.Request) error {
	var in catalogapi.MovieWrite
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := s.UpdateMovie(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Service) handleDeleteMovie(w http.ResponseWriter, r *http.Request) error {
	if err := s.DeleteMovie(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleRestoreMovie(w http.ResponseWriter, r *http.Request) error {
	m, err := s.RestoreMovie(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Service) handleGetPerson(w http.ResponseWriter, r *http.Request) error {
	v := httpx.Validator{Status: http.StatusBadRequest}
	incl := httpx.IncludeDeleted(r, &v)
	if err := v.Err(); err != nil {
		return err
	}
	p, err := s.GetPerson(r.Context(), r.PathValue("id"), incl)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) handleCreatePerson(w http.ResponseWriter, r *http.Request) error {
	var in catalogapi.PersonWrite
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.CreatePerson(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/actors/"+p.ID)
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Service) handleUpdatePerson(w http.ResponseWriter, r *http.Request) error {
	var in catalogapi.PersonWrite
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.UpdatePerson(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) handleDeletePerson(w http.ResponseWriter, r *http.Request) error {
	if err := s.DeletePerson(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleRestorePerson(w http.ResponseWriter, r *http.Request) error {
	p, err := s.RestorePerson(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}
