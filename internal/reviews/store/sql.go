package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqlStore is the SQL both engines share. The engine-specific parts are the
// fields set by newSQLite and newPostgres.
type sqlStore struct {
	sqldb.Bound
	// lockReview is appended to the SELECT of a review that will be changed.
	lockReview string
	// movieAndAuthor reads a movie and (arguments: author id, movie id) the
	// author of a review write in one statement, the author locked FOR SHARE
	// where the engine has row locks.
	movieAndAuthor string
}

// ---- helpers

// rows returns n groups "(?, ?), (?, ?)" of width placeholders each.
func rowPlaceholders(n, width int) string {
	one := "(" + sqldb.Placeholders(width) + ")"
	return strings.Repeat(one+", ", n-1) + one
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// chunks splits items so no statement carries too many arguments.
func chunks[T any](items []T, n int) [][]T {
	var out [][]T
	for len(items) > n {
		out = append(out, items[:n])
		items = items[n:]
	}
	if len(items) > 0 {
		out = append(out, items)
	}
	return out
}

// ---- movies and authors (from events)

func (s *sqlStore) ApplyMovie(ctx context.Context, q sqldb.Querier, m Movie) (bool, error) {
	return sqldb.UpsertNewer(ctx, q, "movies", "version", []string{"id", "title", "deleted", "version"},
		m.ID, m.Title, flag(m.Deleted), m.Version)
}

func (s *sqlStore) ApplyAuthor(ctx context.Context, q sqldb.Querier, a Author) (bool, error) {
	return sqldb.UpsertNewer(ctx, q, "authors", "version", []string{"id", "display_name", "deleted", "version"},
		a.ID, a.DisplayName, flag(a.Deleted), a.Version)
}

func (s *sqlStore) GetMovie(ctx context.Context, q sqldb.Querier, id string) (Movie, error) {
	m := Movie{ID: id}
	var deleted int
	err := q.QueryRowContext(ctx, `SELECT title, deleted, version FROM movies WHERE id = ?`, id).Scan(&m.Title, &deleted, &m.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("movie %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("read movie %s: %w", id, err)
	}
	m.Deleted = deleted != 0
	return m, nil
}

func (s *sqlStore) GetAuthor(ctx context.Context, q sqldb.Querier, id string) (Author, error) {
	a := Author{ID: id}
	var deleted int
	err := q.QueryRowContext(ctx, `SELECT display_name, deleted, version FROM authors WHERE id = ?`, id).Scan(&a.DisplayName, &deleted, &a.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("author %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read author %s: %w", id, err)
	}
	a.Deleted = deleted != 0
	return a, nil
}

func (s *sqlStore) MovieAndAuthor(ctx context.Context, q *sqldb.Tx, movieID, authorID string) (Movie, Author, bool, error) {
	m, a := Movie{ID: movieID}, Author{ID: authorID}
	var movieDeleted int
	var name sql.NullString
	var authorDeleted, authorVersion sql.NullInt64
	err := q.QueryRowContext(ctx, s.movieAndAuthor, authorID, movieID).Scan(&m.Title, &movieDeleted, &m.Version, &name, &authorDeleted, &authorVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return m, a, false, fmt.Errorf("movie %s: %w", movieID, ErrNotFound)
	}
	if err != nil {
		return m, a, false, fmt.Errorf("read movie %s and author %s: %w", movieID, authorID, err)
	}
	m.Deleted = movieDeleted != 0
	if !name.Valid {
		return m, a, false, nil
	}
	a.DisplayName, a.Deleted, a.Version = name.String, authorDeleted.Int64 != 0, authorVersion.Int64
	return m, a, true, nil
}

func (s *sqlStore) EnsureMovies(ctx context.Context, q sqldb.Querier, ms []Movie) error {
	for _, part := range chunks(ms, 500) {
		args := make([]any, 0, 2*len(part))
		for _, m := range part {
			args = append(args, m.ID, m.Title)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO movies (id, title, deleted, version) VALUES `+
			strings.Repeat("(?, ?, 0, 0), ", len(part)-1)+`(?, ?, 0, 0) ON CONFLICT (id) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("insert movie placeholders: %w", err)
		}
	}
	return nil
}

func (s *sqlStore) EnsureAuthors(ctx context.Context, q sqldb.Querier, as []Author) error {
	for _, part := range chunks(as, 500) {
		args := make([]any, 0, 2*len(part))
		for _, a := range part {
			args = append(args, a.ID, a.DisplayName)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO authors (id, display_name, deleted, version) VALUES `+
			strings.Repeat("(?, ?, 0, 0), ", len(part)-1)+`(?, ?, 0, 0) ON CONFLICT (id) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("insert author placeholders: %w", err)
		}
	}
	return nil
}

func (s *sqlStore) Movies(ctx context.Context, q sqldb.Querier, ids []string) (map[string]Movie, error) {
	out := make(map[string]Movie, len(ids))
	for _, part := range chunks(ids, 500) {
		rows, err := q.QueryContext(ctx, `SELECT id, title, deleted, version FROM movies WHERE id IN (`+sqldb.Placeholders(len(part))+`)`, sqldb.StringArgs(part)...)
		if err != nil {
			return nil, fmt.Errorf("read movies: %w", err)
		}
		for rows.Next() {
			var m Movie
			var deleted int
			if err := rows.Scan(&m.ID, &m.Title, &deleted, &m.Version); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read movies: %w", err)
			}
			m.Deleted = deleted != 0
			out[m.ID] = m
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read movies: %w", err)
		}
	}
	return out, nil
}

func (s *sqlStore) Authors(ctx context.Context, q sqldb.Querier, ids []string) (map[string]Author, error) {
	out := make(map[string]Author, len(ids))
	for _, part := range chunks(ids, 500) {
		rows, err := q.QueryContext(ctx, `SELECT id, display_name, deleted, version FROM authors WHERE id IN (`+sqldb.Placeholders(len(part))+`)`, sqldb.StringArgs(part)...)
		if err != nil {
			return nil, fmt.Errorf("read authors: %w", err)
		}
		for rows.Next() {
			var a Author
			var deleted int
			if err := rows.Scan(&a.ID, &a.DisplayName, &deleted, &a.Version); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read authors: %w", err)
			}
			a.Deleted = deleted != 0
			out[a.ID] = a
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read authors: %w", err)
		}
	}
	return out, nil
}

// ---- reviews

const reviewColumns = `INSERT INTO reviews (id, movie_id, author_id, rating, body, version, created_at, updated_at) VALUES `

func (s *sqlStore) reviewArgs(args []any, r Review) []any {
	return append(args, r.ID, r.MovieID, r.AuthorID, r.Rating, r.Body, r.Version, s.Engine().TimeArg(r.CreatedAt), s.Engine().TimeArg(r.UpdatedAt))
}

func (s *sqlStore) InsertReview(ctx context.Context, q sqldb.Querier, r Review) error {
	_, err := q.ExecContext(ctx, reviewColumns+`(?, ?, ?, ?, ?, ?, ?, ?)`, s.reviewArgs(make([]any, 0, 8), r)...)
	if err != nil {
		if sqldb.IsUniqueViolation(err) {
			return fmt.Errorf("insert review of movie %s by %s: %w", r.MovieID, r.AuthorID, ErrDuplicate)
		}
		return fmt.Errorf("insert review %s: %w", r.ID, err)
	}
	return nil
}

func (s *sqlStore) InsertReviews(ctx context.Context, q sqldb.Querier, rs []Review) (map[string]bool, error) {
	inserted := make(map[string]bool, len(rs))
	for _, part := range chunks(rs, 500) {
		args := make([]any, 0, 8*len(part))
		for _, r := range part {
			args = s.reviewArgs(args, r)
		}
		rows, err := q.QueryContext(ctx, reviewColumns+rowPlaceholders(len(part), 8)+` ON CONFLICT DO NOTHING RETURNING id`, args...)
		if err != nil {
			return nil, fmt.Errorf("insert %d reviews: %w", len(part), err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("insert %d reviews: %w", len(part), err)
			}
			inserted[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("insert %d reviews: %w", len(part), err)
		}
	}
	return inserted, nil
}

// selectReviews reads reviews with their movie and author.
const selectReviews = `SELECT r.id, r.movie_id, r.author_id, r.rating, r.body, r.version, r.created_at, r.updated_at,
		m.title, m.deleted, a.display_name, a.deleted
	FROM reviews r JOIN movies m ON m.id = r.movie_id JOIN authors a ON a.id = r.author_id`

func scanReview(row sqldb.Row) (Review, error) {
	var r Review
	var movieDeleted, authorDeleted int
	err := row.Scan(&r.ID, &r.MovieID, &r.AuthorID, &r.Rating, &r.Body, &r.Version, sqldb.Time(&r.CreatedAt), sqldb.Time(&r.UpdatedAt),
		&r.MovieTitle, &movieDeleted, &r.AuthorName, &authorDeleted)
	r.MovieDeleted, r.AuthorDeleted = movieDeleted != 0, authorDeleted != 0
	return r, err
}

func (s *sqlStore) GetReview(ctx context.Context, q sqldb.Querier, id string) (Review, error) {
	return getReview(ctx, q, selectReviews+` WHERE r.id = ?`, id)
}

func (s *sqlStore) LockReview(ctx context.Context, tx *sqldb.Tx, id string) (Review, error) {
	return getReview(ctx, tx, selectReviews+` WHERE r.id = ?`+s.lockReview, id)
}

func getReview(ctx context.Context, q sqldb.Querier, query, id string) (Review, error) {
	r, err := scanReview(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("review %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read review %s: %w", id, err)
	}
	return r, nil
}

func (s *sqlStore) ReviewIDOf(ctx context.Context, q sqldb.Querier, movieID, authorID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM reviews WHERE movie_id = ? AND author_id = ?`, movieID, authorID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("review of movie %s by %s: %w", movieID, authorID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read review of movie %s by %s: %w", movieID, authorID, err)
	}
	return id, nil
}

func (s *sqlStore) UpdateReview(ctx context.Context, q sqldb.Querier, r Review) error {
	res, err := q.ExecContext(ctx, `UPDATE reviews SET rating = ?, body = ?, version = ?, updated_at = ? WHERE id = ?`,
		r.Rating, r.Body, r.Version, s.Engine().TimeArg(r.UpdatedAt), r.ID)
	if err != nil {
		return fmt.Errorf("update review %s: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update review %s: %w", r.ID, err)
	} else if n == 0 {
		return fmt.Errorf("update review %s: %w", r.ID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) DeleteReview(ctx context.Context, q sqldb.Querier, id string) error {
	res, err := q.ExecContext(ctx, `DELETE FROM reviews WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete review %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete review %s: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("delete review %s: %w", id, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) ReviewsByAuthor(ctx context.Context, q *sqldb.Tx, authorID string) ([]Review, error) {
	return s.queryReviews(ctx, q, selectReviews+` WHERE r.author_id = ? ORDER BY r.created_at, r.id`+s.lockReview, authorID)
}

func (s *sqlStore) ListByMovie(ctx context.Context, q sqldb.Querier, movieID string, after *Position, limit int) ([]Review, error) {
	return s.list(ctx, q, `r.movie_id = ?`, movieID, after, limit)
}

func (s *sqlStore) ListByAuthor(ctx context.Context, q sqldb.Querier, authorID string, after *Position, limit int) ([]Review, error) {
	return s.list(ctx, q, `r.author_id = ?`, authorID, after, limit)
}

// list is a newest-first keyset page of the visible reviews matching cond.
func (s *sqlStore) list(ctx context.Context, q sqldb.Querier, cond string, arg any, after *Position, limit int) ([]Review, error) {
	query := selectReviews + ` WHERE ` + cond + ` AND m.deleted = 0 AND a.deleted = 0`
	args := []any{arg}
	if after != nil {
		query += ` AND (r.created_at, r.id) < (?, ?)`
		args = append(args, s.Engine().TimeArg(after.At), after.ID)
	}
	query += ` ORDER BY r.created_at DESC, r.id DESC LIMIT ?`
	args = append(args, limit)
	return s.queryReviews(ctx, q, query, args...)
}

func (s *sqlStore) queryReviews(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Review, error) {
	out, err := sqldb.QueryAll(ctx, q, scanReview, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	return out, nil
}

// ---- rating summaries

const ratingColumns = `r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, rating_sum, version`

// adjustSQL caches the statements of AdjustRating per set of star columns a
// delta touches (a bit per star). Naming only the columns that change keeps
// the statements short, which matters on SQLite, where every statement is
// parsed anew.
var adjustSQL sync.Map // uint16 → [2]string{update, upsert}

// adjustStatements returns the UPDATE that adds a delta to a stored summary
// and the upsert that also inserts the first one; both read the result back.
func adjustStatements(mask uint16) [2]string {
	if q, ok := adjustSQL.Load(mask); ok {
		return q.([2]string)
	}
	var cols, vals, set, upsertSet strings.Builder
	for i := 1; i <= 10; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		fmt.Fprintf(&cols, "r%d, ", i)
		vals.WriteString("?, ")
		fmt.Fprintf(&set, "r%d = r%d + ?, ", i, i)
		fmt.Fprintf(&upsertSet, "r%d = movie_ratings.r%d + excluded.r%d, ", i, i, i)
	}
	q := [2]string{
		`UPDATE movie_ratings SET ` + set.String() + `rating_sum = rating_sum + ?, rating_count = rating_count + ?, version = version + 1
		WHERE movie_id = ? RETURNING ` + ratingColumns,
		`INSERT INTO movie_ratings (` + cols.String() + `rating_sum, rating_count, movie_id, version) VALUES (` + vals.String() + `?, ?, ?, 1)
		ON CONFLICT (movie_id) DO UPDATE SET ` + upsertSet.String() + `rating_sum = movie_ratings.rating_sum + excluded.rating_sum,
			rating_count = movie_ratings.rating_count + excluded.rating_count, version = movie_ratings.version + 1
		RETURNING ` + ratingColumns,
	}
	adjustSQL.Store(mask, q)
	return q
}

func scanRating(row sqldb.Row, r *Rating) error {
	c := &r.Counts
	return row.Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &c[9], &r.Sum, &r.Version)
}

func (s *sqlStore) AdjustRating(ctx context.Context, q sqldb.Querier, movieID string, d RatingDelta) (Rating, error) {
	var mask uint16
	count := 0
	args := make([]any, 0, 13)
	for i, n := range d.Counts {
		if n != 0 {
			mask |= 1 << (i + 1)
			args = append(args, n)
			count += n
		}
	}
	args = append(args, d.Sum, count, movieID)
	stmts := adjustStatements(mask)
	r := Rating{MovieID: movieID}
	// the movie has a summary already but for its first rating: a plain
	// UPDATE is the cheaper statement; the upsert covers the first rating
	// (and two first ratings at once on PostgreSQL, where the loser of the
	// insert waits for the winner's row and then adds to it)
	err := scanRating(q.QueryRowContext(ctx, stmts[0], args...), &r)
	if errors.Is(err, sql.ErrNoRows) {
		err = scanRating(q.QueryRowContext(ctx, stmts[1], args...), &r)
	}
	if err != nil {
		return r, fmt.Errorf("adjust rating summary of movie %s: %w", movieID, err)
	}
	return r, nil
}

// adjustRatingsSQL adds many deltas in one statement (rows of 13 arguments).
var adjustRatingsSQL = func() string {
	var set strings.Builder
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&set, "r%d = movie_ratings.r%d + excluded.r%d, ", i, i, i)
	}
	return `INSERT INTO movie_ratings (movie_id, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, rating_sum, rating_count, version) VALUES %s
		ON CONFLICT (movie_id) DO UPDATE SET ` + set.String() + `rating_sum = movie_ratings.rating_sum + excluded.rating_sum,
			rating_count = movie_ratings.rating_count + excluded.rating_count, version = movie_ratings.version + 1
		RETURNING movie_id, ` + ratingColumns
}()

func (s *sqlStore) AdjustRatings(ctx context.Context, q sqldb.Querier, deltas map[string]RatingDelta) ([]Rating, error) {
	ids := make([]string, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a fixed lock order on PostgreSQL
	out := make([]Rating, 0, len(ids))
	for _, part := range chunks(ids, 400) {
		args := make([]any, 0, 13*len(part))
		for _, id := range part {
			d := deltas[id]
			count := 0
			args = append(args, id)
			for _, n := range d.Counts {
				args = append(args, n)
				count += n
			}
			args = append(args, d.Sum, count)
		}
		rows, err := q.QueryContext(ctx, fmt.Sprintf(adjustRatingsSQL, strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1), ", len(part)-1)+
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"), args...)
		if err != nil {
			return nil, fmt.Errorf("adjust %d rating summaries: %w", len(part), err)
		}
		for rows.Next() {
			var r Rating
			c := &r.Counts
			if err := rows.Scan(&r.MovieID, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &c[9], &r.Sum, &r.Version); err != nil {
				rows.Close()
				return nil, fmt.Errorf("adjust %d rating summaries: %w", len(part), err)
			}
			out = append(out, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("adjust %d rating summaries: %w", len(part), err)
		}
	}
	slices.SortFunc(out, func(a, b Rating) int { return strings.Compare(a.MovieID, b.MovieID) })
	return out, nil
}

func (s *sqlStore) GetRating(ctx context.Context, q sqldb.Querier, movieID string) (Rating, error) {
	r := Rating{MovieID: movieID}
	err := scanRating(q.QueryRowContext(ctx, `SELECT `+ratingColumns+` FROM movie_ratings WHERE movie_id = ?`, movieID), &r)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("read rating summary of movie %s: %w", movieID, err)
	}
	return r, nil
}
