package browse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/cache"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/browse/store"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Routes registers the browse API on rt. Every route is public; only
// administrators see soft-deleted movies and people (include_deleted=true
// on GET /api/movies/{id}, /api/actors/{id} and /api/people/{id}).
func (s *Service) Routes(rt *httpx.Router) {
	rt.Handle("GET /api/movies", auth.Anyone, s.handleListMovies)
	rt.Handle("GET /api/movies/top-rated", auth.Public, s.handleTopRated)
	rt.Handle("GET /api/movies/{id}", auth.Anyone, s.handleGetMovie)
	rt.Handle("GET /api/movies/{id}/poster.svg", auth.Public, s.handlePoster)
	rt.Handle("GET /api/actors", auth.Public, s.handleListPeople(true))
	rt.Handle("GET /api/actors/{id}", auth.Anyone, s.handleGetPerson)
	rt.Handle("GET /api/people", auth.Public, s.handleListPeople(false))
	rt.Handle("GET /api/people/{id}", auth.Anyone, s.handleGetPerson)
	rt.Handle("GET /api/genres", auth.Public, s.handleListGenres)
	rt.Handle("GET /api/search", auth.Public, s.handleSearch)
}

// Header values shared by every answer from the cache (never mutated).
var jsonContentType = []string{"application/json"}

const maxQueryLen = catalogapi.MaxQueryLen

func notFound(what string) error {
	return apperr.NotFound(what).WithCause(ErrNotFound)
}

// handleGetMovie answers from the cache of encoded documents when it can:
// a hit allocates nothing beyond what net/http does.
func (s *Service) handleGetMovie(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if r.URL.RawQuery != "" {
		// lenient here, like the catalog: only an administrator's include_deleted=true counts
		if b, err := strconv.ParseBool(r.URL.Query().Get("include_deleted")); err == nil && b && httpx.IsAdmin(r) {
			d, err := s.store.MovieDoc(r.Context(), s.db, id)
			if errors.Is(err, store.ErrNotFound) {
				return notFound("movie")
			} else if err != nil {
				return err
			}
			plans, pv, err := s.store.MoviePlans(r.Context(), s.db, id)
			if err != nil {
				return err
			}
			browseResponse(id, d.Version, d.RatingVersion, pv, append(withPlans(d.Doc, plans), '\n')).Write(w, r)
			return nil
		}
	}
	if doc, ok := s.cache.Get(id); ok {
		doc.Write(w, r)
		return nil
	}
	token := s.cache.Begin()
	d, err := s.store.MovieDoc(r.Context(), s.db, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !d.Live) {
		return notFound("movie")
	} else if err != nil {
		return err
	}
	plans, pv, err := s.store.MoviePlans(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	doc := browseResponse(id, d.Version, d.RatingVersion, pv, append(withPlans(d.Doc, plans), '\n'))
	s.cache.Put(id, doc, token)
	doc.Write(w, r)
	return nil
}

// browseResponse prepares a movie answer; its ETag changes with the catalog
// document's version, the rating summary's and the plans'.
func browseResponse(id string, version, ratingVersion, plansVersion int64, body []byte) *cache.Response {
	return cache.NewResponse(body, id+"-"+strconv.FormatInt(version, 10)+"-"+strconv.FormatInt(ratingVersion, 10)+"-"+strconv.FormatInt(plansVersion, 10))
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
	if utf8.RuneCountInString(p.Genre) > maxQueryLen {
		v.Add("genre", fmt.Sprintf("must be at most %d characters", maxQueryLen))
	}
	if err := v.Err(); err != nil {
		return err
	}
	mq := store.MovieQuery{Text: p.Q, YearFrom: p.YearFrom, YearTo: p.YearTo, PersonID: p.Person, RatingMin: p.RatingMin,
		Sort: movieSorts[p.Sort], Desc: p.Order == "desc", Limit: limit + 1}
	if p.Available != nil && *p.Available {
		// what the caller's plan offers; anonymous callers see what any plan offers
		if caller, ok := auth.FromContext(r.Context()); ok {
			plan, err := s.store.UserPlan(r.Context(), s.db, caller.UserID)
			if err != nil {
				return err
			}
			mq.PlanID, mq.Nothing = plan, plan == ""
		} else {
			mq.AnyPlan = true
		}
	}
	if mq.After, err = httpx.ReadSortedCursor(r, p.Sort, p.Order); err != nil {
		return err
	}
	if p.Genre != "" {
		id, err := s.store.GenreID(r.Context(), s.db, p.Genre)
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeRawPage(w, nil, nil) // an unknown genre has no movies
			return nil
		case err != nil:
			return err
		}
		mq.GenreID = id
	}
	rows, err := s.store.ListMovies(r.Context(), s.db, mq)
	if err != nil {
		return listError(err)
	}
	items := make([][]byte, 0, len(rows))
	for _, row := range rows {
		items = append(items, row.Summary)
	}
	var next *string
	if len(rows) > limit {
		items = items[:limit]
		c, err := httpx.EncodeCursor(httpx.SortedCursor{Sort: p.Sort, Order: p.Order, Key: rows[limit-1].Key})
		if err != nil {
			return err
		}
		next = &c
	}
	writeRawPage(w, items, next)
	return nil
}

// writeRawPage writes {"items": [...], "next_cursor": ...} from items
// already encoded (the read model stores list items as JSON).
func writeRawPage(w http.ResponseWriter, items [][]byte, next *string, extra ...string) {
	body := rawPage(items, next, extra...)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// rawPage encodes a page of already encoded items; extra are more members, already encoded.
func rawPage(items [][]byte, next *string, extra ...string) []byte {
	n := 40
	for _, it := range items {
		n += len(it) + 1
	}
	for _, x := range extra {
		n += len(x) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"items":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = append(b, `],"next_cursor":`...)
	if next == nil {
		b = append(b, "null"...)
	} else {
		c, _ := json.Marshal(*next)
		b = append(b, c...)
	}
	for _, x := range extra {
		b = append(b, ',')
		b = append(b, x...)
	}
	return append(b, "}\n"...)
}

// handleTopRated answers from the in-process cache of encoded pages when it
// can: the top list changes only with movie and rating events, which drop
// the cache when they commit here (another replica's for up to CacheTTL).
func (s *Service) handleTopRated(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.ParseLimit(r)
	if err != nil {
		return err
	}
	cacheKey := strconv.Itoa(limit) + "|" + r.URL.Query().Get("cursor")
	if page, ok := s.top.Get(cacheKey); ok {
		page.Write(w, r)
		return nil
	}
	token := s.top.Begin()
	key, err := httpx.ReadSortedCursor(r, "weighted_rating", "desc")
	if err != nil {
		return err
	}
	var after *store.TopRow
	if key != nil {
		wr, err := strconv.ParseFloat(key[0], 64)
		if len(key) != 3 || err != nil {
			return listError(store.ErrBadPosition)
		}
		after = &store.TopRow{WR: wr, TitleKey: key[1], ID: key[2]}
	}
	rows, err := s.store.TopRated(r.Context(), s.db, after, limit+1)
	if err != nil {
		return err
	}
	st, err := s.store.Stats(r.Context(), s.db)
	if err != nil {
		return err
	}
	minVotes := st.MUsed
	if minVotes == 0 {
		minVotes = s.cfg.TopRatedMinVotes
	}
	mean := "null"
	if st.MUsed != 0 && st.RatingCount > 0 {
		mean = strconv.FormatFloat(st.CUsed, 'g', -1, 64)
	}
	// items are the stored list items with weighted_rating spliced in
	// (a browseapi.TopRatedMovie), written without decoding them
	items := make([][]byte, 0, min(len(rows), limit))
	var next *string
	for i, row := range rows {
		if i == limit {
			c, err := httpx.EncodeCursor(httpx.SortedCursor{Sort: "weighted_rating", Order: "desc",
				Key: []string{strconv.FormatFloat(rows[i-1].WR, 'g', -1, 64), rows[i-1].TitleKey, rows[i-1].ID}})
			if err != nil {
				return err
			}
			next = &c
			break
		}
		if len(row.Summary) < 2 || row.Summary[0] != '{' {
			return fmt.Errorf("stored summary of movie %s is not an object", row.ID)
		}
		item := make([]byte, 0, len(row.Summary)+40)
		item = append(item, `{"weighted_rating":`...)
		item = strconv.AppendFloat(item, row.WR, 'g', -1, 64)
		item = append(item, ',')
		item = append(item, row.Summary[1:]...)
		items = append(items, item)
	}
	page := cache.NewResponseHashed(rawPage(items, next, `"min_votes":`+strconv.Itoa(minVotes)+`,"mean_rating":`+mean))
	s.top.Put(cacheKey, page, token)
	page.Write(w, r)
	return nil
}

func (s *Service) handleListPeople(actorsOnly bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, err := httpx.ParseLimit(r)
		if err != nil {
			return err
		}
		qv := r.URL.Query()
		v := httpx.Validator{Status: http.StatusBadRequest}
		pq := store.PersonQuery{Limit: limit + 1, ActorsOnly: actorsOnly}
		pq.Text = strings.TrimSpace(qv.Get("q"))
		if utf8.RuneCountInString(pq.Text) > maxQueryLen {
			v.Add("q", fmt.Sprintf("must be at most %d characters", maxQueryLen))
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
		if err := v.Err(); err != nil {
			return err
		}
		if pq.After, err = httpx.ReadSortedCursor(r, sortName, orderName); err != nil {
			return err
		}
		rows, err := s.store.ListPeople(r.Context(), s.db, pq)
		if err != nil {
			return listError(err)
		}
		items := make([][]byte, 0, len(rows))
		for _, row := range rows {
			items = append(items, row.Doc)
		}
		var next *string
		if len(rows) > limit {
			items = items[:limit]
			c, err := httpx.EncodeCursor(httpx.SortedCursor{Sort: sortName, Order: orderName, Key: rows[limit-1].Key})
			if err != nil {
				return err
			}
			next = &c
		}
		writeRawPage(w, items, next)
		return nil
	}
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

// GetPerson returns a person with the filmography on live movies; a
// soft-deleted person only with includeDeleted.
func (s *Service) GetPerson(ctx context.Context, id string, includeDeleted bool) (catalogapi.Person, error) {
	d, err := s.store.Person(ctx, s.db, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !d.Live && !includeDeleted) {
		return catalogapi.Person{}, notFound("person")
	} else if err != nil {
		return catalogapi.Person{}, err
	}
	var sum catalogapi.PersonSummary
	if err := json.Unmarshal(d.Doc, &sum); err != nil {
		return catalogapi.Person{}, fmt.Errorf("stored document of person %s: %w", id, err)
	}
	p := catalogapi.Person{ID: sum.ID, Name: sum.Name, BirthDate: sum.BirthDate, Nationality: sum.Nationality,
		Biography: sum.Biography, PhotoURL: sum.PhotoURL, Version: sum.Version, CreatedAt: sum.CreatedAt,
		UpdatedAt: sum.UpdatedAt, DeletedAt: sum.DeletedAt}
	if p.Filmography, err = s.store.Filmography(ctx, s.db, id); err != nil {
		return catalogapi.Person{}, err
	}
	return p, nil
}

func (s *Service) handleListGenres(w http.ResponseWriter, r *http.Request) error {
	genres, err := s.store.ListGenres(r.Context(), s.db)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, browseapi.GenreList{Items: withFixedGenres(genres)})
	return nil
}

// withFixedGenres adds the catalog's fixed genres that no movie has yet
// (with 0 movies), so an administrator can pick them for the first one.
func withFixedGenres(have []browseapi.Genre) []browseapi.Genre {
	seen := make(map[string]bool, len(have))
	for _, g := range have {
		seen[g.ID] = true
	}
	for _, g := range catalogapi.Genres {
		if !seen[g.ID] {
			have = append(have, browseapi.Genre{ID: g.ID, Slug: g.Slug, Name: g.Name})
		}
	}
	slices.SortFunc(have, func(a, b browseapi.Genre) int { return strings.Compare(a.Name, b.Name) })
	return have
}

func (s *Service) handleSearch(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.ParseLimit(r)
	if err != nil {
		return err
	}
	qv := r.URL.Query()
	v := httpx.Validator{Status: http.StatusBadRequest}
	q := strings.TrimSpace(qv.Get("q"))
	switch {
	case q == "":
		v.Add("q", "is required")
	case utf8.RuneCountInString(q) > maxQueryLen:
		v.Add("q", fmt.Sprintf("must be at most %d characters", maxQueryLen))
	}
	kind := qv.Get("kind")
	if kind != "" && kind != browseapi.KindMovie && kind != browseapi.KindPerson {
		v.Add("kind", "must be movie or person")
	}
	if err := v.Err(); err != nil {
		return err
	}
	words := queryWords(q)
	// the cursor belongs to this query and kind
	scope := kind + ":" + strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(strings.Join(words, " ")))), 36)
	key, err := httpx.ReadSortedCursor(r, "relevance", scope)
	if err != nil {
		return err
	}
	var after *ranked
	if key != nil {
		score, err := strconv.ParseFloat(key[0], 64)
		if len(key) != 3 || err != nil {
			return listError(store.ErrBadPosition)
		}
		after = &ranked{Candidate: store.Candidate{Kind: key[1], ID: key[2]}, score: score}
	}
	page, err := s.search(r.Context(), words, kind, scope, after, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

// search answers one page of results for the folded query words.
func (s *Service) search(ctx context.Context, words []string, kind, scope string, after *ranked, limit int) (browseapi.SearchPage, error) {
	page := browseapi.SearchPage{Items: []browseapi.SearchResult{}}
	if len(words) == 0 {
		return page, nil
	}
	sq := store.SearchQuery{Words: words, Kind: kind, Max: s.cfg.SearchCandidates}
	cands, err := s.store.SearchCandidates(ctx, s.db, sq)
	if err != nil {
		return page, err
	}
	if len(cands) == 0 {
		fuzzy, err := s.store.FuzzyCandidates(ctx, s.db, sq)
		if err != nil {
			return page, err
		}
		seen := make(map[store.Ref]bool, len(cands))
		for _, c := range cands {
			seen[store.Ref{Kind: c.Kind, ID: c.ID}] = true
		}
		for _, c := range fuzzy {
			if !seen[store.Ref{Kind: c.Kind, ID: c.ID}] {
				cands = append(cands, c)
			}
		}
	}
	all := rank(words, cands)
	start := 0
	if after != nil {
		for start < len(all) && !rankedBefore(*after, all[start].score, all[start].Kind, all[start].ID) {
			start++
		}
	}
	end := min(start+limit, len(all))
	hits := all[start:end]
	refs := make([]store.Ref, len(hits))
	for i, h := range hits {
		refs[i] = store.Ref{Kind: h.Kind, ID: h.ID}
	}
	items, err := s.store.SearchItems(ctx, s.db, refs)
	if err != nil {
		return page, err
	}
	for _, h := range hits {
		raw, ok := items[store.Ref{Kind: h.Kind, ID: h.ID}]
		if !ok {
			continue // removed between the two reads
		}
		var res browseapi.SearchResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return page, fmt.Errorf("stored search item %s %s: %w", h.Kind, h.ID, err)
		}
		res.Score = h.score
		page.Items = append(page.Items, res)
	}
	if end < len(all) && len(hits) > 0 {
		last := hits[len(hits)-1]
		c, err := httpx.EncodeCursor(httpx.SortedCursor{Sort: "relevance", Order: scope,
			Key: []string{strconv.FormatFloat(last.score, 'g', -1, 64), last.Kind, last.ID}})
		if err != nil {
			return page, err
		}
		page.NextCursor = &c
	}
	return page, nil
}
