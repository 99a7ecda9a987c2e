package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// postgresStore is the PostgreSQL implementation. What is PostgreSQL-specific:
//   - search uses a tsvector ('simple' configuration over the folded text)
//     with a GIN index for word-prefix queries (to_tsquery 'casa:*'), a
//     second one over the popular entries only (popularity >= 8) that
//     answers broad queries without visiting all their matches, and,
//     where the pg_trgm extension is installed, a trigram GIN index for
//     typo tolerance (word_similarity, the <% operator). The extension's
//     schema is looked up once, so its functions are called schema-qualified
//     whatever the search_path;
//   - rows read before a dependent write are locked with SELECT ... FOR UPDATE;
//   - the bulk loader drops the secondary indexes, inserts, recreates them
//     and ANALYZEs.
type postgresStore struct {
	*sqlStore

	trgmOnce   sync.Mutex
	trgmDone   bool
	trgmSchema string // "" when typo tolerance is not available
}

func newPostgres(db *sqldb.DB) *postgresStore {
	return &postgresStore{sqlStore: &sqlStore{Bound: sqldb.Bind(db), forUpdate: " FOR UPDATE", filterOnly: func(col string) string { return col }}}
}

// trigram returns the schema of pg_trgm when the trigram index exists ("" otherwise).
func (s *postgresStore) trigram(ctx context.Context, q sqldb.Querier) string {
	s.trgmOnce.Lock()
	defer s.trgmOnce.Unlock()
	if s.trgmDone {
		return s.trgmSchema
	}
	var schema string
	err := q.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'pg_trgm' AND to_regclass('browse_search_trgm') IS NOT NULL`).Scan(&schema)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s.trgmDone = true // no extension or no index: no typo tolerance
	case err != nil:
		return "" // asked again next time
	default:
		s.trgmSchema, s.trgmDone = schema, true
	}
	return s.trgmSchema
}

func (s *postgresStore) FuzzySearch(ctx context.Context, q sqldb.Querier) bool {
	return s.trigram(ctx, q) != ""
}

func (s *postgresStore) PutSearch(ctx context.Context, q sqldb.Querier, e SearchEntry) error {
	_, err := q.ExecContext(ctx, `INSERT INTO browse_search (kind, ref_id, text, popularity, item) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, ref_id) DO UPDATE SET text = excluded.text, popularity = excluded.popularity, item = excluded.item`,
		e.Kind, e.ID, e.Text, e.Popularity, string(e.Item))
	if err != nil {
		return fmt.Errorf("put search entry %s %s: %w", e.Kind, e.ID, err)
	}
	return nil
}

func (s *postgresStore) DeleteSearch(ctx context.Context, q sqldb.Querier, kind, id string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM browse_search WHERE kind = ? AND ref_id = ?`, kind, id); err != nil {
		return fmt.Errorf("delete search entry %s %s: %w", kind, id, err)
	}
	return nil
}

// tsQuery is the tsquery matching every word, words of two characters or
// more as prefixes: casa:* & blanca:*. Words are letters and digits only.
func tsQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + w + "'"
		if len([]rune(w)) >= 2 {
			parts[i] += ":*"
		}
	}
	return strings.Join(parts, " & ")
}

func (s *postgresStore) SearchCandidates(ctx context.Context, q sqldb.Querier, sq SearchQuery) ([]Candidate, error) {
	if len(sq.Words) == 0 {
		return []Candidate{}, nil
	}
	kind := ""
	args := []any{tsQuery(sq.Words)}
	if sq.Kind != "" {
		kind = ` AND kind = ?`
		args = append(args, sq.Kind)
	}
	args = append(args, sq.Max)
	// the popular slice first (its own partial index): when it holds Max
	// matches they are the Max most popular of all, and a broad query does
	// not visit its thousands of other matches
	popular, err := scanCandidates(ctx, q, `SELECT kind, ref_id, text, popularity FROM browse_search
		WHERE tsv @@ to_tsquery('simple', ?) AND popularity >= 8`+kind+` ORDER BY popularity DESC, kind, ref_id LIMIT ?`, args, false)
	if err != nil || len(popular) >= sq.Max {
		return popular, err
	}
	return scanCandidates(ctx, q, `SELECT kind, ref_id, text, popularity FROM browse_search
		WHERE tsv @@ to_tsquery('simple', ?)`+kind+` ORDER BY popularity DESC, kind, ref_id LIMIT ?`, args, false)
}

func (s *postgresStore) FuzzyCandidates(ctx context.Context, q sqldb.Querier, sq SearchQuery) ([]Candidate, error) {
	schema := s.trigram(ctx, q)
	if schema == "" || len(sq.Words) == 0 {
		return []Candidate{}, nil
	}
	phrase := strings.Join(sq.Words, " ")
	kind := ""
	args := []any{phrase}
	if sq.Kind != "" {
		kind = ` AND kind = ?`
		args = append(args, sq.Kind)
	}
	args = append(args, phrase, sq.Max)
	ns := sqldb.QuoteIdent(schema)
	// <% : word_similarity(query, text) >= pg_trgm.word_similarity_threshold (0.6)
	return scanCandidates(ctx, q, `SELECT kind, ref_id, text, popularity FROM browse_search
		WHERE ? OPERATOR(`+ns+`.<%) text`+kind+`
		ORDER BY `+ns+`.word_similarity(?, text) DESC, popularity DESC, kind, ref_id LIMIT ?`, args, true)
}

func (s *postgresStore) Truncate(ctx context.Context, q sqldb.Querier) error {
	if _, err := q.ExecContext(ctx, `TRUNCATE `+strings.Join(truncateTables, ", ")); err != nil {
		return fmt.Errorf("truncate the read model: %w", err)
	}
	return s.SaveStats(ctx, q, Stats{})
}

func (s *postgresStore) bulkLoad(ctx context.Context, db *sqldb.DB, b Bulk) error {
	conn, err := db.Raw().Conn(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer conn.Close()
	// COPY through pgx on one connection, in one transaction: drop the
	// secondary indexes, copy every table, rebuild the indexes with a
	// generous maintenance_work_mem, ANALYZE
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk load: not a pgx connection (%T)", driverConn)
		}
		pc := sc.Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after the commit
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'
			AND tablename IN ('browse_movies', 'browse_movie_genres', 'browse_credits', 'browse_people', 'browse_search', 'browse_top')`)
		if err != nil {
			return fmt.Errorf("bulk load: list indexes: %w", err)
		}
		var names, defs []string
		for rows.Next() {
			var n, d string
			if err := rows.Scan(&n, &d); err != nil {
				rows.Close()
				return fmt.Errorf("bulk load: list indexes: %w", err)
			}
			names, defs = append(names, n), append(defs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("bulk load: list indexes: %w", err)
		}
		for _, n := range names {
			if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{n}.Sanitize()); err != nil {
				return fmt.Errorf("bulk load: drop index %s: %w", n, err)
			}
		}
		copyRows := func(table string, cols []string, rows [][]any) error {
			if len(rows) == 0 {
				return nil
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("bulk load: copy %s: %w", table, err)
			}
			return nil
		}
		var movies, docs, top, genreRows, credits [][]any
		for _, m := range b.Movies {
			args, err := movieArgs(m)
			if err != nil {
				return err
			}
			movies = append(movies, args)
			docs = append(docs, []any{m.ID, string(m.Doc), string(m.Summary)})
			if !m.Live {
				continue
			}
			if m.Rating.Count > 0 && m.Rating.Average != nil {
				top = append(top, []any{m.ID, m.Rating.Count, *m.Rating.Average, m.WR, m.Keys.TitleKey})
			}
			hi, lo := ratingKeys(m.Rating)
			for _, g := range m.GenreIDs {
				genreRows = append(genreRows, []any{m.ID, g, m.Keys.TitleKey, m.Keys.ReleaseKey, releaseAscKey(m.Keys.ReleaseKey),
					m.Keys.CreatedKey, m.Rating.Count, hi, lo})
			}
			for _, c := range m.Credits {
				credits = append(credits, []any{m.ID, c.Kind, c.Seq, c.PersonID, c.Character, c.Job, c.Order})
			}
		}
		var people, search [][]any
		for _, p := range b.People {
			people = append(people, personArgs(p))
		}
		for _, e := range b.Search {
			search = append(search, []any{e.Kind, e.ID, e.Text, e.Popularity, string(e.Item)})
		}
		for _, c := range []struct {
			table string
			cols  string
			rows  [][]any
		}{
			{"browse_movies", movieColumns, movies},
			{"browse_movie_docs", "id, doc, summary", docs},
			{"browse_top", "movie_id, rating_count, rating_avg, wr, title_key", top},
			{"browse_movie_genres", genreRowColumns, genreRows},
			{"browse_credits", creditColumns, credits},
			{"browse_people", personColumns, people},
			{"browse_search", "kind, ref_id, text, popularity, item", search},
		} {
			if err := copyRows(c.table, columnList(c.cols), c.rows); err != nil {
				return err
			}
		}
		var genres [][]any
		for _, g := range b.Genres {
			genres = append(genres, []any{g.ID, g.Slug, g.Name})
		}
		if err := copyRows("browse_genres", []string{"id", "slug", "name"}, genres); err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := tx.Exec(ctx, d); err != nil {
				return fmt.Errorf("bulk load: recreate index: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `ANALYZE `+strings.Join(truncateTables, ", ")); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		return tx.Commit(ctx)
	})
}

// columnList splits "a, b, c" into column names.
func columnList(cols string) []string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}
