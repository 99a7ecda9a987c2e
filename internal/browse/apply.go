package browse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/browse/store"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// How events are applied:
//
//   - Every catalog.movie.* and catalog.person.* event carries the whole
//     document with a version; reviews.movie.rating_changed the whole rating
//     summary of a movie with a per-movie version. The read model keeps the
//     highest version per movie (document and rating separately) and per
//     person, and ignores older events that arrive late; duplicates are
//     caught by the inbox before that.
//   - The consumers hand over the events that arrived together (a batch).
//     Of several documents or summaries of one movie or person in a batch
//     only the newest is applied, and genre counts and people's popularity
//     are recounted once per batch: a burst of reviews of a few movies, or a
//     backlog, costs a few writes per movie instead of a dozen per event.
//   - A rating for a movie not known yet is kept on a placeholder row (not
//     listed, 404) and shows once the movie arrives.
//   - Movie, rating and person changes take the browse_stats row lock
//     first, so on PostgreSQL they apply one batch at a time even with
//     several consumer instances (genre counts, people's popularity and the
//     rating totals are recounted from committed rows); SQLite serialises
//     writers anyway.
//   - The weighted rating of the top-rated list, WR = (v·R + m·C)/(v + m),
//     is stored per movie with the C (mean of all ratings of listed movies)
//     and m in browse_stats. The totals behind C move with every change;
//     when C drifts from the one in use by more than cDrift, or m changed,
//     the batch switches to the current C and Run recomputes every other
//     movie's WR in the background, a chunk per transaction. A movie's own
//     WR is updated with its rating, so a new rating moves it at once.

// cDrift is how far the mean rating C may move before every weighted rating is recomputed.
const cDrift = 0.01

// Subscriptions are the consumers the composition root runs for browse:
// browse-catalog (CATALOG: catalog.>, of which it applies movies and people) and
// browse-ratings (REVIEWS: reviews.movie.rating_changed). Their batch
// handlers write the read model in the consumer's transaction.
func (s *Service) Subscriptions() []events.Subscription {
	catalogStream, _ := events.StreamFor(catalogapi.Source)
	reviewsStream, _ := events.StreamFor(reviewsapi.Source)
	return []events.Subscription{
		{
			Config: events.ConsumerConfig{Name: browseapi.ConsumerCatalog, Stream: catalogStream,
				// one subject: NATS servers before 2.10 take no more; the handler ignores other types
				FilterSubjects: []string{"catalog.>"}},
			Batch: s.HandleCatalogEvents,
		},
		{
			Config: events.ConsumerConfig{Name: browseapi.ConsumerRatings, Stream: reviewsStream,
				FilterSubjects: []string{reviewsapi.MovieRatingChanged}},
			Batch: s.HandleRatingEvents,
		},
	}
}

// HandleCatalogEvents applies the catalog.movie.* and catalog.person.*
// events of a batch in tx. Other catalog events are ignored.
func (s *Service) HandleCatalogEvents(ctx context.Context, tx *sqldb.Tx, envs []events.Envelope) error {
	movies, people := newest[catalogapi.Movie](), newest[catalogapi.Person]()
	for _, env := range envs {
		switch {
		case strings.HasPrefix(env.Type, "catalog.movie."):
			doc, err := decodeMovie(env)
			if err != nil {
				return err
			}
			movies.offer(doc.ID, doc.Version, doc)
		case strings.HasPrefix(env.Type, "catalog.person."):
			p, err := decodePerson(env)
			if err != nil {
				return err
			}
			people.offer(p.ID, p.Version, p)
		}
	}
	if len(movies.order)+len(people.order) == 0 {
		return nil
	}
	sc, err := s.lockStats(ctx, tx)
	if err != nil {
		return err
	}
	// people first: a movie's recount below then sees them
	for _, id := range people.order {
		if err := s.applyPerson(ctx, tx, people.items[id]); err != nil {
			return err
		}
	}
	var genres, credited []string
	for _, id := range movies.order {
		g, c, err := s.applyMovie(ctx, tx, sc, movies.items[id])
		if err != nil {
			return err
		}
		genres, credited = append(genres, g...), append(credited, c...)
	}
	if err := s.store.RecountGenres(ctx, tx, union(genres, nil)); err != nil {
		return err
	}
	if err := s.store.RecountPeople(ctx, tx, union(credited, nil)); err != nil {
		return err
	}
	return s.finishBatch(ctx, tx, sc, movies.order)
}

// HandleRatingEvents applies the reviews.movie.rating_changed events of a
// batch in tx. Other reviews events are ignored.
func (s *Service) HandleRatingEvents(ctx context.Context, tx *sqldb.Tx, envs []events.Envelope) error {
	ratings := newest[store.Rating]()
	for _, env := range envs {
		if env.Type != reviewsapi.MovieRatingChanged {
			continue
		}
		id, r, err := decodeRating(env)
		if err != nil {
			return err
		}
		ratings.offer(id, r.Version, r)
	}
	if len(ratings.order) == 0 {
		return nil
	}
	sc, err := s.lockStats(ctx, tx)
	if err != nil {
		return err
	}
	for _, id := range ratings.order {
		if err := s.applyRating(ctx, tx, sc, id, ratings.items[id]); err != nil {
			return err
		}
	}
	return s.finishBatch(ctx, tx, sc, ratings.order)
}

// newestByID keeps the highest version of each id, in order of first appearance.
type newestByID[T any] struct {
	order    []string
	items    map[string]T
	versions map[string]int64
}

func newest[T any]() *newestByID[T] {
	return &newestByID[T]{items: map[string]T{}, versions: map[string]int64{}}
}

func (n *newestByID[T]) offer(id string, version int64, item T) {
	v, seen := n.versions[id]
	if !seen {
		n.order = append(n.order, id)
	}
	if !seen || version > v {
		n.items[id], n.versions[id] = item, version
	}
}

func decodeMovie(env events.Envelope) (catalogapi.Movie, error) {
	doc, err := events.Decode[catalogapi.Movie](env)
	if err == nil {
		err = documentOf(env, doc.ID, doc.Version)
	}
	return doc, err
}

func decodePerson(env events.Envelope) (catalogapi.Person, error) {
	p, err := events.Decode[catalogapi.Person](env)
	if err == nil {
		err = documentOf(env, p.ID, p.Version)
	}
	return p, err
}

// documentOf checks that a catalog document has an id and a version and is
// about the envelope's subject; otherwise it can never be applied.
func documentOf(env events.Envelope, id string, version int64) error {
	if err := events.Versioned(env, id, version); err != nil {
		return err
	}
	if env.Subject != "" && env.Subject != id {
		return events.Permanent(fmt.Errorf("%s %s: the document is about %s, the envelope about %s", env.Type, env.ID, id, env.Subject))
	}
	return nil
}

func decodeRating(env events.Envelope) (movieID string, r store.Rating, err error) {
	ev, err := events.Decode[reviewsapi.RatingChangedEvent](env)
	if err != nil {
		return "", r, err
	}
	r, err = ratingOf(ev)
	if err == nil && env.Subject != "" && env.Subject != ev.MovieID {
		err = errors.New("the envelope is about another movie")
	}
	if err != nil {
		return "", r, events.Permanent(fmt.Errorf("%s %s: %w", env.Type, env.ID, err))
	}
	return ev.MovieID, r, nil
}

// applyMovie writes a movie document unless a newer one is there already. It
// returns the genres and people whose counts it may have changed (the
// caller recounts them).
func (s *Service) applyMovie(ctx context.Context, tx *sqldb.Tx, sc *statsChange, doc catalogapi.Movie) (genres, people []string, err error) {
	st, err := s.store.LockMovie(ctx, tx, doc.ID)
	if err != nil {
		return nil, nil, err
	}
	if doc.Version <= st.Version {
		return nil, nil, nil // an older (or the same) document arrived late
	}
	if st.Live {
		if genres, err = s.store.MovieGenreIDs(ctx, tx, doc.ID); err != nil {
			return nil, nil, err
		}
		people = creditedPeople(st.Doc)
	}
	live := doc.DeletedAt == nil
	sc.now = addContribution(sc.now, st.Live, st.Rating, -1)
	sc.now = addContribution(sc.now, live, st.Rating, +1)
	m, c := s.weights(sc)

	rec, err := movieRecord(doc, st.Rating, weightedRating(st.Rating, m, c))
	if err != nil {
		return nil, nil, events.Permanent(err)
	}
	if err := s.store.PutMovie(ctx, tx, rec); err != nil {
		return nil, nil, err
	}
	if err := s.store.UpsertGenres(ctx, tx, doc.Genres); err != nil {
		return nil, nil, err
	}
	if live {
		entry, err := movieSearchEntry(doc, st.Rating)
		if err != nil {
			return nil, nil, err
		}
		if err := s.store.PutSearch(ctx, tx, entry); err != nil {
			return nil, nil, err
		}
	} else if err := s.store.DeleteSearch(ctx, tx, store.KindMovie, doc.ID); err != nil {
		return nil, nil, err
	}
	return append(genres, rec.GenreIDs...), append(people, creditPeople(rec.Credits)...), nil
}

// applyRating writes a movie's rating summary unless a newer one is there already.
func (s *Service) applyRating(ctx context.Context, tx *sqldb.Tx, sc *statsChange, movieID string, r store.Rating) error {
	st, err := s.store.LockMovie(ctx, tx, movieID)
	if err != nil {
		return err
	}
	if r.Version <= st.Rating.Version {
		return nil // an older (or the same) summary arrived late
	}
	sc.now = addContribution(sc.now, st.Live, st.Rating, -1)
	sc.now = addContribution(sc.now, st.Live, r, +1)
	m, c := s.weights(sc)

	var doc, summary []byte
	var movie catalogapi.Movie
	if st.Doc != nil {
		if err := json.Unmarshal(st.Doc, &movie); err != nil {
			return fmt.Errorf("stored document of movie %s: %w", movieID, err)
		}
		movie.RatingSummary = ratingSummary(r)
		if doc, summary, err = movieDocs(movie); err != nil {
			return err
		}
	}
	if err := s.store.PutMovieRating(ctx, tx, movieID, st.Live, r, weightedRating(r, m, c), doc, summary); err != nil {
		return err
	}
	if st.Live {
		item, err := json.Marshal(movieSearchResult(movie, r))
		if err != nil {
			return err
		}
		if err := s.store.SetSearchItem(ctx, tx, store.KindMovie, movieID, item, r.Count); err != nil {
			return err
		}
	}
	return nil
}

// applyPerson writes a person document unless a newer one is there already.
func (s *Service) applyPerson(ctx context.Context, tx *sqldb.Tx, p catalogapi.Person) error {
	v, err := s.store.LockPerson(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	if p.Version <= v {
		return nil
	}
	rec, err := personRecord(p)
	if err != nil {
		return events.Permanent(err)
	}
	if err := s.store.PutPerson(ctx, tx, rec); err != nil {
		return err
	}
	if !rec.Live {
		return s.store.DeleteSearch(ctx, tx, store.KindPerson, p.ID)
	}
	n, err := s.store.PersonMovies(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	entry, err := personSearchEntry(p, n)
	if err != nil {
		return err
	}
	return s.store.PutSearch(ctx, tx, entry)
}

// statsChange is the browse_stats row a transaction locked and where its
// events have moved it.
type statsChange struct {
	before, now store.Stats
	reweigh     bool // C or m changed: every weighted rating is recomputed after the commit
}

// lockStats locks the browse_stats row; every change of movies, ratings or
// people takes it first (see "How events are applied").
func (s *Service) lockStats(ctx context.Context, tx *sqldb.Tx) (*statsChange, error) {
	st, err := s.store.LockStats(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &statsChange{before: st, now: st}, nil
}

// weights returns the m and C to compute a weighted rating with now. When C
// drifted more than cDrift from the one in use, or m changed, it switches to
// the current ones and marks every weighted rating for recomputation.
func (s *Service) weights(sc *statsChange) (m int, c float64) {
	m = s.cfg.TopRatedMinVotes
	if sc.now.MUsed != m || math.Abs(sc.now.C()-sc.now.CUsed) > cDrift {
		sc.now.MUsed, sc.now.CUsed, sc.reweigh = m, sc.now.C(), true
	}
	return sc.now.MUsed, sc.now.CUsed
}

// finishBatch saves the totals and, once committed, drops the cached
// documents of the movies the batch changed and the cached top-rated pages,
// and wakes Run when every weighted rating must be recomputed.
func (s *Service) finishBatch(ctx context.Context, tx *sqldb.Tx, sc *statsChange, movieIDs []string) error {
	if sc.now != sc.before {
		if err := s.store.SaveStats(ctx, tx, sc.now); err != nil {
			return err
		}
	}
	tx.AfterCommit(func() {
		for _, id := range movieIDs {
			s.cache.Invalidate(id)
		}
		s.top.InvalidateAll()
		if sc.reweigh {
			s.wakeReweigh()
		}
	})
	return nil
}

// RefreshTopRated recomputes the rating totals from the movies and every
// weighted rating with the exact mean and the configured m. Rebuild ends
// with it; it may also run any time (e.g. after changing m).
func (s *Service) RefreshTopRated(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		tx.AfterCommit(s.top.InvalidateAll)
		st, err := s.store.RecomputeStats(ctx, tx)
		if err != nil {
			return err
		}
		m, c := s.cfg.TopRatedMinVotes, st.C()
		if _, err := s.store.RecomputeWeightedRatings(ctx, tx, m, c, "", 0); err != nil {
			return err
		}
		st.MUsed, st.CUsed, st.MDone, st.CDone = m, c, m, c
		return s.store.SaveStats(ctx, tx, st)
	})
}

// addContribution adds (sign +1) or removes (-1) a movie's ratings to the totals behind C.
func addContribution(st store.Stats, live bool, r store.Rating, sign int64) store.Stats {
	if live && r.Count > 0 {
		st.RatingSum += sign * r.Sum
		st.RatingCount += sign * int64(r.Count)
	}
	return st
}

// weightedRating is (v·R + m·C)/(v + m) for a rated movie, 0 for an unrated
// one. store.RecomputeWeightedRatings does the same arithmetic in SQL.
func weightedRating(r store.Rating, m int, c float64) float64 {
	if r.Count == 0 || r.Average == nil {
		return 0
	}
	return (float64(r.Count)*(*r.Average) + float64(m)*c) / (float64(r.Count) + float64(m))
}

// ratingOf checks a rating_changed payload and turns it into a store.Rating.
func ratingOf(ev reviewsapi.RatingChangedEvent) (store.Rating, error) {
	r := store.Rating{Version: ev.Version, Count: ev.Count, Histogram: make(map[string]int, 10)}
	if ev.MovieID == "" || ev.Version <= 0 || ev.Count < 0 {
		return r, errors.New("rating summary without movie id or version, or with a negative count")
	}
	var sum int64
	n := 0
	for k, v := range ev.Histogram {
		star, err := strconv.Atoi(k)
		if err != nil || star < reviewsapi.MinRating || star > reviewsapi.MaxRating || v < 0 || strconv.Itoa(star) != k {
			return r, fmt.Errorf("histogram entry %q: %d is not a count of a rating 1..10", k, v)
		}
		r.Histogram[k] = v
		sum += int64(star) * int64(v)
		n += v
	}
	for _, k := range reviewsapi.HistogramKeys {
		if _, ok := r.Histogram[k]; !ok {
			r.Histogram[k] = 0
		}
	}
	r.Sum = ev.Sum
	if r.Sum == 0 && n == r.Count {
		r.Sum = sum // an older payload without sum: the histogram says it
	}
	if r.Count == 0 {
		r.Sum, r.Average = 0, nil
		return r, nil
	}
	if ev.Average != nil {
		avg := *ev.Average
		r.Average = &avg
	} else {
		avg := float64(r.Sum) / float64(r.Count)
		r.Average = &avg
	}
	if math.IsNaN(*r.Average) || *r.Average < reviewsapi.MinRating || *r.Average > reviewsapi.MaxRating {
		return r, fmt.Errorf("average %v is not a rating 1..10", *r.Average)
	}
	return r, nil
}

// ratingSummary is the public summary of a rating (all ten histogram keys).
func ratingSummary(r store.Rating) catalogapi.RatingSummary {
	sum := catalogapi.EmptyRatingSummary()
	if r.Count == 0 {
		return sum
	}
	sum.Count = r.Count
	avg := *r.Average
	sum.Average = &avg
	for k, v := range r.Histogram {
		sum.Histogram[k] = v
	}
	return sum
}

// movieRecord builds the read model's row of a catalog movie document.
func movieRecord(doc catalogapi.Movie, r store.Rating, wr float64) (store.MovieRecord, error) {
	normaliseMovie(&doc)
	doc.RatingSummary = ratingSummary(r)
	full, summary, err := movieDocs(doc)
	if err != nil {
		return store.MovieRecord{}, err
	}
	rec := store.MovieRecord{
		ID: doc.ID, Version: doc.Version, Live: doc.DeletedAt == nil,
		Keys:   store.MovieKeys{Title: doc.Title, TitleKey: store.TitleKey(doc.Title), CreatedKey: formatTime(doc.CreatedAt)},
		Rating: r, WR: wr, Doc: full, Summary: summary,
	}
	if doc.ReleaseDate != nil {
		rec.Keys.ReleaseKey = *doc.ReleaseDate
	}
	seen := make(map[string]bool, len(doc.Genres))
	for _, g := range doc.Genres {
		if g.ID != "" && !seen[g.ID] {
			seen[g.ID] = true
			rec.GenreIDs = append(rec.GenreIDs, g.ID)
		}
	}
	for i, c := range doc.Cast {
		rec.Credits = append(rec.Credits, store.Credit{Kind: catalogapi.CreditCast, Seq: i, PersonID: c.PersonID, Character: c.Character, Order: c.Order})
	}
	for i, c := range doc.Crew {
		rec.Credits = append(rec.Credits, store.Credit{Kind: catalogapi.CreditCrew, Seq: i, PersonID: c.PersonID, Job: c.Job, Order: i})
	}
	return rec, nil
}

// normaliseMovie makes the lists of a document non-nil (the API answers [] not null).
func normaliseMovie(m *catalogapi.Movie) {
	if m.Languages == nil {
		m.Languages = []string{}
	}
	if m.Genres == nil {
		m.Genres = []catalogapi.Genre{}
	}
	if m.Cast == nil {
		m.Cast = []catalogapi.CastCredit{}
	}
	if m.Crew == nil {
		m.Crew = []catalogapi.CrewCredit{}
	}
}

// movieDocs encodes the public document and the list item of a movie.
func movieDocs(m catalogapi.Movie) (doc, summary []byte, err error) {
	if doc, err = json.Marshal(m); err != nil {
		return nil, nil, fmt.Errorf("encode movie %s: %w", m.ID, err)
	}
	if summary, err = json.Marshal(m.Summary()); err != nil {
		return nil, nil, fmt.Errorf("encode movie %s: %w", m.ID, err)
	}
	return doc, summary, nil
}

func personRecord(p catalogapi.Person) (store.PersonRecord, error) {
	doc, err := json.Marshal(p.Summary())
	if err != nil {
		return store.PersonRecord{}, fmt.Errorf("encode person %s: %w", p.ID, err)
	}
	return store.PersonRecord{ID: p.ID, Version: p.Version, Live: p.DeletedAt == nil, NameKey: store.NameKey(p.Name),
		CreatedKey: formatTime(p.CreatedAt), Doc: doc}, nil
}

func movieSearchResult(m catalogapi.Movie, r store.Rating) browseapi.SearchResult {
	res := browseapi.SearchResult{Kind: browseapi.KindMovie, ID: m.ID, Title: m.Title, ReleaseDate: m.ReleaseDate, PosterURL: m.PosterURL}
	count := r.Count
	res.RatingCount = &count
	if r.Count > 0 {
		avg := *r.Average
		res.RatingAverage = &avg
	}
	return res
}

func movieSearchEntry(m catalogapi.Movie, r store.Rating) (store.SearchEntry, error) {
	item, err := json.Marshal(movieSearchResult(m, r))
	if err != nil {
		return store.SearchEntry{}, err
	}
	text := foldText(m.Title)
	if o := foldText(m.OriginalTitle); o != "" && o != text {
		text += altSep + o
	}
	return store.SearchEntry{Kind: store.KindMovie, ID: m.ID, Text: text, Popularity: r.Count, Item: item}, nil
}

func personSearchEntry(p catalogapi.Person, movies int) (store.SearchEntry, error) {
	item, err := json.Marshal(browseapi.SearchResult{Kind: browseapi.KindPerson, ID: p.ID, Name: p.Name, BirthDate: p.BirthDate, PhotoURL: p.PhotoURL})
	if err != nil {
		return store.SearchEntry{}, err
	}
	return store.SearchEntry{Kind: store.KindPerson, ID: p.ID, Text: foldText(p.Name), Popularity: movies, Item: item}, nil
}

// creditedPeople lists the people credited in a stored movie document.
func creditedPeople(doc []byte) []string {
	if doc == nil {
		return nil
	}
	var m struct {
		Cast []struct {
			PersonID string `json:"person_id"`
		} `json:"cast"`
		Crew []struct {
			PersonID string `json:"person_id"`
		} `json:"crew"`
	}
	if json.Unmarshal(doc, &m) != nil {
		return nil
	}
	out := make([]string, 0, len(m.Cast)+len(m.Crew))
	for _, c := range m.Cast {
		out = append(out, c.PersonID)
	}
	for _, c := range m.Crew {
		out = append(out, c.PersonID)
	}
	return out
}

func creditPeople(cs []store.Credit) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.PersonID
	}
	return out
}

// union returns the distinct values of a and b.
func union(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var out []string
	for _, s := range append(append([]string(nil), a...), b...) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// timeLayout is how timestamps are kept as sort keys (fixed-width UTC text).
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
