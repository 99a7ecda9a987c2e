package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// ErrBadPosition: the list position (a decoded cursor) does not fit the sort.
var ErrBadPosition = sqldb.ErrBadPosition

// sqlStore is the SQL both engines share. The engine-specific parts are the
// fields set by newSQLite and newPostgres.
type sqlStore struct {
	sqldb.Bound
	// forUpdate is appended to a SELECT that must lock the rows it reads.
	forUpdate string
}

// ---- scanning helpers

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// escapeLike escapes the LIKE wildcards of s for ESCAPE '\'.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// chunks splits ids so no statement carries too many arguments.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// ---- genres

func (s *sqlStore) ListGenres(ctx context.Context, q sqldb.Querier) ([]catalogapi.Genre, error) {
	out, err := sqldb.QueryAll(ctx, q, func(row sqldb.Row) (g catalogapi.Genre, err error) {
		err = row.Scan(&g.ID, &g.Slug, &g.Name)
		return g, err
	}, `SELECT id, slug, name FROM genres`)
	if err != nil {
		return nil, fmt.Errorf("list genres: %w", err)
	}
	// sorted here so both engines agree whatever the database collation
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *sqlStore) MissingGenres(ctx context.Context, q sqldb.Querier, ids []string) (map[string]bool, error) {
	return s.missing(ctx, q, `SELECT id FROM genres WHERE id IN (%s)`, ids)
}

func (s *sqlStore) MissingPeople(ctx context.Context, q sqldb.Querier, ids []string) (map[string]bool, error) {
	return s.missing(ctx, q, `SELECT id FROM people WHERE deleted_at IS NULL AND id IN (%s)`, ids)
}

// missing runs query (with one %s for the id list) and returns the ids it did not find.
func (s *sqlStore) missing(ctx context.Context, q sqldb.Querier, query string, ids []string) (map[string]bool, error) {
	missing := make(map[string]bool, len(ids))
	for _, id := range ids {
		missing[id] = true
	}
	for _, part := range chunks(ids, 500) {
		rows, err := q.QueryContext(ctx, fmt.Sprintf(query, sqldb.Placeholders(len(part))), sqldb.StringArgs(part)...)
		if err != nil {
			return nil, fmt.Errorf("check references: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("check references: %w", err)
			}
			delete(missing, id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("check references: %w", err)
		}
	}
	return missing, nil
}

// ---- movies: writes

func (s *sqlStore) CreateMovie(ctx context.Context, q sqldb.Querier, m NewMovie) error {
	f := m.Fields
	langs, err := encodeLanguages(f.Languages)
	if err != nil {
		return err
	}
	now := s.Engine().TimeArg(m.Now)
	_, err = q.ExecContext(ctx, `INSERT INTO movies (id, title, title_key, original_title, overview, release_date,
		runtime_minutes, maturity_rating, languages, poster_url, import_key, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		m.ID, f.Title, TitleKey(f.Title), f.OriginalTitle, f.Overview, f.ReleaseDate,
		runtimeArg(f.RuntimeMinutes), f.MaturityRating, langs, f.PosterURL, nullable(m.ImportKey), now, now)
	if err != nil {
		if sqldb.IsUniqueViolation(err) && m.ImportKey != "" {
			return fmt.Errorf("insert movie %s: %w", m.ID, ErrDuplicateImportKey)
		}
		return fmt.Errorf("insert movie %s: %w", m.ID, err)
	}
	return s.writeMovieLinks(ctx, q, m.ID, f)
}

func (s *sqlStore) UpdateMovie(ctx context.Context, q sqldb.Querier, id string, f catalogapi.MovieWrite, now time.Time) error {
	langs, err := encodeLanguages(f.Languages)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE movies SET title = ?, title_key = ?, original_title = ?, overview = ?,
		release_date = ?, runtime_minutes = ?, maturity_rating = ?, languages = ?, poster_url = ?,
		version = version + 1, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL`,
		f.Title, TitleKey(f.Title), f.OriginalTitle, f.Overview, f.ReleaseDate, runtimeArg(f.RuntimeMinutes),
		f.MaturityRating, langs, f.PosterURL, s.Engine().TimeArg(now), id)
	if err := expectRow(res, err, "update movie "+id); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM movie_genres WHERE movie_id = ?`, id); err != nil {
		return fmt.Errorf("update movie %s genres: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM credits WHERE movie_id = ?`, id); err != nil {
		return fmt.Errorf("update movie %s credits: %w", id, err)
	}
	return s.writeMovieLinks(ctx, q, id, f)
}

// expectRow turns "no row changed" into ErrNotFound.
func expectRow(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

func runtimeArg(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func encodeLanguages(langs []string) (string, error) {
	if langs == nil {
		langs = []string{}
	}
	raw, err := json.Marshal(langs)
	if err != nil {
		return "", fmt.Errorf("encode languages: %w", err)
	}
	return string(raw), nil
}

func (s *sqlStore) writeMovieLinks(ctx context.Context, q sqldb.Querier, id string, f catalogapi.MovieWrite) error {
	if len(f.GenreIDs) > 0 {
		args := make([]any, 0, 3*len(f.GenreIDs))
		for i, g := range f.GenreIDs {
			args = append(args, id, g, i)
		}
		query := `INSERT INTO movie_genres (movie_id, genre_id, seq) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(f.GenreIDs)), ", ")
		if _, err := q.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("insert movie %s genres: %w", id, err)
		}
	}
	n := len(f.Cast) + len(f.Crew)
	if n == 0 {
		return nil
	}
	args := make([]any, 0, 7*n)
	for i, c := range f.Cast {
		order := i
		if c.Order != nil {
			order = *c.Order
		}
		args = append(args, id, catalogapi.CreditCast, i, c.PersonID, c.Character, "", order)
	}
	for i, c := range f.Crew {
		args = append(args, id, catalogapi.CreditCrew, i, c.PersonID, "", c.Job, i)
	}
	query := `INSERT INTO credits (movie_id, kind, seq, person_id, character_name, job, billing_order) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", n), ", ")
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("insert movie %s credits: %w", id, err)
	}
	return nil
}

func (s *sqlStore) SoftDeleteMovie(ctx context.Context, q sqldb.Querier, id string, now time.Time) error {
	t := s.Engine().TimeArg(now)
	res, err := q.ExecContext(ctx, `UPDATE movies SET deleted_at = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND deleted_at IS NULL`, t, t, id)
	return expectRow(res, err, "delete movie "+id)
}

func (s *sqlStore) RestoreMovie(ctx context.Context, q sqldb.Querier, id string, now time.Time) (bool, error) {
	return s.restore(ctx, q, "movies", id, now)
}

func (s *sqlStore) restore(ctx context.Context, q sqldb.Querier, table, id string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE `+table+` SET deleted_at = NULL, updated_at = ?, version = version + 1
		WHERE id = ? AND deleted_at IS NOT NULL`, s.Engine().TimeArg(now), id)
	err = expectRow(res, err, "restore "+table+" "+id)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	var one int
	err = q.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("restore %s %s: %w", table, id, ErrNotFound)
	case err != nil:
		return false, fmt.Errorf("restore %s %s: %w", table, id, err)
	}
	return false, nil
}

func (s *sqlStore) TouchMovies(ctx context.Context, q sqldb.Querier, ids []string, now time.Time) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	if s.forUpdate != "" {
		// take the row locks in id order before updating
		for _, part := range chunks(ids, 500) {
			rows, err := q.QueryContext(ctx, `SELECT id FROM movies WHERE id IN (`+sqldb.Placeholders(len(part))+`) ORDER BY id`+s.forUpdate, sqldb.StringArgs(part)...)
			if err != nil {
				return fmt.Errorf("lock movies: %w", err)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("lock movies: %w", err)
			}
		}
	}
	for _, part := range chunks(ids, 500) {
		args := append([]any{s.Engine().TimeArg(now)}, sqldb.StringArgs(part)...)
		if _, err := q.ExecContext(ctx, `UPDATE movies SET version = version + 1, updated_at = ?
			WHERE deleted_at IS NULL AND id IN (`+sqldb.Placeholders(len(part))+`)`, args...); err != nil {
			return fmt.Errorf("touch movies: %w", err)
		}
	}
	return nil
}

func (s *sqlStore) MovieIDsCrediting(ctx context.Context, q sqldb.Querier, personID string) ([]string, error) {
	ids, err := sqldb.QueryAll(ctx, q, sqldb.ScanString, `SELECT DISTINCT c.movie_id FROM credits c JOIN movies m ON m.id = c.movie_id
		WHERE c.person_id = ? AND m.deleted_at IS NULL ORDER BY c.movie_id`, personID)
	if err != nil {
		return nil, fmt.Errorf("movies crediting %s: %w", personID, err)
	}
	return ids, nil
}

func (s *sqlStore) MovieIDByImportKey(ctx context.Context, q sqldb.Querier, key string) (string, error) {
	return s.idByImportKey(ctx, q, "movies", key)
}

func (s *sqlStore) PersonByImportKey(ctx context.Context, q sqldb.Querier, key string) (ImportedPerson, error) {
	var (
		p       ImportedPerson
		deleted *time.Time
	)
	err := q.QueryRowContext(ctx, `SELECT id, name, deleted_at FROM people WHERE import_key = ?`, key).Scan(&p.ID, &p.Name, sqldb.NullTime(&deleted))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return p, fmt.Errorf("person with import key %q: %w", key, ErrNotFound)
	case err != nil:
		return p, fmt.Errorf("person with import key %q: %w", key, err)
	}
	p.Deleted = deleted != nil
	return p, nil
}

func (s *sqlStore) idByImportKey(ctx context.Context, q sqldb.Querier, table, key string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE import_key = ?`, key).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("%s with import key %q: %w", table, key, ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("%s with import key %q: %w", table, key, err)
	}
	return id, nil
}

// ---- movies: reads

const movieColumns = `m.id, m.title, m.original_title, m.overview, m.release_date, m.runtime_minutes,
	m.maturity_rating, m.languages, m.poster_url, m.version, m.created_at, m.updated_at, m.deleted_at`

func scanMovie(r sqldb.Row) (catalogapi.MovieSummary, error) {
	var (
		m              catalogapi.MovieSummary
		release, langs string
		poster         string
		runtime        sql.NullInt64
	)
	if err := r.Scan(&m.ID, &m.Title, &m.OriginalTitle, &m.Overview, &release, &runtime,
		&m.MaturityRating, &langs, &poster, &m.Version,
		sqldb.Time(&m.CreatedAt), sqldb.Time(&m.UpdatedAt), sqldb.NullTime(&m.DeletedAt)); err != nil {
		return m, err
	}
	m.ReleaseDate = optString(release)
	m.PosterURL = optString(poster)
	if runtime.Valid {
		n := int(runtime.Int64)
		m.RuntimeMinutes = &n
	}
	m.Languages = []string{}
	if err := json.Unmarshal([]byte(langs), &m.Languages); err != nil {
		return m, fmt.Errorf("movie %s languages: %w", m.ID, err)
	}
	m.Genres = []catalogapi.Genre{}
	m.RatingSummary = catalogapi.EmptyRatingSummary()
	return m, nil
}

func (s *sqlStore) GetMovie(ctx context.Context, q sqldb.Querier, id string, includeDeleted bool) (catalogapi.Movie, error) {
	query := `SELECT ` + movieColumns + ` FROM movies m WHERE m.id = ?`
	if !includeDeleted {
		query += ` AND m.deleted_at IS NULL`
	}
	sum, err := scanMovie(q.QueryRowContext(ctx, query, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return catalogapi.Movie{}, fmt.Errorf("movie %s: %w", id, ErrNotFound)
	case err != nil:
		return catalogapi.Movie{}, fmt.Errorf("movie %s: %w", id, err)
	}
	genres, err := s.genresOf(ctx, q, []string{id})
	if err != nil {
		return catalogapi.Movie{}, err
	}
	m := catalogapi.Movie{
		ID: sum.ID, Title: sum.Title, OriginalTitle: sum.OriginalTitle, Overview: sum.Overview,
		ReleaseDate: sum.ReleaseDate, RuntimeMinutes: sum.RuntimeMinutes, MaturityRating: sum.MaturityRating,
		Languages: sum.Languages, PosterURL: sum.PosterURL, Genres: sum.Genres, RatingSummary: sum.RatingSummary,
		Version: sum.Version, CreatedAt: sum.CreatedAt, UpdatedAt: sum.UpdatedAt, DeletedAt: sum.DeletedAt,
		Cast: []catalogapi.CastCredit{}, Crew: []catalogapi.CrewCredit{},
	}
	if g := genres[id]; g != nil {
		m.Genres = g
	}
	// people soft-deleted are left out of the public credit lists; their rows stay
	rows, err := q.QueryContext(ctx, `SELECT c.kind, c.person_id, p.name, c.character_name, c.job, c.billing_order
		FROM credits c JOIN people p ON p.id = c.person_id
		WHERE c.movie_id = ? AND p.deleted_at IS NULL
		ORDER BY c.kind, c.billing_order, c.seq`, id)
	if err != nil {
		return m, fmt.Errorf("movie %s credits: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			kind, pid, name, character, job string
			order                           int
		)
		if err := rows.Scan(&kind, &pid, &name, &character, &job, &order); err != nil {
			return m, fmt.Errorf("movie %s credits: %w", id, err)
		}
		if kind == catalogapi.CreditCast {
			m.Cast = append(m.Cast, catalogapi.CastCredit{PersonID: pid, Name: name, Character: character, Order: order})
		} else {
			m.Crew = append(m.Crew, catalogapi.CrewCredit{PersonID: pid, Name: name, Job: job})
		}
	}
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("movie %s credits: %w", id, err)
	}
	return m, nil
}

func (s *sqlStore) genresOf(ctx context.Context, q sqldb.Querier, movieIDs []string) (map[string][]catalogapi.Genre, error) {
	out := make(map[string][]catalogapi.Genre, len(movieIDs))
	for _, part := range chunks(movieIDs, 500) {
		rows, err := q.QueryContext(ctx, `SELECT mg.movie_id, g.id, g.slug, g.name
			FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
			WHERE mg.movie_id IN (`+sqldb.Placeholders(len(part))+`) ORDER BY mg.movie_id, mg.seq`, sqldb.StringArgs(part)...)
		if err != nil {
			return nil, fmt.Errorf("genres of movies: %w", err)
		}
		for rows.Next() {
			var (
				mid string
				g   catalogapi.Genre
			)
			if err := rows.Scan(&mid, &g.ID, &g.Slug, &g.Name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("genres of movies: %w", err)
			}
			out[mid] = append(out[mid], g)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("genres of movies: %w", err)
		}
	}
	return out, nil
}

func (s *sqlStore) ListMovies(ctx context.Context, q sqldb.Querier, mq MovieQuery) ([]catalogapi.MovieSummary, error) {
	var (
		where []string
		args  []any
	)
	if !mq.IncludeDeleted {
		where = append(where, `m.deleted_at IS NULL`)
	}
	if mq.Text != "" {
		where = append(where, `m.title_key LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(TitleKey(mq.Text))+"%")
	}
	if mq.Genre != "" {
		where = append(where, `EXISTS (SELECT 1 FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
			WHERE mg.movie_id = m.id AND (g.slug = ? OR g.id = ?))`)
		args = append(args, mq.Genre, mq.Genre)
	}
	if mq.YearFrom != 0 {
		where = append(where, `m.release_date >= ?`) // '' (unknown) is below any date
		args = append(args, fmt.Sprintf("%04d-01-01", mq.YearFrom))
	}
	if mq.YearTo != 0 {
		where = append(where, `m.release_date <> '' AND m.release_date <= ?`)
		args = append(args, fmt.Sprintf("%04d-12-31", mq.YearTo))
	}
	if mq.PersonID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM credits c JOIN people p ON p.id = c.person_id
			WHERE c.movie_id = m.id AND c.person_id = ? AND p.deleted_at IS NULL)`)
		args = append(args, mq.PersonID)
	}
	if mq.MatchNothing {
		where = append(where, `1 = 0`)
	}

	desc := mq.Desc
	var keys []string
	conv := func(_ int, v string) (any, error) { return v, nil }
	switch mq.Sort {
	case SortYear:
		if desc {
			keys = []string{`m.release_date`, `m.title_key`, `m.id`}
		} else {
			keys = []string{`CASE WHEN m.release_date = '' THEN '` + yearSortUnknownLast + `' ELSE m.release_date END`, `m.title_key`, `m.id`}
		}
	case SortCreated:
		keys = []string{`m.created_at`, `m.id`}
		conv = s.timeKeyConv
	case SortTitle, "":
		keys = []string{`m.title_key`, `m.id`}
	case SortRating, SortPopularity:
		// the catalog has no ratings or view counts: every movie ties, and ties go by title A–Z
		keys = []string{`m.title_key`, `m.id`}
		desc = false
	default:
		return nil, fmt.Errorf("unknown movie sort %q", mq.Sort)
	}
	kw, kargs, orderBy, err := sqldb.Keyset(keys, mq.After, desc, conv)
	if err != nil {
		return nil, err
	}
	if kw != "" {
		where = append(where, kw)
		args = append(args, kargs...)
	}
	query := `SELECT ` + movieColumns + ` FROM movies m`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY ` + orderBy + ` LIMIT ?`
	args = append(args, mq.Limit)

	out, err := sqldb.QueryAll(ctx, q, scanMovie, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list movies: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	for i, m := range out {
		ids[i] = m.ID
	}
	genres, err := s.genresOf(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if g := genres[out[i].ID]; g != nil {
			out[i].Genres = g
		}
	}
	return out, nil
}

// timeKeyConv converts the first value of a (created_at, id) position.
func (s *sqlStore) timeKeyConv(i int, v string) (any, error) {
	if i != 0 {
		return v, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, err
	}
	return s.Engine().TimeArg(t), nil
}

// ---- people

func (s *sqlStore) CreatePerson(ctx context.Context, q sqldb.Querier, p NewPerson) error {
	f := p.Fields
	now := s.Engine().TimeArg(p.Now)
	_, err := q.ExecContext(ctx, `INSERT INTO people (id, name, name_key, birth_date, nationality, biography,
		photo_url, listed_as_actor, import_key, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		p.ID, f.Name, NameKey(f.Name), f.BirthDate, f.Nationality, f.Biography, f.PhotoURL,
		p.ListedAsActor, nullable(p.ImportKey), now, now)
	if err != nil {
		if sqldb.IsUniqueViolation(err) && p.ImportKey != "" {
			return fmt.Errorf("insert person %s: %w", p.ID, ErrDuplicateImportKey)
		}
		return fmt.Errorf("insert person %s: %w", p.ID, err)
	}
	return nil
}

func (s *sqlStore) LockPerson(ctx context.Context, q *sqldb.Tx, id string) (LockedPerson, error) {
	var (
		lp      LockedPerson
		deleted *time.Time
	)
	err := q.QueryRowContext(ctx, `SELECT name, deleted_at FROM people WHERE id = ?`+s.forUpdate, id).Scan(&lp.Name, sqldb.NullTime(&deleted))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return lp, fmt.Errorf("person %s: %w", id, ErrNotFound)
	case err != nil:
		return lp, fmt.Errorf("person %s: %w", id, err)
	}
	lp.Deleted = deleted != nil
	return lp, nil
}

func (s *sqlStore) UpdatePerson(ctx context.Context, q sqldb.Querier, id string, f catalogapi.PersonWrite, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE people SET name = ?, name_key = ?, birth_date = ?, nationality = ?,
		biography = ?, photo_url = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL`,
		f.Name, NameKey(f.Name), f.BirthDate, f.Nationality, f.Biography, f.PhotoURL, s.Engine().TimeArg(now), id)
	return expectRow(res, err, "update person "+id)
}

func (s *sqlStore) SoftDeletePerson(ctx context.Context, q sqldb.Querier, id string, now time.Time) error {
	t := s.Engine().TimeArg(now)
	res, err := q.ExecContext(ctx, `UPDATE people SET deleted_at = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND deleted_at IS NULL`, t, t, id)
	return expectRow(res, err, "delete person "+id)
}

func (s *sqlStore) RestorePerson(ctx context.Context, q sqldb.Querier, id string, now time.Time) (bool, error) {
	return s.restore(ctx, q, "people", id, now)
}

const personColumns = `p.id, p.name, p.birth_date, p.nationality, p.biography, p.photo_url,
	p.version, p.created_at, p.updated_at, p.deleted_at`

func scanPerson(r sqldb.Row) (catalogapi.PersonSummary, error) {
	var (
		p            catalogapi.PersonSummary
		birth, photo string
	)
	if err := r.Scan(&p.ID, &p.Name, &birth, &p.Nationality, &p.Biography, &photo,
		&p.Version, sqldb.Time(&p.CreatedAt), sqldb.Time(&p.UpdatedAt), sqldb.NullTime(&p.DeletedAt)); err != nil {
		return p, err
	}
	p.BirthDate, p.PhotoURL = optString(birth), optString(photo)
	return p, nil
}

func (s *sqlStore) GetPerson(ctx context.Context, q sqldb.Querier, id string, includeDeleted bool) (catalogapi.Person, error) {
	query := `SELECT ` + personColumns + ` FROM people p WHERE p.id = ?`
	if !includeDeleted {
		query += ` AND p.deleted_at IS NULL`
	}
	sum, err := scanPerson(q.QueryRowContext(ctx, query, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return catalogapi.Person{}, fmt.Errorf("person %s: %w", id, ErrNotFound)
	case err != nil:
		return catalogapi.Person{}, fmt.Errorf("person %s: %w", id, err)
	}
	p := catalogapi.Person{
		ID: sum.ID, Name: sum.Name, BirthDate: sum.BirthDate, Nationality: sum.Nationality, Biography: sum.Biography,
		PhotoURL: sum.PhotoURL, Version: sum.Version, CreatedAt: sum.CreatedAt, UpdatedAt: sum.UpdatedAt,
		DeletedAt: sum.DeletedAt, Filmography: []catalogapi.FilmographyEntry{},
	}
	rows, err := q.QueryContext(ctx, `SELECT c.movie_id, m.title, m.release_date, c.kind, c.character_name, c.job
		FROM credits c JOIN movies m ON m.id = c.movie_id
		WHERE c.person_id = ? AND m.deleted_at IS NULL
		ORDER BY m.release_date DESC, m.title_key, m.id, c.kind, c.seq`, id)
	if err != nil {
		return p, fmt.Errorf("person %s filmography: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e       catalogapi.FilmographyEntry
			release string
		)
		if err := rows.Scan(&e.MovieID, &e.Title, &release, &e.Credit, &e.Character, &e.Job); err != nil {
			return p, fmt.Errorf("person %s filmography: %w", id, err)
		}
		e.ReleaseDate = optString(release)
		p.Filmography = append(p.Filmography, e)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("person %s filmography: %w", id, err)
	}
	return p, nil
}

func (s *sqlStore) ListPeople(ctx context.Context, q sqldb.Querier, pq PersonQuery) ([]catalogapi.PersonSummary, error) {
	var (
		where []string
		args  []any
	)
	if !pq.IncludeDeleted {
		where = append(where, `p.deleted_at IS NULL`)
	}
	if pq.Text != "" {
		where = append(where, `p.name_key LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(NameKey(pq.Text))+"%")
	}
	if pq.ActorsOnly {
		where = append(where, `(p.listed_as_actor OR EXISTS (SELECT 1 FROM credits c JOIN movies m ON m.id = c.movie_id
			WHERE c.person_id = p.id AND c.kind = 'cast' AND m.deleted_at IS NULL))`)
	}
	keys := []string{`p.name_key`, `p.id`}
	conv := func(_ int, v string) (any, error) { return v, nil }
	switch pq.Sort {
	case SortName, "":
	case SortPersonCreated:
		keys = []string{`p.created_at`, `p.id`}
		conv = s.timeKeyConv
	default:
		return nil, fmt.Errorf("unknown person sort %q", pq.Sort)
	}
	kw, kargs, orderBy, err := sqldb.Keyset(keys, pq.After, pq.Desc, conv)
	if err != nil {
		return nil, err
	}
	if kw != "" {
		where = append(where, kw)
		args = append(args, kargs...)
	}
	query := `SELECT ` + personColumns + ` FROM people p`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY ` + orderBy + ` LIMIT ?`
	args = append(args, pq.Limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	out := []catalogapi.PersonSummary{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, fmt.Errorf("list people: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	return out, nil
}
