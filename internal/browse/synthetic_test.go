package browse

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/browse/store"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// SyntheticSpec describes generated data for benchmarks (test-only code:
// it writes the read model directly with store.BulkLoad).
type SyntheticSpec struct {
	Movies  int   // movies to generate
	People  int   // the pool cast and crew come from (default Movies/2, at least 10)
	Reviews int   // ratings spread over the movies, as if from this many reviews
	BigCast int   // every BigCast-th movie has 200 cast members (0: none)
	Seed    int64 // the same seed generates the same data
}

// SyntheticData describes what LoadSynthetic generated, for benchmarks to query.
type SyntheticData struct {
	MovieIDs  []string
	PersonIDs []string
	Titles    []string           // of MovieIDs
	Names     []string           // of PersonIDs
	Genres    []catalogapi.Genre // the most populated first
	// GenreMovies counts the movies of each genre id.
	GenreMovies map[string]int
	Took        time.Duration
}

// LoadSynthetic generates movies (titles from a made-up vocabulary with a
// Zipf word frequency, 1–3 genres of 24 with skewed sizes, release dates
// 1920–2025, 3–8 cast members from the people pool, popular actors more
// often, a director) and rating summaries as if from spec.Reviews reviews
// (popularity Zipf-like over the movies, ratings around a per-movie
// quality), and writes them DIRECTLY into an empty browse read model with
// the store's bulk loader: the same rows the event handlers would write,
// without events. Genre counts, the rating totals and every weighted rating
// are computed at the end.
func (s *Service) LoadSynthetic(ctx context.Context, spec SyntheticSpec) (SyntheticData, error) {
	start := time.Now()
	if spec.Movies <= 0 {
		return SyntheticData{}, fmt.Errorf("synthetic data: Movies must be positive")
	}
	if spec.People <= 0 {
		spec.People = max(spec.Movies/2, 10)
	}
	rng := rand.New(rand.NewSource(spec.Seed))
	// UUIDv7 ids in creation order, as the catalog makes them (and so
	// appended at the end of the primary key indexes)
	clock := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	newUUID := func() string {
		var b [16]byte
		_, _ = rng.Read(b[:])
		clock++
		for i := 0; i < 6; i++ {
			b[i] = byte(clock >> (40 - 8*i))
		}
		b[6] = b[6]&0x0f | 0x70
		b[8] = b[8]&0x3f | 0x80
		return uuid.UUID(b).String()
	}
	data := SyntheticData{GenreMovies: map[string]int{}}
	vocab := syntheticWords(rng, 6000)
	titleWord := rand.NewZipf(rng, 1.15, 20, uint64(len(vocab)-1))

	// genres: sizes skewed like a real catalog (drama large, westerns small)
	genreNames := []string{"Drama", "Comedy", "Thriller", "Action", "Romance", "Crime", "Horror", "Adventure", "Documentary",
		"Family", "Mystery", "Fantasy", "Science Fiction", "Animation", "History", "War", "Music", "Biography",
		"Sport", "Musical", "Western", "Film Noir", "Short", "Experimental"}
	genres := make([]catalogapi.Genre, len(genreNames))
	genreWeight := make([]float64, len(genreNames))
	for i, n := range genreNames {
		genres[i] = catalogapi.Genre{ID: newUUID(), Slug: strings.ReplaceAll(strings.ToLower(n), " ", "-"), Name: n}
		genreWeight[i] = 1 / math.Pow(float64(i+1), 0.9)
	}
	pickGenre := weightedPicker(genreWeight)

	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	firstNames := syntheticWords(rng, 400)
	people := make([]catalogapi.Person, spec.People)
	for i := range people {
		name := capitalise(firstNames[rng.Intn(len(firstNames))]) + " " + capitalise(vocab[rng.Intn(len(vocab))])
		created := base.Add(time.Duration(i) * time.Second)
		people[i] = catalogapi.Person{ID: newUUID(), Name: name, Filmography: []catalogapi.FilmographyEntry{},
			Version: 1, CreatedAt: created, UpdatedAt: created}
		if i%3 == 0 {
			d := fmt.Sprintf("%04d-%02d-%02d", 1930+rng.Intn(80), 1+rng.Intn(12), 1+rng.Intn(28))
			people[i].BirthDate = &d
		}
		data.PersonIDs = append(data.PersonIDs, people[i].ID)
		data.Names = append(data.Names, name)
	}
	actor := rand.NewZipf(rng, 1.1, 400, uint64(spec.People-1)) // busy actors have a few hundred credits

	// popularity: how many of the reviews each movie gets
	pop := make([]float64, spec.Movies)
	for i := range pop {
		pop[i] = 1 / math.Pow(1+rng.Float64()*float64(spec.Movies), 0.8)
	}
	pickMovie := weightedPicker(pop)
	hist := make([][10]int, spec.Movies)
	quality := make([]float64, spec.Movies)
	for i := range quality {
		quality[i] = min(9.5, max(2, rng.NormFloat64()*1.4+6.6))
	}
	for i := 0; i < spec.Reviews; i++ {
		m := pickMovie(rng)
		r := int(math.Round(quality[m] + rng.NormFloat64()*1.6))
		hist[m][min(10, max(1, r))-1]++
	}

	bulk := store.Bulk{Genres: genres}
	personMovies := make([]map[string]bool, spec.People)
	for i := 0; i < spec.Movies; i++ {
		words := 1 + rng.Intn(4)
		parts := make([]string, 0, words+1)
		if rng.Intn(5) == 0 {
			parts = append(parts, "The")
		}
		for w := 0; w < words; w++ {
			parts = append(parts, capitalise(vocab[titleWord.Uint64()]))
		}
		created := base.Add(time.Duration(i) * time.Second)
		m := catalogapi.Movie{
			ID: newUUID(), Title: strings.Join(parts, " "), Languages: []string{"en"},
			Overview: "A synthetic movie.", MaturityRating: "PG-13", Genres: []catalogapi.Genre{},
			Cast: []catalogapi.CastCredit{}, Crew: []catalogapi.CrewCredit{}, Version: 1, CreatedAt: created, UpdatedAt: created,
		}
		if rng.Intn(20) != 0 {
			d := fmt.Sprintf("%04d-%02d-%02d", 1920+rng.Intn(106), 1+rng.Intn(12), 1+rng.Intn(28))
			m.ReleaseDate = &d
		}
		runtime := 80 + rng.Intn(80)
		m.RuntimeMinutes = &runtime
		seen := map[int]bool{}
		for g := 1 + rng.Intn(3); len(m.Genres) < g; {
			k := pickGenre(rng)
			if !seen[k] {
				seen[k] = true
				m.Genres = append(m.Genres, genres[k])
				data.GenreMovies[genres[k].ID]++
			}
		}
		cast := 3 + rng.Intn(6)
		if spec.BigCast > 0 && i%spec.BigCast == 0 {
			cast = 200
		}
		inCast := map[int]bool{}
		for len(m.Cast) < min(cast, spec.People) {
			p := int(actor.Uint64())
			if cast == 200 {
				p = rng.Intn(spec.People)
			}
			if inCast[p] {
				continue
			}
			inCast[p] = true
			m.Cast = append(m.Cast, catalogapi.CastCredit{PersonID: people[p].ID, Name: people[p].Name, Character: "Character " + fmt.Sprint(len(m.Cast)+1), Order: len(m.Cast)})
			markCredit(personMovies, p, m.ID)
		}
		d := rng.Intn(spec.People)
		m.Crew = append(m.Crew, catalogapi.CrewCredit{PersonID: people[d].ID, Name: people[d].Name, Job: "Director"})
		markCredit(personMovies, d, m.ID)

		r := syntheticRating(hist[i])
		rec, err := movieRecord(m, r, 0)
		if err != nil {
			return data, err
		}
		bulk.Movies = append(bulk.Movies, rec)
		entry, err := movieSearchEntry(m, r)
		if err != nil {
			return data, err
		}
		bulk.Search = append(bulk.Search, entry)
		data.MovieIDs = append(data.MovieIDs, m.ID)
		data.Titles = append(data.Titles, m.Title)
	}
	for i, p := range people {
		rec, err := personRecord(p)
		if err != nil {
			return data, err
		}
		bulk.People = append(bulk.People, rec)
		entry, err := personSearchEntry(p, len(personMovies[i]))
		if err != nil {
			return data, err
		}
		bulk.Search = append(bulk.Search, entry)
	}
	if err := store.BulkLoad(ctx, s.db, bulk); err != nil {
		return data, fmt.Errorf("synthetic data: %w", err)
	}
	ids := make([]string, len(genres))
	for i, g := range genres {
		ids[i] = g.ID
	}
	if err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error { return s.store.RecountGenres(ctx, tx, ids) }); err != nil {
		return data, err
	}
	if err := s.RefreshTopRated(ctx); err != nil {
		return data, err
	}
	s.cache.InvalidateAll()
	s.top.InvalidateAll()
	data.Genres = genres
	data.Took = time.Since(start)
	return data, nil
}

func markCredit(personMovies []map[string]bool, p int, movieID string) {
	if personMovies[p] == nil {
		personMovies[p] = map[string]bool{}
	}
	personMovies[p][movieID] = true
}

// syntheticRating is the summary of per-star counts, as reviews would send it.
func syntheticRating(counts [10]int) store.Rating {
	var sum int64
	for i, n := range counts {
		sum += int64(i+1) * int64(n)
	}
	s := reviewsapi.NewRatingSummary(counts, sum)
	r := store.Rating{Count: s.Count, Sum: sum, Average: s.Average, Histogram: s.Histogram}
	if r.Count > 0 {
		r.Version = 1
	}
	return r
}

// syntheticWords makes n distinct pronounceable lower-case words.
func syntheticWords(rng *rand.Rand, n int) []string {
	syllables := []string{"ka", "lo", "mi", "ra", "ne", "to", "su", "vi", "de", "an", "or", "el", "ba", "ri", "ton", "mar",
		"sel", "dor", "lin", "qua", "zen", "fa", "go", "hu", "jo", "ke", "ly", "mo", "nu", "pi", "ro", "sa", "te", "ul",
		"ve", "wa", "xi", "yo", "zu", "bel", "cor", "dan", "fen", "gal", "hal", "ist", "jan", "kor", "lum", "mer"}
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		var b strings.Builder
		for k := 1 + rng.Intn(3); k >= 0; k-- {
			b.WriteString(syllables[rng.Intn(len(syllables))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func capitalise(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// weightedPicker returns a function drawing an index with probability proportional to its weight.
func weightedPicker(weights []float64) func(*rand.Rand) int {
	cum := make([]float64, len(weights))
	total := 0.0
	for i, w := range weights {
		total += w
		cum[i] = total
	}
	return func(rng *rand.Rand) int {
		x := rng.Float64() * total
		lo, hi := 0, len(cum)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo
	}
}
