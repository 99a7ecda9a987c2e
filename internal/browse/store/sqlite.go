package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqliteStore is the SQLite implementation. What is SQLite-specific:
//   - search is an FTS5 table (unicode61 tokenizer, prefix indexes for 2 and
//     3 characters) whose rowid is browse_search.key with the entry's
//     popularity rank above it, so a query reads its most popular matches
//     first and stops at SearchQuery.Max; word-prefix queries only: SQLite
//     has no typo-tolerant matching here;
//   - list filters on a key column other than the sort's are written +col,
//     so the planner reads the page in the sort index's order instead of
//     range-scanning the filter's index and sorting (PostgreSQL's planner
//     weighs both with its statistics);
//   - no row locks: sqldb opens SQLite transactions as IMMEDIATE, so a
//     writing transaction holds the database's write lock from its first statement;
//   - the bulk loader drops the secondary indexes, inserts, and recreates them.
type sqliteStore struct{ *sqlStore }

func newSQLite(db *sqldb.DB) *sqliteStore {
	return &sqliteStore{&sqlStore{Bound: sqldb.Bind(db), filterOnly: func(col string) string { return "+" + col }}}
}

func (s *sqliteStore) FuzzySearch(context.Context, sqldb.Querier) bool { return false }

func (s *sqliteStore) FuzzyCandidates(context.Context, sqldb.Querier, SearchQuery) ([]Candidate, error) {
	return []Candidate{}, nil
}

// ftsKeyBits is how many low bits of an FTS rowid hold browse_search.key.
const ftsKeyBits = 40

// ftsRowid is the FTS rowid of an entry: its popularity rank (by powers of
// two, most popular lowest) above its key.
func ftsRowid(key int64, popularity int) int64 {
	return int64(63-bits.Len64(uint64(max(popularity, 0))))<<ftsKeyBits | key
}

// searchRow is an entry's key, text, kind and popularity, or ok false when there is none.
func searchRow(ctx context.Context, q sqldb.Querier, kind, id string) (key int64, text string, popularity int, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT key, text, popularity FROM browse_search WHERE kind = ? AND ref_id = ?`, kind, id).Scan(&key, &text, &popularity)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", 0, false, nil
	}
	if err != nil {
		return 0, "", 0, false, fmt.Errorf("search entry %s %s: %w", kind, id, err)
	}
	return key, text, popularity, true, nil
}

func moveFTS(ctx context.Context, q sqldb.Querier, oldRowid, newRowid int64, text, kind string) error {
	if oldRowid != 0 {
		if _, err := q.ExecContext(ctx, `DELETE FROM browse_search_fts WHERE rowid = ?`, oldRowid); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	if newRowid != 0 {
		if _, err := q.ExecContext(ctx, `INSERT INTO browse_search_fts (rowid, text, kind) VALUES (?, ?, ?)`, newRowid, text, kind); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	return nil
}

func (s *sqliteStore) PutSearch(ctx context.Context, q sqldb.Querier, e SearchEntry) error {
	oldKey, _, oldPop, found, err := searchRow(ctx, q, e.Kind, e.ID)
	if err != nil {
		return err
	}
	var key int64
	err = q.QueryRowContext(ctx, `INSERT INTO browse_search (kind, ref_id, text, popularity, item) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, ref_id) DO UPDATE SET text = excluded.text, popularity = excluded.popularity, item = excluded.item
		RETURNING key`, e.Kind, e.ID, e.Text, e.Popularity, string(e.Item)).Scan(&key)
	if err != nil {
		return fmt.Errorf("put search entry %s %s: %w", e.Kind, e.ID, err)
	}
	var old int64
	if found {
		old = ftsRowid(oldKey, oldPop)
	}
	return moveFTS(ctx, q, old, ftsRowid(key, e.Popularity), e.Text, e.Kind)
}

func (s *sqliteStore) DeleteSearch(ctx context.Context, q sqldb.Querier, kind, id string) error {
	key, _, pop, found, err := searchRow(ctx, q, kind, id)
	if err != nil || !found {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM browse_search WHERE key = ?`, key); err != nil {
		return fmt.Errorf("delete search entry %s %s: %w", kind, id, err)
	}
	return moveFTS(ctx, q, ftsRowid(key, pop), 0, "", "")
}

// SetSearchItem also moves the entry in the FTS index when its popularity
// changes rank (a power of two).
func (s *sqliteStore) SetSearchItem(ctx context.Context, q sqldb.Querier, kind, id string, item []byte, popularity int) error {
	key, text, pop, found, err := searchRow(ctx, q, kind, id)
	if err != nil || !found {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE browse_search SET item = ?, popularity = ? WHERE key = ?`, string(item), popularity, key); err != nil {
		return fmt.Errorf("update search entry %s %s: %w", kind, id, err)
	}
	if old, now := ftsRowid(key, pop), ftsRowid(key, popularity); old != now {
		return moveFTS(ctx, q, old, now, text, kind)
	}
	return nil
}

func (s *sqliteStore) RecountPeople(ctx context.Context, q sqldb.Querier, ids []string) error {
	for _, part := range chunks(ids, 500) {
		rows, err := q.QueryContext(ctx, `SELECT key, text, popularity,
			(SELECT COUNT(DISTINCT c.movie_id) FROM browse_credits c WHERE c.person_id = s.ref_id)
			FROM browse_search s WHERE kind = 'person' AND ref_id IN (`+sqldb.Placeholders(len(part))+`)`, sqldb.StringArgs(part)...)
		if err != nil {
			return fmt.Errorf("recount people: %w", err)
		}
		type change struct {
			key       int64
			text      string
			old, next int
		}
		var changes []change
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.key, &c.text, &c.old, &c.next); err != nil {
				rows.Close()
				return fmt.Errorf("recount people: %w", err)
			}
			if c.old != c.next {
				changes = append(changes, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("recount people: %w", err)
		}
		for _, c := range changes {
			if _, err := q.ExecContext(ctx, `UPDATE browse_search SET popularity = ? WHERE key = ?`, c.next, c.key); err != nil {
				return fmt.Errorf("recount people: %w", err)
			}
			if old, now := ftsRowid(c.key, c.old), ftsRowid(c.key, c.next); old != now {
				if err := moveFTS(ctx, q, old, now, c.text, KindPerson); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ftsQuery is the FTS5 query matching every word in the text, words of two
// characters or more as prefixes: text : ("casa"* "blanca"*), and the kind.
func ftsQuery(words []string, kind string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + w + `"`
		if len([]rune(w)) >= 2 {
			parts[i] += "*"
		}
	}
	q := `text : (` + strings.Join(parts, " ") + `)`
	if kind != "" {
		q += ` AND kind : "` + kind + `"`
	}
	return q
}

func (s *sqliteStore) SearchCandidates(ctx context.Context, q sqldb.Querier, sq SearchQuery) ([]Candidate, error) {
	if len(sq.Words) == 0 {
		return []Candidate{}, nil
	}
	// rowid order is popularity rank order: FTS5 stops after sq.Max matches
	return scanCandidates(ctx, q, `SELECT s.kind, s.ref_id, s.text, s.popularity
		FROM (SELECT rowid AS r FROM browse_search_fts WHERE browse_search_fts MATCH ? ORDER BY rowid LIMIT ?) f
		JOIN browse_search s ON s.key = (f.r & `+strconv.FormatInt(1<<ftsKeyBits-1, 10)+`)
		ORDER BY f.r`, []any{ftsQuery(sq.Words, sq.Kind), sq.Max}, false)
}

func scanCandidates(ctx context.Context, q sqldb.Querier, query string, args []any, fuzzy bool) ([]Candidate, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	out := []Candidate{}
	for rows.Next() {
		c := Candidate{Fuzzy: fuzzy}
		if err := rows.Scan(&c.Kind, &c.ID, &c.Text, &c.Popularity); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

func (s *sqliteStore) Truncate(ctx context.Context, q sqldb.Querier) error {
	for _, t := range append(truncateTables, "browse_search_fts") {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return fmt.Errorf("truncate %s: %w", t, err)
		}
	}
	return s.SaveStats(ctx, q, Stats{})
}

func (s *sqliteStore) bulkLoad(ctx context.Context, db *sqldb.DB, b Bulk) error {
	return db.InTx(ctx, func(tx *sqldb.Tx) error {
		// one connection (the transaction's) with a large page cache;
		// secondary indexes are built once at the end, which is much faster
		// than keeping them up to date row by row
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
			return err
		}
		defer func() { _, _ = tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -2000`) }()
		indexes, err := dropIndexes(ctx, tx, `SELECT name, sql FROM sqlite_master
			WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('browse_movies', 'browse_movie_genres', 'browse_credits', 'browse_people')`)
		if err != nil {
			return err
		}
		if err := bulkMovies(ctx, tx, b.Movies); err != nil {
			return err
		}
		if err := bulkPeople(ctx, tx, b.People); err != nil {
			return err
		}
		if err := s.UpsertGenres(ctx, tx, b.Genres); err != nil {
			return err
		}
		for i, part := range chunks(b.Search, 500) {
			args := make([]any, 0, 6*len(part))
			fts := make([]any, 0, 3*len(part))
			for j, e := range part {
				key := int64(i*500 + j + 1) // the table is empty
				args = append(args, key, e.Kind, e.ID, e.Text, e.Popularity, string(e.Item))
				fts = append(fts, ftsRowid(key, e.Popularity), e.Text, e.Kind)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO browse_search (key, kind, ref_id, text, popularity, item) VALUES `+valuesList(len(part), 6), args...); err != nil {
				return fmt.Errorf("bulk insert search entries: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO browse_search_fts (rowid, text, kind) VALUES `+valuesList(len(part), 3), fts...); err != nil {
				return fmt.Errorf("bulk index search entries: %w", err)
			}
		}
		if err := createIndexes(ctx, tx, indexes); err != nil {
			return err
		}
		// statistics for the planner, from a sample of each index
		_, err = tx.ExecContext(ctx, `PRAGMA analysis_limit = 1000; ANALYZE`)
		return err
	})
}

// dropIndexes drops the indexes the query lists (name, definition) and returns their definitions.
func dropIndexes(ctx context.Context, db sqldb.Querier, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list indexes: %w", err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	for i, n := range names {
		if _, err := db.ExecContext(ctx, `DROP INDEX `+sqldb.QuoteIdent(n)); err != nil {
			_ = createIndexes(ctx, db, defs[:i])
			return nil, fmt.Errorf("drop index %s: %w", n, err)
		}
	}
	return defs, nil
}

func createIndexes(ctx context.Context, db sqldb.Querier, defs []string) error {
	for _, d := range defs {
		if _, err := db.ExecContext(ctx, d); err != nil {
			return fmt.Errorf("recreate index: %w", err)
		}
	}
	return nil
}
