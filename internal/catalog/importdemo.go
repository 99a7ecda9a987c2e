package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/catalog/demo"
	"github.com/marquee-dev/marquee/internal/catalog/store"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// DirectorJob is the crew job of the directors the demo import credits.
const DirectorJob = "Director"

// ImportReport says what ImportDemo did.
type ImportReport struct {
	Rows           int             `json:"rows"`            // rows given
	Created        int             `json:"created"`         // movies created
	AlreadyPresent int             `json:"already_present"` // movies an earlier import created
	PeopleCreated  int             `json:"people_created"`  // directors created (others were reused by name)
	Failed         []ImportFailure `json:"failed"`          // rows not stored, with the reason
	// MovieIDs maps each stored row's line to its movie's id, whether this
	// import created it or found it (the demo community reviews them).
	MovieIDs map[int]string `json:"-"`
}

// ImportFailure is one row ImportDemo did not store.
type ImportFailure struct {
	Line   int    `json:"line"`
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

// ImportKey is the identity of an imported movie: its normalised title
// (case-folded, letters and digits only, single spaces) and release date.
func ImportKey(title, releaseDate string) string {
	return normaliseName(title) + "|" + releaseDate
}

// PersonImportKey is the identity of an imported person: the normalised name.
func PersonImportKey(name string) string { return normaliseName(name) }

func normaliseName(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

type importItem struct {
	line        int
	movie       catalogapi.MovieWrite
	key         string
	director    string
	directorKey string
}

type importTally struct {
	created, present, people int
	ids                      map[int]string // line -> movie id
}

// ImportDemo stores demo rows as movies, each with its genre and, when the
// row names one, its director (a person reused by normalised name, credited
// with the crew job "Director"), and the catalog.movie.created /
// catalog.person.created events. It is idempotent: a movie whose import key
// (normalised title + release date) is already stored counts as already
// present, so a second run adds nothing.
//
// Rows are written in transactions of WithImportBatch rows (default 200); if any row
// of a batch fails, the batch is rolled back and redone one row per
// transaction, so a bad row is reported and never leaves half a movie. Rows
// failing validation are reported without touching the database. The error
// is only for a cancelled context.
func (s *Service) ImportDemo(ctx context.Context, rows []demo.Row) (ImportReport, error) {
	rep := ImportReport{Rows: len(rows), Failed: []ImportFailure{}, MovieIDs: map[int]string{}}
	now := s.now()
	items := make([]importItem, 0, len(rows))
	for _, r := range rows {
		it, err := prepareImport(r, now)
		if err != nil {
			rep.Failed = append(rep.Failed, ImportFailure{Line: r.Line, Title: r.Title, Reason: failureReason(err)})
			continue
		}
		items = append(items, it)
	}
	for start := 0; start < len(items); start += s.opts.importBatch {
		part := items[start:min(start+s.opts.importBatch, len(items))]
		var t importTally
		err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			t = importTally{}
			for _, it := range part {
				if err := s.importOne(ctx, tx, it, &t); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			rep.add(t)
			continue
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		s.log.Warn("demo import: a batch failed; writing its rows one by one", "first_line", part[0].line, "error", err.Error())
		for _, it := range part {
			var t importTally
			err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
				t = importTally{}
				return s.importOne(ctx, tx, it, &t)
			})
			if err != nil {
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				rep.Failed = append(rep.Failed, ImportFailure{Line: it.line, Title: it.movie.Title, Reason: failureReason(err)})
				continue
			}
			rep.add(t)
		}
	}
	sort.SliceStable(rep.Failed, func(i, j int) bool { return rep.Failed[i].Line < rep.Failed[j].Line })
	return rep, nil
}

func (r *ImportReport) add(t importTally) {
	r.Created += t.created
	r.AlreadyPresent += t.present
	r.PeopleCreated += t.people
	for line, id := range t.ids {
		r.MovieIDs[line] = id
	}
}

func failureReason(err error) string {
	var ve *apperr.Error
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		parts := make([]string, len(ve.Fields))
		for i, fe := range ve.Fields {
			parts[i] = fe.Field + " " + fe.Reason
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

// prepareImport turns a row into a validated movie write.
func prepareImport(r demo.Row, now time.Time) (importItem, error) {
	it := importItem{line: r.Line}
	w := catalogapi.MovieWrite{
		Title:          r.Title,
		Overview:       r.Synopsis(),
		ReleaseDate:    r.ReleaseDate,
		MaturityRating: importRating(r.MaturityRating),
	}
	if r.RuntimeMinutes != 0 {
		n := r.RuntimeMinutes
		w.RuntimeMinutes = &n
	}
	var v apperr.Validator
	if r.Genre != "" {
		g, ok := genreByName(r.Genre)
		if !ok {
			v.Add("genre", fmt.Sprintf("%q is not a known genre", r.Genre))
		} else {
			w.GenreIDs = []string{g.ID}
		}
	}
	it.director = strings.Join(strings.Fields(r.Director), " ")
	if it.director != "" {
		if len([]rune(it.director)) > MaxNameLen {
			v.Add("director", fmt.Sprintf("must be at most %d characters", MaxNameLen))
		}
		it.directorKey = PersonImportKey(it.director)
		if it.directorKey == "" {
			it.director = "" // no letters or digits: not a name
		}
	}
	if err := v.Err(); err != nil {
		return it, err
	}
	if err := validateMovie(&w, now); err != nil {
		return it, err
	}
	it.movie = w
	it.key = ImportKey(w.Title, w.ReleaseDate)
	return it, nil
}

// importRating maps the rating spellings of the source to the accepted ones.
func importRating(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "NOT RATED", "UNRATED", "OPEN":
		return "NR"
	}
	return s
}

// importOne stores one row in tx (or finds it stored already). The event
// documents are built from what was written rather than read back: an
// imported movie has only its title, overview, date, rating, runtime, one
// genre and its director.
func (s *Service) importOne(ctx context.Context, tx *sqldb.Tx, it importItem, t *importTally) error {
	if t.ids == nil {
		t.ids = map[int]string{}
	}
	if id, err := s.store.MovieIDByImportKey(ctx, tx, it.key); err == nil {
		t.present++
		t.ids[it.line] = id
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := s.now()
	w := it.movie
	crew := []catalogapi.CrewCredit{}
	if it.director != "" {
		p, err := s.store.PersonByImportKey(ctx, tx, it.directorKey)
		if errors.Is(err, store.ErrNotFound) {
			if p.ID, err = newID(); err != nil {
				return err
			}
			p.Name = it.director
			err = s.store.CreatePerson(ctx, tx, store.NewPerson{
				ID: p.ID, Fields: catalogapi.PersonWrite{Name: it.director}, ImportKey: it.directorKey, Now: now,
			})
			if err != nil {
				return err
			}
			doc := catalogapi.Person{
				ID: p.ID, Name: p.Name, Filmography: []catalogapi.FilmographyEntry{}, Version: 1, CreatedAt: now, UpdatedAt: now,
			}
			if err := s.emitAs(ctx, tx, true, catalogapi.PersonCreated, p.ID, doc); err != nil {
				return err
			}
			t.people++
		} else if err != nil {
			return err
		}
		w.Crew = []catalogapi.CrewWrite{{PersonID: p.ID, Job: DirectorJob}}
		if !p.Deleted { // deleted people are credited but not listed
			crew = append(crew, catalogapi.CrewCredit{PersonID: p.ID, Name: p.Name, Job: DirectorJob})
		}
	}
	id, err := newID()
	if err != nil {
		return err
	}
	if err := s.store.CreateMovie(ctx, tx, store.NewMovie{ID: id, Fields: w, ImportKey: it.key, Now: now}); err != nil {
		return err
	}
	doc := catalogapi.Movie{
		ID: id, Title: w.Title, Overview: w.Overview, ReleaseDate: optString(w.ReleaseDate), RuntimeMinutes: w.RuntimeMinutes,
		MaturityRating: w.MaturityRating, Languages: []string{}, Genres: []catalogapi.Genre{},
		Cast: []catalogapi.CastCredit{}, Crew: crew, RatingSummary: catalogapi.EmptyRatingSummary(),
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	for _, gid := range w.GenreIDs {
		for _, g := range catalogapi.Genres {
			if g.ID == gid {
				doc.Genres = append(doc.Genres, g)
			}
		}
	}
	if err := s.emitAs(ctx, tx, true, catalogapi.MovieCreated, id, doc); err != nil {
		return err
	}
	t.created++
	t.ids[it.line] = id
	return nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
