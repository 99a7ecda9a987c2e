package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/store"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// The conformance suite: every test runs on SQLite and on PostgreSQL
// (MARQUEE_TEST_POSTGRES_URL) against a fresh, migrated database.

// genres the migration seeds (of 24)
var (
	action = catalogapi.Genre{ID: "01a1fcbc-70bb-798b-87c3-a3458c2f28cd", Slug: "action", Name: "Action"}
	drama  = catalogapi.Genre{ID: "01a1fcbc-70bb-7a4f-9de0-51c7be1597f5", Slug: "drama", Name: "Drama"}
	comedy = catalogapi.Genre{ID: "01a1fcbc-70bb-7a42-997c-37c42f506e61", Slug: "comedy", Name: "Comedy"}
)

type fixture struct {
	ctx context.Context
	db  *sqldb.DB
	st  store.Store
	now time.Time
}

func forEachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		require.NoError(t, sqldb.Migrate(ctx, db, "catalog", store.Migrations))
		st, err := store.New(db)
		require.NoError(t, err)
		require.Equal(t, db.Engine(), st.Engine())
		fn(t, &fixture{ctx: ctx, db: db, st: st, now: sqldb.Timestamp(time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC))})
	})
}

func newID(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	require.NoError(t, err)
	return id.String()
}

func (f *fixture) person(t *testing.T, name string, actor bool) string {
	t.Helper()
	id := newID(t)
	require.NoError(t, f.st.CreatePerson(f.ctx, f.db, store.NewPerson{ID: id, Fields: catalogapi.PersonWrite{Name: name}, ListedAsActor: actor, Now: f.now}))
	return id
}

func (f *fixture) movie(t *testing.T, w catalogapi.MovieWrite) string {
	t.Helper()
	id := newID(t)
	require.NoError(t, f.st.CreateMovie(f.ctx, f.db, store.NewMovie{ID: id, Fields: w, Now: f.now}))
	return id
}

func intp(n int) *int { return &n }

func TestGenres(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		got, err := f.st.ListGenres(f.ctx, f.db)
		require.NoError(t, err)
		require.Len(t, got, 24, "the migration seeds the fixed list")
		require.Contains(t, got, drama)
		require.True(t, slices.IsSortedFunc(got, func(a, b catalogapi.Genre) int { return strings.Compare(a.Name, b.Name) }))

		// the seed is idempotent by slug: running it again (as a fresh
		// migration bookkeeping would) keeps one row per slug
		seed, err := store.Migrations.ReadFile(string(f.db.Engine()) + "/0002_genres.sql")
		require.NoError(t, err)
		_, err = f.db.ExecContext(f.ctx, string(seed))
		require.NoError(t, err)
		again, err := f.st.ListGenres(f.ctx, f.db)
		require.NoError(t, err)
		require.Equal(t, got, again)

		missing, err := f.st.MissingGenres(f.ctx, f.db, []string{drama.ID, "nope"})
		require.NoError(t, err)
		require.Equal(t, map[string]bool{"nope": true}, missing)
	})
}

func TestMovieLifecycle(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann := f.person(t, "Ann Actor", true)
		bob := f.person(t, "Bob Director", false)
		w := catalogapi.MovieWrite{
			Title: "Heat", OriginalTitle: "Heat (orig)", Overview: "A heist.", ReleaseDate: "1995-12-15",
			RuntimeMinutes: intp(170), MaturityRating: "R", Languages: []string{"en", "es"},
			PosterURL: "https://img.example/heat.jpg", GenreIDs: []string{drama.ID, action.ID},
			Cast: []catalogapi.CastWrite{{PersonID: ann, Character: "Eady", Order: intp(2)}, {PersonID: bob, Character: "Cameo", Order: intp(1)}},
			Crew: []catalogapi.CrewWrite{{PersonID: bob, Job: "Director"}, {PersonID: bob, Job: "Writer"}},
		}
		id := f.movie(t, w)

		m, err := f.st.GetMovie(f.ctx, f.db, id, false)
		require.NoError(t, err)
		release, poster := "1995-12-15", "https://img.example/heat.jpg"
		require.Equal(t, catalogapi.Movie{
			ID: id, Title: "Heat", OriginalTitle: "Heat (orig)", Overview: "A heist.", ReleaseDate: &release,
			RuntimeMinutes: intp(170), MaturityRating: "R", Languages: []string{"en", "es"}, PosterURL: &poster,
			Genres: []catalogapi.Genre{drama, action},
			Cast: []catalogapi.CastCredit{
				{PersonID: bob, Name: "Bob Director", Character: "Cameo", Order: 1},
				{PersonID: ann, Name: "Ann Actor", Character: "Eady", Order: 2},
			},
			Crew:          []catalogapi.CrewCredit{{PersonID: bob, Name: "Bob Director", Job: "Director"}, {PersonID: bob, Name: "Bob Director", Job: "Writer"}},
			RatingSummary: catalogapi.EmptyRatingSummary(),
			Version:       1, CreatedAt: f.now, UpdatedAt: f.now,
		}, m)

		// update replaces fields and links, bumps the version
		later := f.now.Add(time.Minute)
		require.NoError(t, f.st.UpdateMovie(f.ctx, f.db, id, catalogapi.MovieWrite{Title: "Heat 2", GenreIDs: []string{comedy.ID}}, later))
		m, err = f.st.GetMovie(f.ctx, f.db, id, false)
		require.NoError(t, err)
		require.Equal(t, "Heat 2", m.Title)
		require.Nil(t, m.ReleaseDate)
		require.Nil(t, m.RuntimeMinutes)
		require.Nil(t, m.PosterURL)
		require.Equal(t, []string{}, m.Languages)
		require.Equal(t, []catalogapi.Genre{comedy}, m.Genres)
		require.Empty(t, m.Cast)
		require.Empty(t, m.Crew)
		require.Equal(t, int64(2), m.Version)
		require.Equal(t, f.now, m.CreatedAt)
		require.Equal(t, later, m.UpdatedAt)

		// soft delete
		require.NoError(t, f.st.SoftDeleteMovie(f.ctx, f.db, id, later))
		_, err = f.st.GetMovie(f.ctx, f.db, id, false)
		require.ErrorIs(t, err, store.ErrNotFound)
		m, err = f.st.GetMovie(f.ctx, f.db, id, true)
		require.NoError(t, err)
		require.NotNil(t, m.DeletedAt)
		require.Equal(t, later, *m.DeletedAt)
		require.Equal(t, int64(3), m.Version)
		require.ErrorIs(t, f.st.SoftDeleteMovie(f.ctx, f.db, id, later), store.ErrNotFound, "already deleted")
		require.ErrorIs(t, f.st.UpdateMovie(f.ctx, f.db, id, catalogapi.MovieWrite{Title: "x"}, later), store.ErrNotFound, "deleted movies are not updated")

		// restore
		restored, err := f.st.RestoreMovie(f.ctx, f.db, id, later)
		require.NoError(t, err)
		require.True(t, restored)
		restored, err = f.st.RestoreMovie(f.ctx, f.db, id, later)
		require.NoError(t, err)
		require.False(t, restored, "not deleted any more")
		m, err = f.st.GetMovie(f.ctx, f.db, id, false)
		require.NoError(t, err)
		require.Nil(t, m.DeletedAt)
		require.Equal(t, int64(4), m.Version)

		_, err = f.st.RestoreMovie(f.ctx, f.db, newID(t), later)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = f.st.GetMovie(f.ctx, f.db, newID(t), true)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, f.st.UpdateMovie(f.ctx, f.db, newID(t), catalogapi.MovieWrite{Title: "x"}, later), store.ErrNotFound)
	})
}

func TestPeopleAndCredits(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann := f.person(t, "Ann", false)
		m1 := f.movie(t, catalogapi.MovieWrite{Title: "First", ReleaseDate: "2001-01-01", Cast: []catalogapi.CastWrite{{PersonID: ann, Character: "Hero", Order: intp(0)}}})
		m2 := f.movie(t, catalogapi.MovieWrite{Title: "Second", ReleaseDate: "2005-05-05", Crew: []catalogapi.CrewWrite{{PersonID: ann, Job: "Director"}}})
		m3 := f.movie(t, catalogapi.MovieWrite{Title: "Undated", Cast: []catalogapi.CastWrite{{PersonID: ann, Order: intp(0)}}})

		p, err := f.st.GetPerson(f.ctx, f.db, ann, false)
		require.NoError(t, err)
		d1, d2 := "2001-01-01", "2005-05-05"
		require.Equal(t, []catalogapi.FilmographyEntry{
			{MovieID: m2, Title: "Second", ReleaseDate: &d2, Credit: "crew", Job: "Director"},
			{MovieID: m1, Title: "First", ReleaseDate: &d1, Credit: "cast", Character: "Hero"},
			{MovieID: m3, Title: "Undated", Credit: "cast"},
		}, p.Filmography, "newest first, unknown dates last")

		ids, err := f.st.MovieIDsCrediting(f.ctx, f.db, ann)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{m1, m2, m3}, ids)

		// a deleted movie leaves the filmography and the crediting list
		require.NoError(t, f.st.SoftDeleteMovie(f.ctx, f.db, m3, f.now))
		p, err = f.st.GetPerson(f.ctx, f.db, ann, false)
		require.NoError(t, err)
		require.Len(t, p.Filmography, 2)
		ids, err = f.st.MovieIDsCrediting(f.ctx, f.db, ann)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{m1, m2}, ids)

		// rename
		later := f.now.Add(time.Hour)
		lp, err := f.lockPerson(ann)
		require.NoError(t, err)
		require.Equal(t, store.LockedPerson{Name: "Ann"}, lp)
		require.NoError(t, f.st.UpdatePerson(f.ctx, f.db, ann, catalogapi.PersonWrite{Name: "Ann B.", BirthDate: "1970-02-03", PhotoURL: "http://x.example/a.png"}, later))
		p, err = f.st.GetPerson(f.ctx, f.db, ann, false)
		require.NoError(t, err)
		require.Equal(t, "Ann B.", p.Name)
		require.Equal(t, "1970-02-03", *p.BirthDate)
		require.Equal(t, int64(2), p.Version)
		m, err := f.st.GetMovie(f.ctx, f.db, m1, false)
		require.NoError(t, err)
		require.Equal(t, "Ann B.", m.Cast[0].Name, "credits show the current name")

		require.NoError(t, f.st.TouchMovies(f.ctx, f.db, []string{m1, m2, m3}, later))
		m, err = f.st.GetMovie(f.ctx, f.db, m1, false)
		require.NoError(t, err)
		require.Equal(t, int64(2), m.Version)
		require.Equal(t, later, m.UpdatedAt)
		m, err = f.st.GetMovie(f.ctx, f.db, m3, true)
		require.NoError(t, err)
		require.Equal(t, int64(2), m.Version, "deleted movies are not touched (1 create + 1 delete)")

		// a deleted person leaves the credit lists, the rows stay
		require.NoError(t, f.st.SoftDeletePerson(f.ctx, f.db, ann, later))
		lp, err = f.lockPerson(ann)
		require.NoError(t, err)
		require.True(t, lp.Deleted)
		_, err = f.st.GetPerson(f.ctx, f.db, ann, false)
		require.ErrorIs(t, err, store.ErrNotFound)
		m, err = f.st.GetMovie(f.ctx, f.db, m1, false)
		require.NoError(t, err)
		require.Empty(t, m.Cast)
		missing, err := f.st.MissingPeople(f.ctx, f.db, []string{ann})
		require.NoError(t, err)
		require.True(t, missing[ann], "deleted people cannot be credited")
		ids, err = f.st.MovieIDsCrediting(f.ctx, f.db, ann)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{m1, m2}, ids, "a deleted person's movies are still found")
		require.ErrorIs(t, f.st.UpdatePerson(f.ctx, f.db, ann, catalogapi.PersonWrite{Name: "x"}, later), store.ErrNotFound)

		restored, err := f.st.RestorePerson(f.ctx, f.db, ann, later)
		require.NoError(t, err)
		require.True(t, restored)
		m, err = f.st.GetMovie(f.ctx, f.db, m1, false)
		require.NoError(t, err)
		require.Len(t, m.Cast, 1, "credits come back with the person")

		_, err = f.lockPerson(newID(t))
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestImportKeys(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		id := newID(t)
		require.NoError(t, f.st.CreateMovie(f.ctx, f.db, store.NewMovie{ID: id, Fields: catalogapi.MovieWrite{Title: "Heat"}, ImportKey: "heat|1995-12-15", Now: f.now}))
		got, err := f.st.MovieIDByImportKey(f.ctx, f.db, "heat|1995-12-15")
		require.NoError(t, err)
		require.Equal(t, id, got)
		_, err = f.st.MovieIDByImportKey(f.ctx, f.db, "heat|")
		require.ErrorIs(t, err, store.ErrNotFound)
		err = f.st.CreateMovie(f.ctx, f.db, store.NewMovie{ID: newID(t), Fields: catalogapi.MovieWrite{Title: "Heat"}, ImportKey: "heat|1995-12-15", Now: f.now})
		require.ErrorIs(t, err, store.ErrDuplicateImportKey)
		// movies without a key never collide
		f.movie(t, catalogapi.MovieWrite{Title: "A"})
		f.movie(t, catalogapi.MovieWrite{Title: "A"})

		pid := newID(t)
		require.NoError(t, f.st.CreatePerson(f.ctx, f.db, store.NewPerson{ID: pid, Fields: catalogapi.PersonWrite{Name: "Michael Mann"}, ImportKey: "michael mann", Now: f.now}))
		ip, err := f.st.PersonByImportKey(f.ctx, f.db, "michael mann")
		require.NoError(t, err)
		require.Equal(t, store.ImportedPerson{ID: pid, Name: "Michael Mann"}, ip)
		require.NoError(t, f.st.SoftDeletePerson(f.ctx, f.db, pid, f.now))
		ip, err = f.st.PersonByImportKey(f.ctx, f.db, "michael mann")
		require.NoError(t, err)
		require.True(t, ip.Deleted)
		_, err = f.st.PersonByImportKey(f.ctx, f.db, "nobody")
		require.ErrorIs(t, err, store.ErrNotFound)
		err = f.st.CreatePerson(f.ctx, f.db, store.NewPerson{ID: newID(t), Fields: catalogapi.PersonWrite{Name: "Michael Mann"}, ImportKey: "michael mann", Now: f.now})
		require.ErrorIs(t, err, store.ErrDuplicateImportKey)
	})
}

// walkMovies reads every page of q with the given page size.
func walkMovies(t *testing.T, f *fixture, q store.MovieQuery, size int) []string {
	t.Helper()
	var ids []string
	q.After = nil
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100, "pagination does not end")
		q.Limit = size + 1
		items, err := f.st.ListMovies(f.ctx, f.db, q)
		require.NoError(t, err)
		more := len(items) > size
		if more {
			items = items[:size]
		}
		for _, m := range items {
			ids = append(ids, m.ID)
		}
		if !more {
			return ids
		}
		q.After = store.MovieSortKey(q.Sort, q.Desc, items[len(items)-1])
	}
}

func TestListMovies(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann := f.person(t, "Ann", true)
		type film struct {
			id, title, date string
			created         time.Time
		}
		// duplicate titles and dates, mixed case, unknown dates, LIKE wildcards
		specs := []struct{ title, date string }{
			{"alpha", "2001-05-01"}, {"Beta", "1999-01-01"}, {"beta", "1999-01-01"}, {"Gamma", ""},
			{"delta 100%", "2010-10-10"}, {"Épsilon", "2001-05-01"}, {"zeta_z", ""}, {"Eta", "1950-02-02"},
			{"alpha", "1950-02-02"}, {"Theta", "2030-01-01"}, {"iota", "2001-12-31"},
		}
		var films []film
		for i, sp := range specs {
			w := catalogapi.MovieWrite{Title: sp.title, ReleaseDate: sp.date}
			if i%2 == 0 {
				w.GenreIDs = []string{drama.ID}
			}
			if i%3 == 0 {
				w.Cast = []catalogapi.CastWrite{{PersonID: ann, Order: intp(0)}}
			}
			created := f.now.Add(time.Duration(i%4) * time.Second) // ties on created_at too
			id := newID(t)
			require.NoError(t, f.st.CreateMovie(f.ctx, f.db, store.NewMovie{ID: id, Fields: w, Now: created}))
			films = append(films, film{id, sp.title, sp.date, created})
		}
		deleted := f.movie(t, catalogapi.MovieWrite{Title: "Deleted", ReleaseDate: "2001-01-01", GenreIDs: []string{drama.ID}})
		require.NoError(t, f.st.SoftDeleteMovie(f.ctx, f.db, deleted, f.now))

		ordered := func(less func(a, b film) int) []string {
			s := slices.Clone(films)
			slices.SortFunc(s, less)
			ids := make([]string, len(s))
			for i, x := range s {
				ids[i] = x.id
			}
			return ids
		}
		key := func(x film) string { return strings.ToLower(x.title) }
		byTitle := ordered(func(a, b film) int {
			return cmpAll(strings.Compare(key(a), key(b)), strings.Compare(a.id, b.id))
		})
		yearAsc := func(x film) string {
			if x.date == "" {
				return "~"
			}
			return x.date
		}
		byYearAsc := ordered(func(a, b film) int {
			return cmpAll(strings.Compare(yearAsc(a), yearAsc(b)), strings.Compare(key(a), key(b)), strings.Compare(a.id, b.id))
		})
		byYearDesc := ordered(func(a, b film) int {
			return -cmpAll(strings.Compare(a.date, b.date), strings.Compare(key(a), key(b)), strings.Compare(a.id, b.id))
		})
		byCreated := ordered(func(a, b film) int {
			return cmpAll(a.created.Compare(b.created), strings.Compare(a.id, b.id))
		})

		for _, tc := range []struct {
			sort store.MovieSort
			desc bool
			want []string
		}{
			{store.SortTitle, false, byTitle},
			{store.SortTitle, true, reversed(byTitle)},
			{store.SortYear, false, byYearAsc},
			{store.SortYear, true, byYearDesc},
			{store.SortCreated, false, byCreated},
			{store.SortCreated, true, reversed(byCreated)},
			{store.SortRating, true, byTitle},
			{store.SortPopularity, false, byTitle},
		} {
			for _, size := range []int{1, 3, 100} {
				got := walkMovies(t, f, store.MovieQuery{Sort: tc.sort, Desc: tc.desc}, size)
				require.Equal(t, tc.want, got, "sort %s desc=%v page size %d", tc.sort, tc.desc, size)
			}
		}

		title := func(ids []string) []string {
			out := make([]string, len(ids))
			for i, id := range ids {
				for _, x := range films {
					if x.id == id {
						out[i] = x.title
					}
				}
				if id == deleted {
					out[i] = "Deleted"
				}
			}
			return out
		}
		for _, tc := range []struct {
			name string
			q    store.MovieQuery
			want []string
		}{
			{"text case-insensitive", store.MovieQuery{Text: "BET"}, []string{"Beta", "beta"}},
			{"text non-ASCII", store.MovieQuery{Text: "éps"}, []string{"Épsilon"}},
			{"percent is literal", store.MovieQuery{Text: "0%"}, []string{"delta 100%"}},
			{"underscore is literal", store.MovieQuery{Text: "a_"}, []string{"zeta_z"}},
			{"genre slug", store.MovieQuery{Genre: "drama"}, []string{"alpha", "alpha", "beta", "delta 100%", "iota", "zeta_z"}},
			{"genre id", store.MovieQuery{Genre: drama.ID, Text: "alpha"}, []string{"alpha", "alpha"}},
			{"unknown genre", store.MovieQuery{Genre: "western"}, nil},
			{"year range", store.MovieQuery{YearFrom: 1999, YearTo: 2001, Sort: store.SortYear}, []string{"Beta", "beta", "alpha", "Épsilon", "iota"}},
			{"year from", store.MovieQuery{YearFrom: 2010}, []string{"delta 100%", "Theta"}},
			{"year to excludes unknown dates", store.MovieQuery{YearTo: 1950}, []string{"alpha", "Eta"}},
			{"person", store.MovieQuery{PersonID: ann}, []string{"alpha", "Gamma", "Theta", "zeta_z"}},
			{"match nothing", store.MovieQuery{MatchNothing: true}, nil},
			{"include deleted", store.MovieQuery{IncludeDeleted: true, YearFrom: 2001, YearTo: 2001}, []string{"alpha", "Deleted", "iota", "Épsilon"}},
		} {
			got := walkMovies(t, f, tc.q, 2)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			gotTitles := title(got)
			if gotTitles == nil {
				gotTitles = []string{}
			}
			require.Equal(t, want, gotTitles, tc.name)
		}

		items, err := f.st.ListMovies(f.ctx, f.db, store.MovieQuery{Genre: "drama", Text: "iota", Limit: 5})
		require.NoError(t, err)
		require.Len(t, items, 1)
		require.Equal(t, []catalogapi.Genre{drama}, items[0].Genres, "list items carry their genres")

		_, err = f.st.ListMovies(f.ctx, f.db, store.MovieQuery{After: []string{"only one"}, Limit: 5})
		require.ErrorIs(t, err, store.ErrBadPosition)
		_, err = f.st.ListMovies(f.ctx, f.db, store.MovieQuery{Sort: store.SortCreated, After: []string{"not a time", "x"}, Limit: 5})
		require.ErrorIs(t, err, store.ErrBadPosition)
	})
}

func TestListPeople(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		listed := f.person(t, "Listed Actor", true)
		cast := f.person(t, "cast member", false)
		director := f.person(t, "Director Only", false)
		castOnDeleted := f.person(t, "Cast On Deleted", false)
		gone := f.person(t, "Gone Actor", true)
		f.movie(t, catalogapi.MovieWrite{Title: "M", Cast: []catalogapi.CastWrite{{PersonID: cast, Order: intp(0)}}, Crew: []catalogapi.CrewWrite{{PersonID: director, Job: "Director"}}})
		dm := f.movie(t, catalogapi.MovieWrite{Title: "D", Cast: []catalogapi.CastWrite{{PersonID: castOnDeleted, Order: intp(0)}}})
		require.NoError(t, f.st.SoftDeleteMovie(f.ctx, f.db, dm, f.now))
		require.NoError(t, f.st.SoftDeletePerson(f.ctx, f.db, gone, f.now))

		walk := func(q store.PersonQuery, size int) []string {
			var names []string
			for pages := 0; ; pages++ {
				require.Less(t, pages, 100)
				q.Limit = size + 1
				items, err := f.st.ListPeople(f.ctx, f.db, q)
				require.NoError(t, err)
				more := len(items) > size
				if more {
					items = items[:size]
				}
				for _, p := range items {
					names = append(names, p.Name)
				}
				if !more {
					return names
				}
				q.After = store.PersonSortKey(q.Sort, items[len(items)-1])
			}
		}
		require.Equal(t, []string{"cast member", "Listed Actor"}, walk(store.PersonQuery{ActorsOnly: true}, 1))
		require.Equal(t, []string{"cast member", "Cast On Deleted", "Director Only", "Listed Actor"}, walk(store.PersonQuery{}, 1))
		require.Equal(t, []string{"Listed Actor", "Gone Actor", "Director Only", "Cast On Deleted", "cast member"}, walk(store.PersonQuery{IncludeDeleted: true, Desc: true}, 2))
		require.Equal(t, []string{"Gone Actor", "Listed Actor"}, walk(store.PersonQuery{IncludeDeleted: true, Text: "ACTOR"}, 1))
		byCreated := walk(store.PersonQuery{Sort: store.SortPersonCreated}, 2)
		require.Equal(t, []string{"Listed Actor", "cast member", "Director Only", "Cast On Deleted"}, byCreated, "same created_at: ids (UUIDv7) break the tie")
		_ = listed
	})
}

func cmpAll(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestTimestampsRoundTrip(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		for i, ts := range []time.Time{
			time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.FixedZone("x", 3600)),
			sqldb.Timestamp(time.Now()),
		} {
			ts = sqldb.Timestamp(ts)
			id := newID(t)
			require.NoError(t, f.st.CreateMovie(f.ctx, f.db, store.NewMovie{ID: id, Fields: catalogapi.MovieWrite{Title: fmt.Sprint(i)}, Now: ts}))
			m, err := f.st.GetMovie(f.ctx, f.db, id, false)
			require.NoError(t, err)
			require.True(t, ts.Equal(m.CreatedAt), "%v != %v", ts, m.CreatedAt)
			require.Equal(t, time.UTC, m.CreatedAt.Location())
		}
	})
}

// lockPerson runs LockPerson in a transaction of its own.
func (f *fixture) lockPerson(id string) (lp store.LockedPerson, err error) {
	err = f.st.InTx(f.ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		lp, err = f.st.LockPerson(ctx, tx, id)
		return err
	})
	return lp, err
}
