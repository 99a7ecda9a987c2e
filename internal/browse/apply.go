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
//   - A rating for a movie not known yet is kept on a placeholder row (not
//     listed, 404) and shows once the movie arrives.
//   - Movie, rating and person changes take the browse_stats row lock
//     first, so on PostgreSQL they apply one at a time even with several
//     consumer instances (genre counts, people's popularity and the rating
//     totals are recounted from committed rows); SQLite serialises writers anyway.
//   - The weighted rating of the top-rated list, WR = (v·R + m·C)/(v + m),
//     is stored per movie with the C (mean of all ratings of listed movies)
//     and m in browse_stats. The totals behind C move with every change;
//     when C drifts from the one used by more than cDrift, or m changed,
//     every movie's WR is recomputed in that transaction. A movie's own WR
//     is updated with its rating, so a new rating moves it at once.

// cDrift is how far the mean rating C may move before every weighted rating is recomputed.
const cDrift = 0.01

// Subscriptions are the consumers the composition root runs for browse:
// browse-catalog (CATALOG: catalog.>, of which it applies movies and people) and
// browse-ratings (REVIEWS: reviews.movie.rating_changed). Their handlers
// write the read model in the consumer's transaction.
func (s *Service) Subscriptions() []events.Subscription {
	catalogStream, _ := events.StreamFor(catalogapi.Source)
	reviewsStream, _ := events.StreamFor(reviewsapi.Source)
	return []events.Subscription{
		{
			Config: events.ConsumerConfig{Name: browseapi.ConsumerCatalog, Stream: catalogStream,
				// one subject: NATS servers before 2.10 take no more; the handler ignores other types
				FilterSubjects: []string{"catalog.>"}},
			Handler: s.HandleCatalogEvent,
		},
		{
			Config: events.ConsumerConfig{Name: browseapi.ConsumerRatings, Stream: reviewsStream,
				FilterSubjects: []string{reviewsapi.MovieRatingChanged}},
			Handler: s.HandleRatingEvent,
		},
	}
}

// HandleCatalogEvent applies a catalog.movie.* or catalog.person.* event in
// tx. Other catalog events are ignored.
func (s *Service) HandleCatalogEvent(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	switch {
	case strings.HasPrefix(env.Type, "catalog.movie."):
		return s.applyMovie(ctx, tx, env)
	case strings.HasPrefix(env.Type, "catalog.person."):
		return s.applyPerson(ctx, tx, env)
	default:
		return nil
	}
}

// HandleRatingEvent applies a reviews.movie.rating_changed event in tx.
// Other reviews events are ignored.
func (s *Service) HandleRatingEvent(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	if env.Type != reviewsapi.MovieRatingChanged {
		return nil
	}
	return s.applyRating(ctx, tx, env)
}

func (s *Service) applyMovie(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	var doc catalogapi.Movie
	if err := env.Decode(&doc); err != nil {
		return events.Permanent(err)
	}
	if doc.ID == "" || doc.Version <= 0 || (env.Subject != "" && env.Subject != doc.ID) {
		return events.Permanent(fmt.Errorf("%s %s: movie document without id or version, or about another movie", env.Type, env.ID))
	}
	stats, err := s.store.LockStats(ctx, tx)
	if err != nil {
		return err
	}
	st, err := s.store.LockMovie(ctx, tx, doc.ID)
	if err != nil {
		return err
	}
	if doc.Version <= st.Version {
		return nil // an older (or the same) document arrived late
	}
	var oldGenres, oldPeople []string
	if st.Live {
		if oldGenres, err = s.store.MovieGenreIDs(ctx, tx, doc.ID); err != nil {
			return err
		}
		oldPeople = creditedPeople(st.Doc)
	}
	live := doc.DeletedAt == nil
	before := stats
	stats = addContribution(stats, st.Live, st.Rating, -1)
	stats = addContribution(stats, live, st.Rating, +1)
	m, c, recompute := s.weighting(stats)

	rec, err := movieRecord(doc, st.Rating, weightedRating(st.Rating, m, c))
	if err != nil {
		return events.Permanent(err)
	}
	if err := s.store.PutMovie(ctx, tx, rec); err != nil {
		return err
	}
	if err := s.store.UpsertGenres(ctx, tx, doc.Genres); err != nil {
		return err
	}
	if err := s.store.RecountGenres(ctx, tx, union(oldGenres, rec.GenreIDs)); err != nil {
		return err
	}
	if err := s.store.RecountPeople(ctx, tx, union(oldPeople, creditPeople(rec.Credits))); err != nil {
		return err
	}
	if live {
		entry, err := movieSearchEntry(doc, st.Rating)
		if err != nil {
			return err
		}
		if err := s.store.PutSearch(ctx, tx, entry); err != nil {
			return err
		}
	} else if err := s.store.DeleteSearch(ctx, tx, store.KindMovie, doc.ID); err != nil {
		return err
	}
	if err := s.finishStats(ctx, tx, before, stats, m, c, recompute); err != nil {
		return err
	}
	tx.AfterCommit(func() { s.cache.Invalidate(doc.ID); s.top.InvalidateAll() })
	return nil
}

func (s *Service) applyRating(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	var ev reviewsapi.RatingChangedEvent
	if err := env.Decode(&ev); err != nil {
		return events.Permanent(err)
	}
	r, err := ratingOf(ev)
	if err != nil || (env.Subject != "" && env.Subject != ev.MovieID) {
		if err == nil {
			err = errors.New("the envelope is about another movie")
		}
		return events.Permanent(fmt.Errorf("%s %s: %w", env.Type, env.ID, err))
	}
	stats, err := s.store.LockStats(ctx, tx)
	if err != nil {
		return err
	}
	st, err := s.store.LockMovie(ctx, tx, ev.MovieID)
	if err != nil {
		return err
	}
	if r.Version <= st.Rating.Version {
		return nil // an older (or the same) summary arrived late
	}
	before := stats
	stats = addContribution(stats, st.Live, st.Rating, -1)
	stats = addContribution(stats, st.Live, r, +1)
	m, c, recompute := s.weighting(stats)

	var doc, summary []byte
	var movie catalogapi.Movie
	if st.Doc != nil {
		if err := json.Unmarshal(st.Doc, &movie); err != nil {
			return fmt.Errorf("stored document of movie %s: %w", ev.MovieID, err)
		}
		movie.RatingSummary = ratingSummary(r)
		if doc, summary, err = movieDocs(movie); err != nil {
			return err
		}
	}
	if err := s.store.PutMovieRating(ctx, tx, ev.MovieID, st.Live, r, weightedRating(r, m, c), doc, summary); err != nil {
		return err
	}
	if st.Live {
		item, err := json.Marshal(movieSearchResult(movie, r))
		if err != nil {
			return err
		}
		if err := s.store.SetSearchItem(ctx, tx, store.KindMovie, ev.MovieID, item, r.Count); err != nil {
			return err
		}
	}
	if err := s.finishStats(ctx, tx, before, stats, m, c, recompute); err != nil {
		return err
	}
	tx.AfterCommit(func() { s.cache.Invalidate(ev.MovieID); s.top.InvalidateAll() })
	return nil
}

func (s *Service) applyPerson(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	var p catalogapi.Person
	if err := env.Decode(&p); err != nil {
		return events.Permanent(err)
	}
	if p.ID == "" || p.Version <= 0 || (env.Subject != "" && env.Subject != p.ID) {
		return events.Permanent(fmt.Errorf("%s %s: person document without id or version, or about another person", env.Type, env.ID))
	}
	// the same order as movie changes (their recounts read people's entries)
	if _, err := s.store.LockStats(ctx, tx); err != nil {
		return err
	}
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

// weighting returns the m and C to compute weighted ratings with, and
// whether every movie's must be recomputed (C drifted, or m changed).
func (s *Service) weighting(st store.Stats) (m int, c float64, recompute bool) {
	m = s.cfg.TopRatedMinVotes
	if st.MUsed != m || math.Abs(st.C()-st.CUsed) > cDrift {
		return m, st.C(), true
	}
	return st.MUsed, st.CUsed, false
}

// finishStats recomputes every weighted rating when needed and saves the totals.
func (s *Service) finishStats(ctx context.Context, tx *sqldb.Tx, before, after store.Stats, m int, c float64, recompute bool) error {
	if recompute {
		if err := s.store.RecomputeWeightedRatings(ctx, tx, m, c); err != nil {
			return err
		}
		after.MUsed, after.CUsed = m, c
	}
	if after == before {
		return nil
	}
	return s.store.SaveStats(ctx, tx, after)
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
		if err := s.store.RecomputeWeightedRatings(ctx, tx, m, c); err != nil {
			return err
		}
		st.MUsed, st.CUsed = m, c
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
