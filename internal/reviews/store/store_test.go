package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/store"
)

// The conformance suite: every test runs on SQLite and on PostgreSQL
// (MARQUEE_TEST_POSTGRES_URL) against a fresh, migrated database.

type fixture struct {
	ctx context.Context
	db  *sqldb.DB
	st  store.Store
	now time.Time
}

func forEachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		require.NoError(t, sqldb.Migrate(ctx, db, "reviews", store.Migrations))
		st, err := store.New(db)
		require.NoError(t, err)
		require.Equal(t, db.Engine(), st.Engine())
		fn(t, &fixture{ctx: ctx, db: db, st: st, now: sqldb.Timestamp(time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC))})
	})
}

func newID(t testing.TB) string {
	t.Helper()
	return uuid.Must(uuid.NewV7()).String()
}

func (f *fixture) movie(t *testing.T, title string) string {
	t.Helper()
	id := newID(t)
	applied, err := f.st.ApplyMovie(f.ctx, f.db, store.Movie{ID: id, Title: title, Version: 1})
	require.NoError(t, err)
	require.True(t, applied)
	return id
}

func (f *fixture) author(t *testing.T, name string) string {
	t.Helper()
	id := newID(t)
	applied, err := f.st.ApplyAuthor(f.ctx, f.db, store.Author{ID: id, DisplayName: name, Version: 1})
	require.NoError(t, err)
	require.True(t, applied)
	return id
}

func (f *fixture) review(t *testing.T, movie, author string, rating int, at time.Time) store.Review {
	t.Helper()
	r := store.Review{ID: newID(t), MovieID: movie, AuthorID: author, Rating: rating, Body: "body " + author[:8],
		Version: 1, CreatedAt: at, UpdatedAt: at}
	require.NoError(t, f.st.InsertReview(f.ctx, f.db, r))
	return r
}

func TestApplyKeepsTheHighestVersion(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		id := newID(t)
		steps := []struct {
			m       store.Movie
			applied bool
			want    store.Movie
		}{
			{store.Movie{ID: id, Title: "Heat", Version: 2}, true, store.Movie{ID: id, Title: "Heat", Version: 2}},
			{store.Movie{ID: id, Title: "Heat (old)", Version: 1}, false, store.Movie{ID: id, Title: "Heat", Version: 2}},
			{store.Movie{ID: id, Title: "Heat (dup)", Version: 2}, false, store.Movie{ID: id, Title: "Heat", Version: 2}},
			{store.Movie{ID: id, Title: "Heat", Deleted: true, Version: 4}, true, store.Movie{ID: id, Title: "Heat", Deleted: true, Version: 4}},
			{store.Movie{ID: id, Title: "Heat", Version: 3}, false, store.Movie{ID: id, Title: "Heat", Deleted: true, Version: 4}},
			{store.Movie{ID: id, Title: "Heat!", Version: 5}, true, store.Movie{ID: id, Title: "Heat!", Version: 5}},
		}
		for i, s := range steps {
			applied, err := f.st.ApplyMovie(f.ctx, f.db, s.m)
			require.NoError(t, err)
			require.Equal(t, s.applied, applied, "step %d", i)
			got, err := f.st.GetMovie(f.ctx, f.db, id)
			require.NoError(t, err)
			require.Equal(t, s.want, got, "step %d", i)
		}

		// authors: a placeholder (version 0) is replaced by the first real event
		aid := newID(t)
		require.NoError(t, f.st.EnsureAuthors(f.ctx, f.db, []store.Author{{ID: aid, DisplayName: "guess"}}))
		require.NoError(t, f.st.EnsureAuthors(f.ctx, f.db, []store.Author{{ID: aid, DisplayName: "again"}}), "placeholders never overwrite")
		a, err := f.st.GetAuthor(f.ctx, f.db, aid)
		require.NoError(t, err)
		require.Equal(t, store.Author{ID: aid, DisplayName: "guess"}, a)
		for _, s := range []struct {
			a       store.Author
			applied bool
		}{
			{store.Author{ID: aid, DisplayName: "Ann", Version: 1}, true},
			{store.Author{ID: aid, DisplayName: "Ann B.", Deleted: true, Version: 3}, true},
			{store.Author{ID: aid, DisplayName: "Ann A.", Version: 2}, false},
		} {
			applied, err := f.st.ApplyAuthor(f.ctx, f.db, s.a)
			require.NoError(t, err)
			require.Equal(t, s.applied, applied, "%+v", s.a)
		}
		a, err = f.st.GetAuthor(f.ctx, f.db, aid)
		require.NoError(t, err)
		require.Equal(t, store.Author{ID: aid, DisplayName: "Ann B.", Deleted: true, Version: 3}, a)

		_, err = f.st.GetMovie(f.ctx, f.db, newID(t))
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = f.st.GetAuthor(f.ctx, f.db, newID(t))
		require.ErrorIs(t, err, store.ErrNotFound)

		movies, err := f.st.Movies(f.ctx, f.db, []string{id, newID(t)})
		require.NoError(t, err)
		require.Equal(t, map[string]store.Movie{id: {ID: id, Title: "Heat!", Version: 5}}, movies)
	})
}

func TestReviewLifecycle(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		m := f.movie(t, "Heat")
		a := f.author(t, "Ann")
		r := f.review(t, m, a, 7, f.now)

		got, err := f.st.GetReview(f.ctx, f.db, r.ID)
		require.NoError(t, err)
		want := r
		want.MovieTitle, want.AuthorName = "Heat", "Ann"
		require.Equal(t, want, got)
		require.True(t, got.Visible())

		dup := r
		dup.ID = newID(t)
		require.ErrorIs(t, f.st.InsertReview(f.ctx, f.db, dup), store.ErrDuplicate, "one review per author and movie")
		id, err := f.st.ReviewIDOf(f.ctx, f.db, m, a)
		require.NoError(t, err)
		require.Equal(t, r.ID, id)

		later := f.now.Add(time.Hour)
		err = f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
			locked, err := f.st.LockReview(f.ctx, tx, r.ID)
			if err != nil {
				return err
			}
			locked.Rating, locked.Body, locked.Version, locked.UpdatedAt = 3, "changed", 2, later
			return f.st.UpdateReview(f.ctx, tx, locked)
		})
		require.NoError(t, err)
		got, err = f.st.GetReview(f.ctx, f.db, r.ID)
		require.NoError(t, err)
		require.Equal(t, 3, got.Rating)
		require.Equal(t, "changed", got.Body)
		require.Equal(t, int64(2), got.Version)
		require.Equal(t, f.now, got.CreatedAt)
		require.Equal(t, later, got.UpdatedAt)

		// the movie's deletion hides the review, the author's too
		_, err = f.st.ApplyMovie(f.ctx, f.db, store.Movie{ID: m, Title: "Heat", Deleted: true, Version: 2})
		require.NoError(t, err)
		got, err = f.st.GetReview(f.ctx, f.db, r.ID)
		require.NoError(t, err)
		require.True(t, got.MovieDeleted)
		require.False(t, got.Visible())

		var byAuthor []store.Review
		require.NoError(t, f.st.InTx(f.ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			byAuthor, err = f.st.ReviewsByAuthor(ctx, tx, a)
			return err
		}))
		require.Len(t, byAuthor, 1, "ReviewsByAuthor includes hidden reviews")

		require.NoError(t, f.st.DeleteReview(f.ctx, f.db, r.ID))
		require.ErrorIs(t, f.st.DeleteReview(f.ctx, f.db, r.ID), store.ErrNotFound)
		_, err = f.st.GetReview(f.ctx, f.db, r.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, f.st.UpdateReview(f.ctx, f.db, got), store.ErrNotFound)
		_, err = f.st.ReviewIDOf(f.ctx, f.db, m, a)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, f.st.InsertReview(f.ctx, f.db, dup), "after a deletion the author may review again")
	})
}

func TestListsAreNewestFirstKeysetPages(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		m := f.movie(t, "Heat")
		other := f.movie(t, "Alien")
		var want []string // newest first
		authors := make([]string, 23)
		for i := range authors {
			authors[i] = f.author(t, fmt.Sprintf("user %d", i))
			// three reviews share each timestamp: the id breaks the tie
			r := f.review(t, m, authors[i], 1+i%10, f.now.Add(time.Duration(i/3)*time.Minute))
			want = append([]string{r.ID}, want...)
		}
		// sort the expected order exactly as the list does: created_at desc, id desc
		byTime := map[string]int{}
		for i := range authors {
			byTime[want[len(want)-1-i]] = i / 3
		}
		sortDesc(want, byTime)

		for _, limit := range []int{1, 5, 7, 23, 50} {
			var got []string
			var after *store.Position
			for pages := 0; ; pages++ {
				require.Less(t, pages, 30)
				rs, err := f.st.ListByMovie(f.ctx, f.db, m, after, limit)
				require.NoError(t, err)
				for _, r := range rs {
					got = append(got, r.ID)
				}
				if len(rs) < limit {
					break
				}
				last := rs[len(rs)-1]
				after = &store.Position{At: last.CreatedAt, ID: last.ID}
			}
			require.Equal(t, want, got, "limit %d", limit)
		}

		// by author, hiding reviews of deleted movies
		a := authors[0]
		r2 := f.review(t, other, a, 9, f.now.Add(time.Hour))
		rs, err := f.st.ListByAuthor(f.ctx, f.db, a, nil, 10)
		require.NoError(t, err)
		require.Len(t, rs, 2)
		require.Equal(t, r2.ID, rs[0].ID, "newest first")
		require.Equal(t, "Alien", rs[0].MovieTitle)
		_, err = f.st.ApplyMovie(f.ctx, f.db, store.Movie{ID: other, Title: "Alien", Deleted: true, Version: 2})
		require.NoError(t, err)
		rs, err = f.st.ListByAuthor(f.ctx, f.db, a, nil, 10)
		require.NoError(t, err)
		require.Len(t, rs, 1)
		// and reviews by deleted authors
		_, err = f.st.ApplyAuthor(f.ctx, f.db, store.Author{ID: a, DisplayName: "gone", Deleted: true, Version: 2})
		require.NoError(t, err)
		rs, err = f.st.ListByMovie(f.ctx, f.db, m, nil, 100)
		require.NoError(t, err)
		require.Len(t, rs, 22)
	})
}

// sortDesc orders ids by (minute, id) descending.
func sortDesc(ids []string, minute map[string]int) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0; j-- {
			a, b := ids[j-1], ids[j]
			if minute[a] > minute[b] || (minute[a] == minute[b] && a > b) {
				break
			}
			ids[j-1], ids[j] = b, a
		}
	}
}

func TestRatingSummary(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		m := f.movie(t, "Heat")
		r, err := f.st.GetRating(f.ctx, f.db, m)
		require.NoError(t, err)
		require.Equal(t, store.Rating{MovieID: m}, r, "never rated")
		ev := r.Event()
		require.Nil(t, ev.Average)
		require.Len(t, ev.Histogram, 10)

		var d store.RatingDelta
		d.Add(9, 2)
		d.Add(1, 1)
		r, err = f.st.AdjustRating(f.ctx, f.db, m, d)
		require.NoError(t, err)
		require.Equal(t, store.Rating{MovieID: m, Counts: [10]int{1, 0, 0, 0, 0, 0, 0, 0, 2, 0}, Sum: 19, Version: 1}, r)

		d = store.RatingDelta{}
		d.Add(9, -1)
		d.Add(4, 1)
		r, err = f.st.AdjustRating(f.ctx, f.db, m, d)
		require.NoError(t, err)
		require.Equal(t, store.Rating{MovieID: m, Counts: [10]int{1, 0, 0, 1, 0, 0, 0, 0, 1, 0}, Sum: 14, Version: 2}, r)
		got, err := f.st.GetRating(f.ctx, f.db, m)
		require.NoError(t, err)
		require.Equal(t, r, got)
		ev = r.Event()
		require.Equal(t, 3, ev.Count)
		require.InDelta(t, 14.0/3, *ev.Average, 1e-9)
		require.Equal(t, 1, ev.Histogram["4"])
		require.Equal(t, int64(2), ev.Version)
	})
}

// TestConcurrentRatingChangesAreNotLost: writers of one movie's summary at
// once, each in its own transaction, never lose an update.
func TestConcurrentRatingChangesAreNotLost(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		m := f.movie(t, "Heat")
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		versions := make(chan int64, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					err := f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
						var d store.RatingDelta
						d.Add(1+(w+i)%10, 1)
						r, err := f.st.AdjustRating(f.ctx, tx, m, d)
						versions <- r.Version
						return err
					})
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		close(versions)
		for err := range errs {
			require.NoError(t, err)
		}
		seen := map[int64]bool{}
		for v := range versions {
			require.False(t, seen[v], "version %d handed out twice", v)
			seen[v] = true
		}
		r, err := f.st.GetRating(f.ctx, f.db, m)
		require.NoError(t, err)
		require.Equal(t, int64(writers*each), r.Version)
		require.Equal(t, writers*each, r.Event().Count)
		var sum int64
		for w := range writers {
			for i := range each {
				sum += int64(1 + (w+i)%10)
			}
		}
		require.Equal(t, sum, r.Sum)
	})
}

func TestBulkInsertSkipsDuplicates(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		movies := []store.Movie{{ID: newID(t), Title: "A"}, {ID: newID(t), Title: "B"}}
		require.NoError(t, f.st.EnsureMovies(f.ctx, f.db, movies))
		authors := make([]store.Author, 600) // more than one statement's worth
		for i := range authors {
			authors[i] = store.Author{ID: newID(t), DisplayName: fmt.Sprint("u", i)}
		}
		require.NoError(t, f.st.EnsureAuthors(f.ctx, f.db, authors))
		got, err := f.st.Authors(f.ctx, f.db, []string{authors[0].ID, authors[599].ID})
		require.NoError(t, err)
		require.Equal(t, store.Author{ID: authors[599].ID, DisplayName: "u599"}, got[authors[599].ID])

		existing := f.review(t, movies[0].ID, authors[0].ID, 5, f.now)
		var rs []store.Review
		for i, a := range authors {
			rs = append(rs, store.Review{ID: newID(t), MovieID: movies[i%2].ID, AuthorID: a.ID, Rating: 1 + i%10,
				Version: 1, CreatedAt: f.now, UpdatedAt: f.now})
		}
		// the same review twice, and a taken id
		rs = append(rs, rs[1], store.Review{ID: existing.ID, MovieID: movies[1].ID, AuthorID: authors[3].ID, Rating: 2,
			Version: 1, CreatedAt: f.now, UpdatedAt: f.now})
		inserted, err := f.st.InsertReviews(f.ctx, f.db, rs)
		require.NoError(t, err)
		require.Len(t, inserted, 599, "authors[0] had reviewed movie A already")
		require.False(t, inserted[rs[0].ID])
		require.True(t, inserted[rs[1].ID])
		var n int
		require.NoError(t, f.db.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM reviews`).Scan(&n))
		require.Equal(t, 600, n)
	})
}

func TestMovieAndAuthor(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		m := f.movie(t, "Heat")
		a := f.author(t, "Ann")
		err := f.db.InTx(f.ctx, func(tx *sqldb.Tx) error {
			movie, author, known, err := f.st.MovieAndAuthor(f.ctx, tx, m, a)
			require.NoError(t, err)
			require.True(t, known)
			require.Equal(t, store.Movie{ID: m, Title: "Heat", Version: 1}, movie)
			require.Equal(t, store.Author{ID: a, DisplayName: "Ann", Version: 1}, author)

			stranger := newID(t)
			movie, author, known, err = f.st.MovieAndAuthor(f.ctx, tx, m, stranger)
			require.NoError(t, err)
			require.False(t, known)
			require.Equal(t, "Heat", movie.Title)
			require.Equal(t, store.Author{ID: stranger}, author)

			_, _, _, err = f.st.MovieAndAuthor(f.ctx, tx, newID(t), a)
			require.ErrorIs(t, err, store.ErrNotFound)
			return nil
		})
		require.NoError(t, err)
	})
}

func TestAdjustManyRatings(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, f *fixture) {
		deltas := map[string]store.RatingDelta{}
		for i := range 450 { // more than one statement's worth
			var d store.RatingDelta
			d.Add(1+i%10, 2)
			deltas[newID(t)] = d
		}
		var first string
		for id := range deltas {
			first = id
			break
		}
		var one store.RatingDelta
		one.Add(5, 1)
		_, err := f.st.AdjustRating(f.ctx, f.db, first, one)
		require.NoError(t, err)

		got, err := f.st.AdjustRatings(f.ctx, f.db, deltas)
		require.NoError(t, err)
		require.Len(t, got, len(deltas))
		for i, r := range got {
			if i > 0 {
				require.Less(t, got[i-1].MovieID, r.MovieID, "by movie id")
			}
			want := store.Rating{MovieID: r.MovieID, Counts: deltas[r.MovieID].Counts, Sum: deltas[r.MovieID].Sum, Version: 1}
			if r.MovieID == first {
				want.Counts[4]++
				want.Sum += 5
				want.Version = 2
			}
			require.Equal(t, want, r)
			stored, err := f.st.GetRating(f.ctx, f.db, r.MovieID)
			require.NoError(t, err)
			require.Equal(t, r, stored)
		}
	})
}
