package store_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/browse/store"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// The conformance suite: every test runs on SQLite and on PostgreSQL
// (MARQUEE_TEST_POSTGRES_URL) against a fresh, migrated database.

var (
	drama = catalogapi.Genre{ID: "01a1fcbc-70bb-7a4f-9de0-51c7be1597f5", Slug: "drama", Name: "Drama"}
	crime = catalogapi.Genre{ID: "01a1fcbc-70bb-7a49-a6cd-77993e0475e4", Slug: "crime", Name: "Crime"}
)

type fixture struct {
	ctx context.Context
	db  *sqldb.DB
	st  store.Store
}

func forEachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		require.NoError(t, sqldb.Migrate(ctx, db, "browse", store.Migrations))
		st, err := store.New(db)
		require.NoError(t, err)
		require.Equal(t, db.Engine(), st.Engine())
		fn(t, &fixture{ctx: ctx, db: db, st: st})
	})
}

func newID(t testing.TB) string {
	t.Helper()
	id, err := uuid.NewV7()
	require.NoError(t, err)
	return id.String()
}

func rating(version int64, ratings ...int) store.Rating {
	r := store.Rating{Version: version, Histogram: map[string]int{}}
	for _, v := range ratings {
		r.Count++
		r.Sum += int64(v)
		r.Histogram[fmt.Sprint(v)]++
	}
	if r.Count > 0 {
		avg := float64(r.Sum) / float64(r.Count)
		r.Average = &avg
	}
	return r
}

// record is a live movie record with made-up documents.
func record(id, title, release string, created int, r store.Rating, genres []string, credits ...store.Credit) store.MovieRecord {
	return store.MovieRecord{
		ID: id, Version: 1, Live: true,
		Keys:   store.MovieKeys{Title: title, TitleKey: store.TitleKey(title), ReleaseKey: release, CreatedKey: fmt.Sprintf("2026-01-01T00:00:%02d.000000Z", created)},
		Rating: r, Doc: []byte(`{"id":"` + id + `","title":"` + title + `"}`), Summary: []byte(`{"id":"` + id + `"}`),
		GenreIDs: genres, Credits: credits,
	}
}

func (f *fixture) put(t *testing.T, ms ...store.MovieRecord) {
	t.Helper()
	require.NoError(t, f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
		for _, m := range ms {
			if err := f.st.PutMovie(f.ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (f *fixture) list(t *testing.T, q store.MovieQuery) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100)
		rows, err := f.st.ListMovies(f.ctx, f.db, q)
		require.NoError(t, err)
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		if len(rows) < q.Limit {
			return ids
		}
		q.After = rows[len(rows)-1].Key
	}
}

func TestMovieRows(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		id := newID(t)
		// a rating first: a placeholder row, not a movie
		require.NoError(t, f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
			st, err := f.st.LockMovie(f.ctx, tx, id)
			require.NoError(t, err)
			require.Equal(t, store.MovieState{}, st)
			return f.st.PutMovieRating(f.ctx, tx, id, false, rating(2, 7, 9), 0, nil, nil)
		}))
		_, err := f.st.MovieDoc(f.ctx, f.db, id)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.Empty(t, f.list(t, store.MovieQuery{Limit: 10}))

		var st store.MovieState
		require.NoError(t, f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
			st, err = f.st.LockMovie(f.ctx, tx, id)
			return err
		}))
		require.Equal(t, int64(0), st.Version)
		require.Equal(t, rating(2, 7, 9).Sum, st.Rating.Sum)
		require.Equal(t, 8.0, *st.Rating.Average)
		require.Equal(t, map[string]int{"7": 1, "9": 1}, st.Rating.Histogram)

		rec := record(id, "Heat", "1995-12-15", 1, st.Rating, []string{drama.ID, crime.ID},
			store.Credit{Kind: "cast", Seq: 0, PersonID: "p1", Character: "Eady", Order: 2},
			store.Credit{Kind: "crew", Seq: 0, PersonID: "p2", Job: "Director"})
		f.put(t, rec)
		d, err := f.st.MovieDoc(f.ctx, f.db, id)
		require.NoError(t, err)
		require.Equal(t, store.MovieDoc{Version: 1, RatingVersion: 2, Live: true, Doc: rec.Doc}, d)
		genres, err := f.st.MovieGenreIDs(f.ctx, f.db, id)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{drama.ID, crime.ID}, genres)
		require.Equal(t, []string{id}, f.list(t, store.MovieQuery{GenreID: drama.ID, Limit: 10}))
		require.Equal(t, []string{id}, f.list(t, store.MovieQuery{PersonID: "p2", Limit: 10}))

		// deleted: the document stays (flagged), the links go
		rec.Version, rec.Live = 2, false
		f.put(t, rec)
		d, err = f.st.MovieDoc(f.ctx, f.db, id)
		require.NoError(t, err)
		require.False(t, d.Live)
		require.Empty(t, f.list(t, store.MovieQuery{GenreID: drama.ID, Limit: 10}))
		require.Empty(t, f.list(t, store.MovieQuery{PersonID: "p2", Limit: 10}))
		film, err := f.st.Filmography(f.ctx, f.db, "p1")
		require.NoError(t, err)
		require.Empty(t, film)
	})
}

func TestListSorts(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		a, b, c, d := newID(t), newID(t), newID(t), newID(t)
		f.put(t,
			record(a, "Alien", "1979-05-25", 4, rating(1, 9, 9), []string{drama.ID}),
			record(b, "brazil", "", 3, rating(1, 9), []string{drama.ID}),
			record(c, "Casablanca", "1942-11-26", 2, rating(0), []string{drama.ID, crime.ID}),
			record(d, "Dune", "1984-12-14", 1, rating(1, 2, 3, 4), nil),
		)
		for _, tc := range []struct {
			sort store.MovieSort
			desc bool
			want []string
		}{
			{store.SortTitle, false, []string{a, b, c, d}},
			{store.SortTitle, true, []string{d, c, b, a}},
			{store.SortYear, true, []string{d, a, c, b}},   // unknown last
			{store.SortYear, false, []string{c, a, d, b}},  // unknown last
			{store.SortRating, true, []string{a, b, d, c}}, // 9 (tie by title, A to Z), 3, unrated last
			{store.SortRating, false, []string{d, a, b, c}},
			{store.SortPopularity, true, []string{d, a, b, c}},
			{store.SortPopularity, false, []string{c, b, a, d}},
			{store.SortCreated, true, []string{a, b, c, d}},
			{store.SortCreated, false, []string{d, c, b, a}},
		} {
			for _, limit := range []int{1, 2, 10} {
				require.Equal(t, tc.want, f.list(t, store.MovieQuery{Sort: tc.sort, Desc: tc.desc, Limit: limit}), "%s desc=%v limit %d", tc.sort, tc.desc, limit)
			}
			var inDrama []string
			for _, id := range tc.want {
				if id != d {
					inDrama = append(inDrama, id)
				}
			}
			require.Equal(t, inDrama, f.list(t, store.MovieQuery{GenreID: drama.ID, Sort: tc.sort, Desc: tc.desc, Limit: 1}), "%s in a genre", tc.sort)
		}
		require.Equal(t, []string{a, b}, f.list(t, store.MovieQuery{RatingMin: 5, Limit: 10}))
		require.Equal(t, []string{a, d}, f.list(t, store.MovieQuery{YearFrom: 1979, Limit: 10}))
		require.Equal(t, []string{c}, f.list(t, store.MovieQuery{YearTo: 1950, GenreID: drama.ID, Limit: 10}))
		require.Equal(t, []string{a, b}, f.list(t, store.MovieQuery{Text: "I", Limit: 10}))
		require.Empty(t, f.list(t, store.MovieQuery{Text: "_", Limit: 10}), "LIKE wildcards are literal")
		require.Empty(t, f.list(t, store.MovieQuery{Nothing: true, Limit: 10}))

		for _, bad := range [][]string{{"x"}, {"x", "y", "z", "w"}} {
			_, err := f.st.ListMovies(f.ctx, f.db, store.MovieQuery{Sort: store.SortTitle, After: bad, Limit: 1})
			require.ErrorIs(t, err, store.ErrBadPosition)
		}
		_, err := f.st.ListMovies(f.ctx, f.db, store.MovieQuery{Sort: store.SortRating, Desc: true, After: []string{"nine", b}, Limit: 1})
		require.ErrorIs(t, err, store.ErrBadPosition)
	})
}

// TestWeightedRatings: the SQL recomputation gives what the service's Go
// formula gives, bit for bit, and the top list follows it.
func TestWeightedRatings(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ids := []string{newID(t), newID(t), newID(t)}
		rs := []store.Rating{rating(1, 10), rating(1, 9, 9, 9, 8, 7, 9, 9), rating(1, 1, 2)}
		for i, id := range ids {
			f.put(t, record(id, fmt.Sprint("M", i), "", i, rs[i], nil))
		}
		var st store.Stats
		require.NoError(t, f.st.InTx(f.ctx, func(ctx context.Context, tx *sqldb.Tx) (err error) {
			st, err = f.st.RecomputeStats(ctx, tx)
			return err
		}))
		require.Equal(t, int64(10+60+3), st.RatingSum)
		require.Equal(t, int64(10), st.RatingCount)
		m, c := 3, st.C()
		// in two ranges, as the background recomputation goes
		last, err := f.st.RecomputeWeightedRatings(f.ctx, f.db, m, c, "", 2)
		require.NoError(t, err)
		require.Equal(t, slices.Sorted(slices.Values(ids))[1], last)
		last, err = f.st.RecomputeWeightedRatings(f.ctx, f.db, m, c, last, 2)
		require.NoError(t, err)
		require.Equal(t, slices.Max(ids), last)
		last, err = f.st.RecomputeWeightedRatings(f.ctx, f.db, m, c, last, 2)
		require.NoError(t, err)
		require.Empty(t, last, "nothing left")
		top, err := f.st.TopRated(f.ctx, f.db, nil, 10)
		require.NoError(t, err)
		require.Len(t, top, 3)
		want := map[string]float64{}
		for i, id := range ids {
			want[id] = (float64(rs[i].Count)*(*rs[i].Average) + float64(m)*c) / (float64(rs[i].Count) + float64(m))
		}
		for i, row := range top {
			require.Equal(t, want[row.ID], row.WR, "bit for bit")
			if i > 0 {
				require.GreaterOrEqual(t, top[i-1].WR, row.WR)
			}
		}
		page, err := f.st.TopRated(f.ctx, f.db, &top[0], 10)
		require.NoError(t, err)
		require.Equal(t, top[1:], page)

		require.False(t, st.Reweighed(), "a fresh model has no complete pass on record")
		st.CUsed, st.MUsed, st.CDone, st.MDone = c, m, c, m
		require.True(t, st.Reweighed())
		require.NoError(t, f.st.SaveStats(f.ctx, f.db, st))
		got, err := f.st.Stats(f.ctx, f.db)
		require.NoError(t, err)
		require.Equal(t, st, got)
	})
}

func TestPeopleAndGenres(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ann, bob := newID(t), newID(t)
		require.NoError(t, f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
			for i, p := range []store.PersonRecord{
				{ID: ann, Version: 1, Live: true, NameKey: "ann", CreatedKey: "2", Doc: []byte(`{"id":"` + ann + `"}`)},
				{ID: bob, Version: 3, Live: true, NameKey: "bob", CreatedKey: "1", Doc: []byte(`{"id":"` + bob + `"}`)},
			} {
				v, err := f.st.LockPerson(f.ctx, tx, p.ID)
				require.NoError(t, err)
				require.Zero(t, v, i)
				if err := f.st.PutPerson(f.ctx, tx, p); err != nil {
					return err
				}
			}
			return f.st.UpsertGenres(f.ctx, tx, []catalogapi.Genre{drama, crime})
		}))
		var v int64
		require.NoError(t, f.st.InTx(f.ctx, func(ctx context.Context, tx *sqldb.Tx) (err error) {
			v, err = f.st.LockPerson(ctx, tx, bob)
			return err
		}))
		require.Equal(t, int64(3), v)
		m := newID(t)
		f.put(t, record(m, "Heat", "1995-12-15", 1, store.Rating{}, []string{drama.ID},
			store.Credit{Kind: "cast", PersonID: ann}, store.Credit{Kind: "crew", PersonID: bob, Job: "Director"}))
		require.NoError(t, f.st.RecountGenres(f.ctx, f.db, []string{drama.ID, crime.ID}))
		genres, err := f.st.ListGenres(f.ctx, f.db)
		require.NoError(t, err)
		require.Equal(t, []browseapi.Genre{{ID: crime.ID, Slug: "crime", Name: "Crime"}, {ID: drama.ID, Slug: "drama", Name: "Drama", MovieCount: 1}}, genres)
		for _, key := range []string{"drama", drama.ID} {
			id, err := f.st.GenreID(f.ctx, f.db, key)
			require.NoError(t, err)
			require.Equal(t, drama.ID, id)
		}
		_, err = f.st.GenreID(f.ctx, f.db, "nope")
		require.ErrorIs(t, err, store.ErrNotFound)

		people := func(q store.PersonQuery) []string {
			rows, err := f.st.ListPeople(f.ctx, f.db, q)
			require.NoError(t, err)
			var out []string
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out
		}
		require.Equal(t, []string{ann, bob}, people(store.PersonQuery{Limit: 10}))
		require.Equal(t, []string{ann}, people(store.PersonQuery{ActorsOnly: true, Limit: 10}))
		require.Equal(t, []string{ann}, people(store.PersonQuery{Sort: store.SortPersonCreated, Desc: true, Limit: 1}))
		require.Equal(t, []string{bob}, people(store.PersonQuery{Text: "O", Limit: 10}))
		film, err := f.st.Filmography(f.ctx, f.db, bob)
		require.NoError(t, err)
		require.Equal(t, []catalogapi.FilmographyEntry{{MovieID: m, Title: "Heat", ReleaseDate: ptr("1995-12-15"), Credit: "crew", Job: "Director"}}, film)
		n, err := f.st.PersonMovies(f.ctx, f.db, ann)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})
}

func ptr[T any](v T) *T { return &v }

func TestSearchCandidates(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		entries := []store.SearchEntry{
			{Kind: store.KindMovie, ID: "m1", Text: "casablanca", Popularity: 5, Item: []byte(`{"kind":"movie"}`)},
			{Kind: store.KindMovie, ID: "m2", Text: "casa de papel", Popularity: 9, Item: []byte(`{}`)},
			{Kind: store.KindMovie, ID: "m3", Text: "the big sleep", Item: []byte(`{}`)},
			{Kind: store.KindPerson, ID: "p1", Text: "casaubon smith", Item: []byte(`{}`)},
		}
		require.NoError(t, f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
			for _, e := range entries {
				if err := f.st.PutSearch(f.ctx, tx, e); err != nil {
					return err
				}
			}
			// replaced, not added
			return f.st.PutSearch(f.ctx, tx, store.SearchEntry{Kind: store.KindMovie, ID: "m3", Text: "the big sleep", Popularity: 1, Item: []byte(`{"x":1}`)})
		}))
		ids := func(words []string, kind string) []string {
			cs, err := f.st.SearchCandidates(f.ctx, f.db, store.SearchQuery{Words: words, Kind: kind, Max: 10})
			require.NoError(t, err)
			var out []string
			for _, c := range cs {
				out = append(out, c.Kind+":"+c.ID)
			}
			return out
		}
		require.Equal(t, []string{"movie:m2", "movie:m1", "person:p1"}, ids([]string{"casa"}, ""), "most popular first")
		require.Equal(t, []string{"person:p1"}, ids([]string{"casa"}, store.KindPerson))
		require.Equal(t, []string{"movie:m2"}, ids([]string{"casa", "pa"}, ""))
		require.Equal(t, []string{"movie:m3"}, ids([]string{"sleep", "big"}, ""))
		require.Empty(t, ids([]string{"b"}, ""), "one letter is a whole word, not a prefix")
		require.Empty(t, ids(nil, ""))

		require.NoError(t, f.st.SetSearchItem(f.ctx, f.db, store.KindMovie, "m1", []byte(`{"kind":"movie","n":2}`), 50))
		items, err := f.st.SearchItems(f.ctx, f.db, []store.Ref{{Kind: store.KindMovie, ID: "m1"}, {Kind: store.KindMovie, ID: "m3"}, {Kind: store.KindMovie, ID: "nope"}})
		require.NoError(t, err)
		require.Equal(t, map[store.Ref][]byte{{Kind: store.KindMovie, ID: "m1"}: []byte(`{"kind":"movie","n":2}`), {Kind: store.KindMovie, ID: "m3"}: []byte(`{"x":1}`)}, items)
		require.Equal(t, []string{"movie:m1", "movie:m2", "person:p1"}, ids([]string{"casa"}, ""))

		require.NoError(t, f.st.DeleteSearch(f.ctx, f.db, store.KindMovie, "m1"))
		require.NoError(t, f.st.DeleteSearch(f.ctx, f.db, store.KindMovie, "m1"))
		require.Equal(t, []string{"movie:m2", "person:p1"}, ids([]string{"casa"}, ""))

		fuzzy, err := f.st.FuzzyCandidates(f.ctx, f.db, store.SearchQuery{Words: []string{"casa", "de", "papl"}, Max: 10})
		require.NoError(t, err)
		if f.st.FuzzySearch(f.ctx, f.db) {
			require.Equal(t, sqldb.Postgres, f.db.Engine())
			require.NotEmpty(t, fuzzy)
			require.Equal(t, "m2", fuzzy[0].ID)
			require.True(t, fuzzy[0].Fuzzy)
		} else {
			require.Empty(t, fuzzy)
		}
	})
}

// TestBulkLoadEqualsRowByRow: the bulk loader leaves exactly what the
// row-by-row writes leave (and the indexes it dropped are back).
func TestBulkLoadEqualsRowByRow(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		ctx := context.Background()
		var bulk store.Bulk
		for i := 0; i < 30; i++ {
			id := fmt.Sprintf("m%02d", i)
			rec := record(id, fmt.Sprint("Title ", i), "", i, rating(1, 1+i%10), []string{drama.ID},
				store.Credit{Kind: "cast", PersonID: fmt.Sprint("p", i%7)})
			rec.Live = i%5 != 0
			bulk.Movies = append(bulk.Movies, rec)
			bulk.Search = append(bulk.Search, store.SearchEntry{Kind: store.KindMovie, ID: id, Text: fmt.Sprint("title ", i), Item: []byte("{}")})
		}
		for i := 0; i < 7; i++ {
			bulk.People = append(bulk.People, store.PersonRecord{ID: fmt.Sprint("p", i), Version: 1, Live: true, NameKey: fmt.Sprint("p", i), CreatedKey: "1", Doc: []byte("{}")})
		}
		bulk.Genres = []catalogapi.Genre{drama}

		open := func() (*sqldb.DB, store.Store) {
			db := sqldbtest.Open(t, engine)
			require.NoError(t, sqldb.Migrate(ctx, db, "browse", store.Migrations))
			st, err := store.New(db)
			require.NoError(t, err)
			return db, st
		}
		db1, st1 := open()
		indexesBefore := indexes(t, db1)
		require.NoError(t, store.BulkLoad(ctx, db1, bulk))
		require.Equal(t, indexesBefore, indexes(t, db1), "the indexes are back")

		db2, st2 := open()
		require.NoError(t, db2.InTx(ctx, func(tx *sqldb.Tx) error {
			for _, m := range bulk.Movies {
				if err := st2.PutMovie(ctx, tx, m); err != nil {
					return err
				}
			}
			for _, p := range bulk.People {
				if err := st2.PutPerson(ctx, tx, p); err != nil {
					return err
				}
			}
			for _, e := range bulk.Search {
				if err := st2.PutSearch(ctx, tx, e); err != nil {
					return err
				}
			}
			return st2.UpsertGenres(ctx, tx, bulk.Genres)
		}))
		require.Equal(t, dumpAll(t, db2), dumpAll(t, db1))
		cs, err := st1.SearchCandidates(ctx, db1, store.SearchQuery{Words: []string{"title", "2"}, Max: 5})
		require.NoError(t, err)
		require.Len(t, cs, 1, "the search index was filled")

		require.NoError(t, db1.InTx(ctx, func(tx *sqldb.Tx) error { return st1.Truncate(ctx, tx) }))
		for _, rows := range dumpAll(t, db1) {
			require.LessOrEqual(t, len(rows), 1, "only the stats row is left")
		}
	})
}

func indexes(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'browse%'`
	if db.Engine() == sqldb.Postgres {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'browse%'`
	}
	rows, err := db.QueryContext(context.Background(), q)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	sort.Strings(out)
	require.Greater(t, len(out), 10)
	return out
}

func dumpAll(t *testing.T, db *sqldb.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range []string{"browse_movies", "browse_movie_docs", "browse_top", "browse_movie_genres", "browse_genres", "browse_credits", "browse_people", "browse_stats", "browse_search"} {
		rows, err := db.QueryContext(context.Background(), `SELECT * FROM `+table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			var parts []string
			for i, c := range cols {
				if c == "key" || c == "tsv" {
					continue
				}
				v := vals[i]
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts = append(parts, fmt.Sprintf("%s=%v", c, v))
			}
			out[table] = append(out[table], strings.Join(parts, " "))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		sort.Strings(out[table])
	}
	return out
}
