package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/marquee-dev/marquee/internal/browse/browseapi"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqlStore is the SQL both engines share; sqliteStore and postgresStore add
// the engine-specific parts.
type sqlStore struct {
	sqldb.Bound
	// forUpdate is appended to a SELECT that must lock the rows it reads.
	forUpdate string
	// filterOnly marks a column compared in a filter so the planner does
	// not pick its index over the sort's (SQLite: unary +); identity elsewhere.
	filterOnly func(col string) string
}

// ---- helpers

// valuesList returns "(?, ?), (?, ?)" for rows of width columns.
func valuesList(rows, width int) string {
	one := "(" + sqldb.Placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// escapeLike escapes the LIKE wildcards of s for ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
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

func encodeHistogram(h map[string]int) (string, error) {
	if h == nil {
		return "", nil
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(raw), nil
}

func releaseAscKey(release string) string {
	if release == "" {
		return releaseUnknownLast
	}
	return release
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- stats

func (s *sqlStore) LockStats(ctx context.Context, q *sqldb.Tx) (Stats, error) {
	return s.readStats(ctx, q, s.forUpdate)
}

func (s *sqlStore) Stats(ctx context.Context, q sqldb.Querier) (Stats, error) {
	return s.readStats(ctx, q, "")
}

func (s *sqlStore) readStats(ctx context.Context, q sqldb.Querier, suffix string) (Stats, error) {
	var st Stats
	err := q.QueryRowContext(ctx, `SELECT rating_sum, rating_count, c_used, m_used, c_done, m_done FROM browse_stats WHERE id = 1`+suffix).
		Scan(&st.RatingSum, &st.RatingCount, &st.CUsed, &st.MUsed, &st.CDone, &st.MDone)
	if err != nil {
		return st, fmt.Errorf("read browse stats: %w", err)
	}
	return st, nil
}

func (s *sqlStore) SaveStats(ctx context.Context, q sqldb.Querier, st Stats) error {
	_, err := q.ExecContext(ctx, `UPDATE browse_stats SET rating_sum = ?, rating_count = ?, c_used = ?, m_used = ?, c_done = ?, m_done = ?
		WHERE id = 1`, st.RatingSum, st.RatingCount, st.CUsed, st.MUsed, st.CDone, st.MDone)
	if err != nil {
		return fmt.Errorf("save browse stats: %w", err)
	}
	return nil
}

func (s *sqlStore) RecomputeStats(ctx context.Context, q *sqldb.Tx) (Stats, error) {
	st, err := s.LockStats(ctx, q)
	if err != nil {
		return st, err
	}
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(rating_sum), 0), COALESCE(SUM(rating_count), 0)
		FROM browse_movies WHERE live = 1 AND rating_count > 0`).Scan(&st.RatingSum, &st.RatingCount); err != nil {
		return st, fmt.Errorf("recompute browse stats: %w", err)
	}
	return st, s.SaveStats(ctx, q, st)
}

func (s *sqlStore) RecomputeWeightedRatings(ctx context.Context, q sqldb.Querier, m int, c float64, after string, limit int) (string, error) {
	var last sql.NullString
	window := ""
	if limit > 0 {
		window = " LIMIT " + strconv.Itoa(limit)
	}
	if err := q.QueryRowContext(ctx, `SELECT MAX(movie_id) FROM
		(SELECT movie_id FROM browse_top WHERE movie_id > ? ORDER BY movie_id`+window+`) w`, after).Scan(&last); err != nil {
		return "", fmt.Errorf("recompute weighted ratings: %w", err)
	}
	if !last.Valid {
		return "", nil
	}
	// the same arithmetic, in the same order, as the service's weightedRating
	_, err := q.ExecContext(ctx, `UPDATE browse_top SET wr = (rating_count * rating_avg + ?) / (rating_count + ?)
		WHERE movie_id > ? AND movie_id <= ?`, float64(m)*c, float64(m), after, last.String)
	if err != nil {
		return "", fmt.Errorf("recompute weighted ratings: %w", err)
	}
	return last.String, nil
}

// ---- movies: writes

func (s *sqlStore) LockMovie(ctx context.Context, q *sqldb.Tx, id string) (MovieState, error) {
	var st MovieState
	if _, err := q.ExecContext(ctx, `INSERT INTO browse_movies (id) VALUES (?) ON CONFLICT (id) DO NOTHING`, id); err != nil {
		return st, fmt.Errorf("lock movie %s: %w", id, err)
	}
	var (
		live      int
		hi        float64
		histogram string
		doc       sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT m.version, m.live, m.rating_version, m.rating_count, m.rating_sum, m.rating_hi, m.histogram,
		(SELECT d.doc FROM browse_movie_docs d WHERE d.id = m.id)
		FROM browse_movies m WHERE m.id = ?`+s.forUpdate, id).
		Scan(&st.Version, &live, &st.Rating.Version, &st.Rating.Count, &st.Rating.Sum, &hi, &histogram, &doc)
	if err != nil {
		return st, fmt.Errorf("lock movie %s: %w", id, err)
	}
	st.Live = live == 1
	if st.Rating.Count > 0 {
		st.Rating.Average = &hi
	}
	if histogram != "" {
		if err := json.Unmarshal([]byte(histogram), &st.Rating.Histogram); err != nil {
			return st, fmt.Errorf("movie %s histogram: %w", id, err)
		}
	}
	if doc.Valid {
		st.Doc = []byte(doc.String)
	}
	return st, nil
}

func (s *sqlStore) MovieGenreIDs(ctx context.Context, q sqldb.Querier, id string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT genre_id FROM browse_movie_genres WHERE movie_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("genres of movie %s: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, fmt.Errorf("genres of movie %s: %w", id, err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// movieColumns are the columns PutMovie writes, in movieArgs order.
const movieColumns = `id, version, live, title, title_key, release_key, release_asc_key, created_key,
	rating_version, rating_count, rating_sum, rating_hi, rating_lo, histogram`

const movieWidth = 14

func movieArgs(m MovieRecord) ([]any, error) {
	hist, err := encodeHistogram(m.Rating.Histogram)
	if err != nil {
		return nil, err
	}
	hi, lo := ratingKeys(m.Rating)
	return []any{m.ID, m.Version, boolInt(m.Live), m.Keys.Title, m.Keys.TitleKey, m.Keys.ReleaseKey,
		releaseAscKey(m.Keys.ReleaseKey), m.Keys.CreatedKey, m.Rating.Version, m.Rating.Count, m.Rating.Sum,
		hi, lo, hist}, nil
}

// putTop keeps a movie's row of the top-rated list: there when it is live
// and rated, with the title key of its browse_movies row (written first) for ties.
func putTop(ctx context.Context, q sqldb.Querier, id string, live bool, r Rating, wr float64) error {
	if !live || r.Count == 0 || r.Average == nil {
		if _, err := q.ExecContext(ctx, `DELETE FROM browse_top WHERE movie_id = ?`, id); err != nil {
			return fmt.Errorf("top-rated row of movie %s: %w", id, err)
		}
		return nil
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO browse_top (movie_id, rating_count, rating_avg, wr, title_key)
		VALUES (?, ?, ?, ?, COALESCE((SELECT m.title_key FROM browse_movies m WHERE m.id = ?), ''))
		ON CONFLICT (movie_id) DO UPDATE SET rating_count = excluded.rating_count, rating_avg = excluded.rating_avg,
			wr = excluded.wr, title_key = excluded.title_key`,
		id, r.Count, *r.Average, wr, id); err != nil {
		return fmt.Errorf("top-rated row of movie %s: %w", id, err)
	}
	return nil
}

func (s *sqlStore) PutMovie(ctx context.Context, q sqldb.Querier, m MovieRecord) error {
	args, err := movieArgs(m)
	if err != nil {
		return err
	}
	var set []string
	for _, c := range strings.Split(movieColumns, ",") {
		if c = strings.TrimSpace(c); c != "id" {
			set = append(set, c+" = excluded."+c)
		}
	}
	_, err = q.ExecContext(ctx, `INSERT INTO browse_movies (`+movieColumns+`) VALUES (`+sqldb.Placeholders(movieWidth)+`)
		ON CONFLICT (id) DO UPDATE SET `+strings.Join(set, ", "), args...)
	if err != nil {
		return fmt.Errorf("put movie %s: %w", m.ID, err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO browse_movie_docs (id, doc, summary) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, summary = excluded.summary`, m.ID, string(m.Doc), string(m.Summary)); err != nil {
		return fmt.Errorf("put movie %s document: %w", m.ID, err)
	}
	if err := putTop(ctx, q, m.ID, m.Live, m.Rating, m.WR); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM browse_movie_genres WHERE movie_id = ?`, m.ID); err != nil {
		return fmt.Errorf("put movie %s genres: %w", m.ID, err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM browse_credits WHERE movie_id = ?`, m.ID); err != nil {
		return fmt.Errorf("put movie %s credits: %w", m.ID, err)
	}
	if !m.Live {
		return nil
	}
	if err := insertGenreRows(ctx, q, []MovieRecord{m}); err != nil {
		return err
	}
	return insertCredits(ctx, q, []MovieRecord{m})
}

const genreRowColumns = `movie_id, genre_id, title_key, release_key, release_asc_key, created_key, rating_count, rating_hi, rating_lo`

// insertGenreRows writes the genre membership of live movies.
func insertGenreRows(ctx context.Context, q sqldb.Querier, ms []MovieRecord) error {
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := q.ExecContext(ctx, `INSERT INTO browse_movie_genres (`+genreRowColumns+`) VALUES `+valuesList(len(args)/9, 9), args...)
		args = args[:0]
		if err != nil {
			return fmt.Errorf("insert movie genres: %w", err)
		}
		return nil
	}
	for _, m := range ms {
		hi, lo := ratingKeys(m.Rating)
		for _, g := range m.GenreIDs {
			args = append(args, m.ID, g, m.Keys.TitleKey, m.Keys.ReleaseKey, releaseAscKey(m.Keys.ReleaseKey),
				m.Keys.CreatedKey, m.Rating.Count, hi, lo)
			if len(args) >= 9*400 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

const creditColumns = `movie_id, kind, seq, person_id, character_name, job, billing_order`

func insertCredits(ctx context.Context, q sqldb.Querier, ms []MovieRecord) error {
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := q.ExecContext(ctx, `INSERT INTO browse_credits (`+creditColumns+`) VALUES `+valuesList(len(args)/7, 7), args...)
		args = args[:0]
		if err != nil {
			return fmt.Errorf("insert credits: %w", err)
		}
		return nil
	}
	for _, m := range ms {
		for _, c := range m.Credits {
			args = append(args, m.ID, c.Kind, c.Seq, c.PersonID, c.Character, c.Job, c.Order)
			if len(args) >= 7*500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func (s *sqlStore) PutMovieRating(ctx context.Context, q sqldb.Querier, id string, live bool, r Rating, wr float64, doc, summary []byte) error {
	hist, err := encodeHistogram(r.Histogram)
	if err != nil {
		return err
	}
	hi, lo := ratingKeys(r)
	if _, err := q.ExecContext(ctx, `UPDATE browse_movies SET rating_version = ?, rating_count = ?, rating_sum = ?,
		rating_hi = ?, rating_lo = ?, histogram = ? WHERE id = ?`, r.Version, r.Count, r.Sum, hi, lo, hist, id); err != nil {
		return fmt.Errorf("put rating of movie %s: %w", id, err)
	}
	if err := putTop(ctx, q, id, live, r, wr); err != nil {
		return err
	}
	if doc != nil {
		if _, err := q.ExecContext(ctx, `UPDATE browse_movie_docs SET doc = ?, summary = ? WHERE id = ?`, string(doc), string(summary), id); err != nil {
			return fmt.Errorf("put rating of movie %s: %w", id, err)
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE browse_movie_genres SET rating_count = ?, rating_hi = ?, rating_lo = ? WHERE movie_id = ?`,
		r.Count, hi, lo, id); err != nil {
		return fmt.Errorf("put rating of movie %s genres: %w", id, err)
	}
	return nil
}

func (s *sqlStore) UpsertGenres(ctx context.Context, q sqldb.Querier, genres []catalogapi.Genre) error {
	if len(genres) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(genres))
	for _, g := range genres {
		args = append(args, g.ID, g.Slug, g.Name)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO browse_genres (id, slug, name) VALUES `+valuesList(len(genres), 3)+`
		ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name`, args...)
	if err != nil {
		return fmt.Errorf("upsert genres: %w", err)
	}
	return nil
}

func (s *sqlStore) RecountGenres(ctx context.Context, q sqldb.Querier, ids []string) error {
	for _, part := range chunks(ids, 500) {
		_, err := q.ExecContext(ctx, `UPDATE browse_genres SET movie_count =
			(SELECT COUNT(*) FROM browse_movie_genres g WHERE g.genre_id = browse_genres.id)
			WHERE id IN (`+sqldb.Placeholders(len(part))+`)`, sqldb.StringArgs(part)...)
		if err != nil {
			return fmt.Errorf("recount genres: %w", err)
		}
	}
	return nil
}

// ---- people: writes

func (s *sqlStore) LockPerson(ctx context.Context, q *sqldb.Tx, id string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT version FROM browse_people WHERE id = ?`+s.forUpdate, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("lock person %s: %w", id, err)
	}
	return v, nil
}

const personColumns = `id, version, live, name_key, created_key, doc`

func personArgs(p PersonRecord) []any {
	return []any{p.ID, p.Version, boolInt(p.Live), p.NameKey, p.CreatedKey, string(p.Doc)}
}

func (s *sqlStore) PutPerson(ctx context.Context, q sqldb.Querier, p PersonRecord) error {
	_, err := q.ExecContext(ctx, `INSERT INTO browse_people (`+personColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version, live = excluded.live, name_key = excluded.name_key,
			created_key = excluded.created_key, doc = excluded.doc`, personArgs(p)...)
	if err != nil {
		return fmt.Errorf("put person %s: %w", p.ID, err)
	}
	return nil
}

func (s *sqlStore) SetSearchItem(ctx context.Context, q sqldb.Querier, kind, id string, item []byte, popularity int) error {
	if _, err := q.ExecContext(ctx, `UPDATE browse_search SET item = ?, popularity = ? WHERE kind = ? AND ref_id = ?`,
		string(item), popularity, kind, id); err != nil {
		return fmt.Errorf("update search entry %s %s: %w", kind, id, err)
	}
	return nil
}

func (s *sqlStore) RecountPeople(ctx context.Context, q sqldb.Querier, ids []string) error {
	for _, part := range chunks(ids, 500) {
		_, err := q.ExecContext(ctx, `UPDATE browse_search SET popularity =
			(SELECT COUNT(DISTINCT c.movie_id) FROM browse_credits c WHERE c.person_id = browse_search.ref_id)
			WHERE kind = 'person' AND ref_id IN (`+sqldb.Placeholders(len(part))+`)`, sqldb.StringArgs(part)...)
		if err != nil {
			return fmt.Errorf("recount people: %w", err)
		}
	}
	return nil
}

func (s *sqlStore) PersonMovies(ctx context.Context, q sqldb.Querier, id string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT movie_id) FROM browse_credits WHERE person_id = ?`, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("movies of person %s: %w", id, err)
	}
	return n, nil
}

// ---- reads

func (s *sqlStore) MovieDoc(ctx context.Context, q sqldb.Querier, id string) (MovieDoc, error) {
	var (
		d    MovieDoc
		live int
		doc  sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT m.version, m.rating_version, m.live, d.doc
		FROM browse_movies m LEFT JOIN browse_movie_docs d ON d.id = m.id WHERE m.id = ?`, id).
		Scan(&d.Version, &d.RatingVersion, &live, &doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return d, fmt.Errorf("movie %s: %w", id, ErrNotFound)
	case err != nil:
		return d, fmt.Errorf("movie %s: %w", id, err)
	case d.Version == 0 || !doc.Valid:
		return d, fmt.Errorf("movie %s: %w", id, ErrNotFound) // only a rating is known
	}
	d.Live, d.Doc = live == 1, []byte(doc.String)
	return d, nil
}

// movieSortKeys are the key columns of a sort (without table prefix): the
// sort's own key, then the title and the id that break its ties, and how to
// turn a cursor value back into an argument.
func movieSortKeys(sort MovieSort, desc bool) (keys []string, conv func(i int, v string) (any, error), err error) {
	text := func(_ int, v string) (any, error) { return v, nil }
	number := func(parse func(string) (any, error)) func(i int, v string) (any, error) {
		return func(i int, v string) (any, error) {
			if i == 0 {
				return parse(v)
			}
			return v, nil
		}
	}
	switch sort {
	case SortTitle, "":
		return []string{"title_key", "id"}, text, nil
	case SortYear:
		if desc {
			return []string{"release_key", "title_key", "id"}, text, nil
		}
		return []string{"release_asc_key", "title_key", "id"}, text, nil
	case SortRating:
		col := "rating_lo"
		if desc {
			col = "rating_hi"
		}
		return []string{col, "title_key", "id"}, number(func(v string) (any, error) { return strconv.ParseFloat(v, 64) }), nil
	case SortPopularity:
		return []string{"rating_count", "title_key", "id"}, number(func(v string) (any, error) { return strconv.ParseInt(v, 10, 64) }), nil
	case SortCreated:
		return []string{"created_key", "title_key", "id"}, text, nil
	default:
		return nil, nil, fmt.Errorf("unknown movie sort %q", sort)
	}
}

// tiesByTitle is sqldb.Keyset for a sort whose first key goes the way desc
// says while the keys after it (title, id) always go up, so ties read A to Z
// in both directions. The position test is spelled with a range on the first
// key, so the index (declared the same way) is entered at the position.
func tiesByTitle(keys []string, after []string, desc bool, conv func(i int, v string) (any, error)) (where string, args []any, orderBy string, err error) {
	if !desc {
		return sqldb.Keyset(keys, after, false, conv)
	}
	_, _, rest, err := sqldb.Keyset(keys[1:], nil, false, nil)
	if err != nil {
		return "", nil, "", err
	}
	orderBy = keys[0] + " DESC, " + rest
	if after == nil {
		return "", nil, orderBy, nil
	}
	if len(after) != len(keys) {
		return "", nil, "", sqldb.ErrBadPosition
	}
	vals := make([]any, len(after))
	for i, v := range after {
		if vals[i], err = conv(i, v); err != nil {
			return "", nil, "", fmt.Errorf("%w: %v", sqldb.ErrBadPosition, err)
		}
	}
	where = "(" + keys[0] + " <= ? AND (" + keys[0] + " < ? OR (" + strings.Join(keys[1:], ", ") + ") > (" + sqldb.Placeholders(len(keys)-1) + ")))"
	args = append([]any{vals[0], vals[0]}, vals[1:]...)
	return where, args, orderBy, nil
}

func (s *sqlStore) ListMovies(ctx context.Context, q sqldb.Querier, mq MovieQuery) ([]MovieRow, error) {
	cols, conv, err := movieSortKeys(mq.Sort, mq.Desc)
	if err != nil {
		return nil, err
	}
	var (
		from, prefix, idCol string
		where               []string
		args                []any
	)
	if mq.GenreID != "" {
		// a genre's movies: one ordered range of the membership table
		from, prefix, idCol = `browse_movie_genres g JOIN browse_movies m ON m.id = g.movie_id`, "g.", "g.movie_id"
		where = append(where, `g.genre_id = ?`)
		args = append(args, mq.GenreID)
	} else {
		from, prefix, idCol = `browse_movies m`, "m.", "m.id"
		where = append(where, `m.live = 1`) // the partial indexes' predicate
	}
	col := func(c string) string {
		if c == "id" {
			return idCol
		}
		return prefix + c
	}
	// a page is read in the sort's index order; a filter on another key
	// column must not make the planner range-scan that column and sort
	filter := func(c string) string {
		for _, k := range cols {
			if k == c || (c == "release_key" && k == "release_asc_key") || (c == "rating_hi" && k == "rating_lo") {
				return col(c)
			}
		}
		return s.filterOnly(col(c))
	}
	if mq.Text != "" {
		where = append(where, col("title_key")+` LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(TitleKey(mq.Text))+"%")
	}
	if mq.YearFrom != 0 {
		where = append(where, filter("release_key")+` >= ?`) // '' (unknown) is below any date
		args = append(args, fmt.Sprintf("%04d-01-01", mq.YearFrom))
	}
	if mq.YearTo != 0 {
		where = append(where, filter("release_key")+` <> '' AND `+filter("release_key")+` <= ?`)
		args = append(args, fmt.Sprintf("%04d-12-31", mq.YearTo))
	}
	if mq.PersonID != "" {
		where = append(where, idCol+` IN (SELECT c.movie_id FROM browse_credits c WHERE c.person_id = ?)`)
		args = append(args, mq.PersonID)
	}
	if mq.RatingMin > 0 {
		where = append(where, filter("rating_hi")+` >= ?`) // unrated movies sort as -1
		args = append(args, mq.RatingMin)
	}
	if mq.Nothing {
		where = append(where, `1 = 0`)
	}
	if mq.PlanID != "" {
		where = append(where, idCol+` IN (SELECT pm.movie_id FROM browse_plan_movies pm WHERE pm.plan_id = ?)`)
		args = append(args, mq.PlanID)
	}
	if mq.AnyPlan {
		where = append(where, idCol+` IN (SELECT pm.movie_id FROM browse_plan_movies pm)`)
	}
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = col(c)
	}
	keyset := tiesByTitle
	if len(keys) == 2 { // the title sort: the title itself, then the id, both ways
		keyset = sqldb.Keyset
	}
	kw, kargs, orderBy, err := keyset(keys, mq.After, mq.Desc, conv)
	if err != nil {
		return nil, err
	}
	if kw != "" {
		where = append(where, kw)
		args = append(args, kargs...)
	}
	// the documents are joined to the page only (a subquery per row shown)
	query := `SELECT m.id, (SELECT d.summary FROM browse_movie_docs d WHERE d.id = m.id), ` + strings.Join(keys, ", ") +
		` FROM ` + from + ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY ` + orderBy + ` LIMIT ?`
	args = append(args, mq.Limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list movies: %w", err)
	}
	defer rows.Close()
	out := []MovieRow{}
	for rows.Next() {
		var (
			r       MovieRow
			summary string
		)
		key := make([]string, len(keys))
		dest := []any{&r.ID, &summary}
		for i := range key {
			dest = append(dest, &key[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list movies: %w", err)
		}
		r.Summary, r.Key = []byte(summary), key
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list movies: %w", err)
	}
	return out, nil
}

func (s *sqlStore) TopRated(ctx context.Context, q sqldb.Querier, after *TopRow, limit int) ([]TopRow, error) {
	// best first, ties by title A to Z, then id (the index is declared so)
	var after3 []string
	if after != nil {
		after3 = []string{strconv.FormatFloat(after.WR, 'g', -1, 64), after.TitleKey, after.ID}
	}
	where, args, orderBy, err := tiesByTitle([]string{"t.wr", "t.title_key", "t.movie_id"}, after3, true, func(i int, v string) (any, error) {
		if i == 0 {
			return strconv.ParseFloat(v, 64)
		}
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	query := `SELECT t.movie_id, (SELECT d.summary FROM browse_movie_docs d WHERE d.id = t.movie_id), t.wr, t.title_key FROM browse_top t`
	if where != "" {
		query += ` WHERE ` + where
	}
	query += ` ORDER BY ` + orderBy + ` LIMIT ?`
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("top rated: %w", err)
	}
	defer rows.Close()
	out := []TopRow{}
	for rows.Next() {
		var (
			r       TopRow
			summary string
		)
		if err := rows.Scan(&r.ID, &summary, &r.WR, &r.TitleKey); err != nil {
			return nil, fmt.Errorf("top rated: %w", err)
		}
		r.Summary = []byte(summary)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("top rated: %w", err)
	}
	return out, nil
}

func (s *sqlStore) GenreID(ctx context.Context, q sqldb.Querier, slugOrID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM browse_genres WHERE id = ? OR slug = ? ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1`,
		slugOrID, slugOrID, slugOrID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("genre %q: %w", slugOrID, ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("genre %q: %w", slugOrID, err)
	}
	return id, nil
}

func (s *sqlStore) ListGenres(ctx context.Context, q sqldb.Querier) ([]browseapi.Genre, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, slug, name, movie_count FROM browse_genres`)
	if err != nil {
		return nil, fmt.Errorf("list genres: %w", err)
	}
	defer rows.Close()
	out := []browseapi.Genre{}
	for rows.Next() {
		var g browseapi.Genre
		if err := rows.Scan(&g.ID, &g.Slug, &g.Name, &g.MovieCount); err != nil {
			return nil, fmt.Errorf("list genres: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list genres: %w", err)
	}
	// sorted here so both engines agree whatever the database collation
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (s *sqlStore) Person(ctx context.Context, q sqldb.Querier, id string) (PersonDoc, error) {
	var (
		d    PersonDoc
		live int
		doc  string
	)
	err := q.QueryRowContext(ctx, `SELECT version, live, doc FROM browse_people WHERE id = ?`, id).Scan(&d.Version, &live, &doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return d, fmt.Errorf("person %s: %w", id, ErrNotFound)
	case err != nil:
		return d, fmt.Errorf("person %s: %w", id, err)
	}
	d.Live, d.Doc = live == 1, []byte(doc)
	return d, nil
}

func (s *sqlStore) Filmography(ctx context.Context, q sqldb.Querier, personID string) ([]catalogapi.FilmographyEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.movie_id, m.title, m.release_key, c.kind, c.character_name, c.job
		FROM browse_credits c JOIN browse_movies m ON m.id = c.movie_id
		WHERE c.person_id = ? AND m.live = 1
		ORDER BY m.release_key DESC, m.title_key, m.id, c.kind, c.seq`, personID)
	if err != nil {
		return nil, fmt.Errorf("filmography of %s: %w", personID, err)
	}
	defer rows.Close()
	out := []catalogapi.FilmographyEntry{}
	for rows.Next() {
		var (
			e       catalogapi.FilmographyEntry
			release string
		)
		if err := rows.Scan(&e.MovieID, &e.Title, &release, &e.Credit, &e.Character, &e.Job); err != nil {
			return nil, fmt.Errorf("filmography of %s: %w", personID, err)
		}
		if release != "" {
			e.ReleaseDate = &release
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("filmography of %s: %w", personID, err)
	}
	return out, nil
}

func (s *sqlStore) ListPeople(ctx context.Context, q sqldb.Querier, pq PersonQuery) ([]PersonRow, error) {
	where := []string{`p.live = 1`}
	var args []any
	if pq.Text != "" {
		where = append(where, `p.name_key LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(NameKey(pq.Text))+"%")
	}
	if pq.ActorsOnly {
		// credits are kept for live movies only
		where = append(where, `EXISTS (SELECT 1 FROM browse_credits c WHERE c.person_id = p.id AND c.kind = 'cast')`)
	}
	keys := []string{`p.name_key`, `p.id`}
	switch pq.Sort {
	case SortName, "":
	case SortPersonCreated:
		keys = []string{`p.created_key`, `p.name_key`, `p.id`}
	default:
		return nil, fmt.Errorf("unknown person sort %q", pq.Sort)
	}
	keyset := tiesByTitle
	if len(keys) == 2 {
		keyset = sqldb.Keyset
	}
	kw, kargs, orderBy, err := keyset(keys, pq.After, pq.Desc, func(_ int, v string) (any, error) { return v, nil })
	if err != nil {
		return nil, err
	}
	if kw != "" {
		where = append(where, kw)
		args = append(args, kargs...)
	}
	query := `SELECT p.id, p.doc, ` + strings.Join(keys, ", ") + ` FROM browse_people p WHERE ` +
		strings.Join(where, ` AND `) + ` ORDER BY ` + orderBy + ` LIMIT ?`
	args = append(args, pq.Limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	out := []PersonRow{}
	for rows.Next() {
		var (
			r   PersonRow
			doc string
		)
		key := make([]string, len(keys))
		dest := []any{&r.ID, &doc}
		for i := range key {
			dest = append(dest, &key[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list people: %w", err)
		}
		r.Doc, r.Key = []byte(doc), key
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	return out, nil
}

func (s *sqlStore) SearchItems(ctx context.Context, q sqldb.Querier, refs []Ref) (map[Ref][]byte, error) {
	out := make(map[Ref][]byte, len(refs))
	for _, part := range chunks(refs, 200) {
		args := make([]any, 0, 2*len(part))
		for _, r := range part {
			args = append(args, r.Kind, r.ID)
		}
		rows, err := q.QueryContext(ctx, `SELECT kind, ref_id, item FROM browse_search WHERE (kind, ref_id) IN (`+valuesList(len(part), 2)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("search items: %w", err)
		}
		for rows.Next() {
			var (
				r    Ref
				item string
			)
			if err := rows.Scan(&r.Kind, &r.ID, &item); err != nil {
				rows.Close()
				return nil, fmt.Errorf("search items: %w", err)
			}
			out[r] = []byte(item)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("search items: %w", err)
		}
	}
	return out, nil
}

// truncateTables are the read model's tables (the event tables are not among them).
var truncateTables = []string{"browse_movies", "browse_movie_docs", "browse_top", "browse_movie_genres", "browse_genres", "browse_credits", "browse_people", "browse_search",
	"browse_movie_plans", "browse_plan_movies", "browse_user_plans"}

// bulkMovies writes live and deleted movies with their genre rows and credits
// through multi-row INSERTs (no conflict handling: the model must be empty).
func bulkMovies(ctx context.Context, q sqldb.Querier, ms []MovieRecord) error {
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := q.ExecContext(ctx, `INSERT INTO browse_movies (`+movieColumns+`) VALUES `+valuesList(len(args)/movieWidth, movieWidth), args...)
		args = args[:0]
		if err != nil {
			return fmt.Errorf("bulk insert movies: %w", err)
		}
		return nil
	}
	for _, m := range ms {
		a, err := movieArgs(m)
		if err != nil {
			return err
		}
		args = append(args, a...)
		if len(args) >= movieWidth*200 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for _, part := range chunks(ms, 300) {
		docArgs := make([]any, 0, 3*len(part))
		for _, m := range part {
			docArgs = append(docArgs, m.ID, string(m.Doc), string(m.Summary))
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO browse_movie_docs (id, doc, summary) VALUES `+valuesList(len(part), 3), docArgs...); err != nil {
			return fmt.Errorf("bulk insert movie documents: %w", err)
		}
	}
	var live []MovieRecord
	var top []any
	for _, m := range ms {
		if m.Live {
			live = append(live, m)
			if m.Rating.Count > 0 && m.Rating.Average != nil {
				top = append(top, m.ID, m.Rating.Count, *m.Rating.Average, m.WR, m.Keys.TitleKey)
			}
		}
	}
	for _, part := range chunks(top, 5*400) {
		if _, err := q.ExecContext(ctx, `INSERT INTO browse_top (movie_id, rating_count, rating_avg, wr, title_key) VALUES `+valuesList(len(part)/5, 5), part...); err != nil {
			return fmt.Errorf("bulk insert top-rated rows: %w", err)
		}
	}
	if err := insertGenreRows(ctx, q, live); err != nil {
		return err
	}
	return insertCredits(ctx, q, live)
}

func bulkPeople(ctx context.Context, q sqldb.Querier, ps []PersonRecord) error {
	for _, part := range chunks(ps, 500) {
		args := make([]any, 0, 6*len(part))
		for _, p := range part {
			args = append(args, personArgs(p)...)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO browse_people (`+personColumns+`) VALUES `+valuesList(len(part), 6), args...); err != nil {
			return fmt.Errorf("bulk insert people: %w", err)
		}
	}
	return nil
}
