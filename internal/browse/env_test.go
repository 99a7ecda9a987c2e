package browse_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/browse"
	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

var checker = sync.OnceValues(func() (*openapicheck.Checker, error) { return openapicheck.New(browse.OpenAPI) })

// env is a browse service on a fresh database behind a real HTTP server
// whose every answer is checked against the OpenAPI document.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *sqldb.DB
	svc    *browse.Service
	srv    *httptest.Server
	router *httpx.Router
	client *http.Client
	admin  string
	user   string
	now    time.Time
	minter *authtest.Minter
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newEnv(t testing.TB, engine sqldb.Engine, cfgs ...browse.Config) *env {
	t.Helper()
	return newEnvOn(t, sqldbtest.Open(t, engine), cfgs...)
}

func newEnvOn(t testing.TB, db *sqldb.DB, cfgs ...browse.Config) *env {
	t.Helper()
	ctx := context.Background()
	// the way the composition root migrates
	require.NoError(t, kit.Migrate(ctx, db, browse.Module))
	cfg := browse.Config{TopRatedMinVotes: 2}
	if len(cfgs) > 0 {
		cfg = cfgs[0]
	}
	svc := browse.New(db, quietLog(), cfg)
	s := servicetest.Serve(t, browse.OpenAPI, checker, svc.Routes)
	return &env{t: t, ctx: ctx, db: db, svc: svc, srv: s.Server, router: s.Router, client: s.Client,
		admin: s.Minter.Admin(t), user: s.Minter.User(t), now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), minter: s.Minter}
}

// apply runs the subscription handler on env in a transaction with the
// inbox row, the way events.Consumer does (a duplicate id is skipped).
func (e *env) apply(consumer string, env events.Envelope) {
	e.t.Helper()
	require.NoError(e.t, e.tryApply(consumer, env))
}

func (e *env) tryApply(consumer string, env events.Envelope) error {
	return e.tryApplyBatch(consumer, env)
}

// applyBatch applies envs in one transaction, as a consumer applies the
// events that arrived together: inbox rows first, then the batch handler on
// the events not seen before.
func (e *env) applyBatch(consumer string, envs ...events.Envelope) {
	e.t.Helper()
	require.NoError(e.t, e.tryApplyBatch(consumer, envs...))
}

// tryApplyBatch applies envs as one batch and then lets the background
// recomputation of weighted ratings catch up, as Run does in a running service.
func (e *env) tryApplyBatch(consumer string, envs ...events.Envelope) error {
	if err := e.applyBatchOnly(consumer, envs...); err != nil {
		return err
	}
	return e.svc.Reweigh(e.ctx)
}

func (e *env) applyBatchOnly(consumer string, envs ...events.Envelope) error {
	var h events.BatchHandler
	for _, sub := range e.svc.Subscriptions() {
		if sub.Config.Name == consumer {
			h = sub.Batch
		}
	}
	require.NotNil(e.t, h, consumer)
	return e.db.InTx(e.ctx, func(tx *sqldb.Tx) error {
		var fresh []events.Envelope
		for _, env := range envs {
			res, err := tx.ExecContext(e.ctx, `INSERT INTO inbox (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, consumer, env.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				fresh = append(fresh, env)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		return h(e.ctx, tx, fresh)
	})
}

const (
	catalogConsumer = "browse-catalog"
	ratingsConsumer = "browse-ratings"
)

// putMovie applies a catalog movie event with doc (its type from the document).
func (e *env) putMovie(doc catalogapi.Movie) events.Envelope {
	e.t.Helper()
	typ := catalogapi.MovieUpdated
	switch {
	case doc.DeletedAt != nil:
		typ = catalogapi.MovieDeleted
	case doc.Version == 1:
		typ = catalogapi.MovieCreated
	}
	env := servicetest.NewEnvelope(e.t, catalogapi.Source, typ, doc.ID, doc)
	e.apply(catalogConsumer, env)
	return env
}

func (e *env) putPerson(p catalogapi.Person) events.Envelope {
	e.t.Helper()
	typ := catalogapi.PersonUpdated
	switch {
	case p.DeletedAt != nil:
		typ = catalogapi.PersonDeleted
	case p.Version == 1:
		typ = catalogapi.PersonCreated
	}
	env := servicetest.NewEnvelope(e.t, catalogapi.Source, typ, p.ID, p)
	e.apply(catalogConsumer, env)
	return env
}

// rate applies a rating_changed with the given ratings (1..10) as the whole summary.
func (e *env) rate(movieID string, version int64, ratings ...int) events.Envelope {
	e.t.Helper()
	env := servicetest.NewEnvelope(e.t, reviewsapi.Source, reviewsapi.MovieRatingChanged, movieID, ratingEvent(movieID, version, ratings...))
	e.apply(ratingsConsumer, env)
	return env
}

func ratingEvent(movieID string, version int64, ratings ...int) reviewsapi.RatingChangedEvent {
	var counts [10]int
	var sum int64
	for _, r := range ratings {
		counts[r-1]++
		sum += int64(r)
	}
	s := reviewsapi.NewRatingSummary(counts, sum)
	return reviewsapi.RatingChangedEvent{MovieID: movieID, Average: s.Average, Count: s.Count, Sum: sum, Histogram: s.Histogram, Version: version}
}

func newID(t testing.TB) string {
	t.Helper()
	id, err := uuid.NewV7()
	require.NoError(t, err)
	return id.String()
}

// genres of the catalog's fixed list (browse learns them from movie documents)
var (
	drama   = catalogapi.Genre{ID: "01a1fcbc-70bb-7a4f-9de0-51c7be1597f5", Slug: "drama", Name: "Drama"}
	crime   = catalogapi.Genre{ID: "01a1fcbc-70bb-7a49-a6cd-77993e0475e4", Slug: "crime", Name: "Crime"}
	western = catalogapi.Genre{ID: "01a1fcbc-70bb-7a78-a716-2b7846aea30b", Slug: "western", Name: "Western"}
)

// movie is a catalog document as the catalog would emit it (version 1).
func (e *env) movie(title string, opts ...func(*catalogapi.Movie)) catalogapi.Movie {
	e.t.Helper()
	e.now = e.now.Add(time.Second)
	m := catalogapi.Movie{
		ID: newID(e.t), Title: title, Languages: []string{"en"}, Genres: []catalogapi.Genre{},
		Cast: []catalogapi.CastCredit{}, Crew: []catalogapi.CrewCredit{}, RatingSummary: catalogapi.EmptyRatingSummary(),
		Version: 1, CreatedAt: e.now, UpdatedAt: e.now,
	}
	for _, o := range opts {
		o(&m)
	}
	return m
}

func released(date string) func(*catalogapi.Movie) {
	return func(m *catalogapi.Movie) { m.ReleaseDate = &date }
}

func inGenres(gs ...catalogapi.Genre) func(*catalogapi.Movie) {
	return func(m *catalogapi.Movie) { m.Genres = gs }
}

func withCast(people ...catalogapi.Person) func(*catalogapi.Movie) {
	return func(m *catalogapi.Movie) {
		for i, p := range people {
			m.Cast = append(m.Cast, catalogapi.CastCredit{PersonID: p.ID, Name: p.Name, Character: "Role " + fmt.Sprint(i), Order: i})
		}
	}
}

func directedBy(p catalogapi.Person) func(*catalogapi.Movie) {
	return func(m *catalogapi.Movie) {
		m.Crew = append(m.Crew, catalogapi.CrewCredit{PersonID: p.ID, Name: p.Name, Job: "Director"})
	}
}

// next returns the document's next version with change applied.
func (e *env) next(m catalogapi.Movie, change func(*catalogapi.Movie)) catalogapi.Movie {
	e.now = e.now.Add(time.Second)
	out := m
	out.Version++
	out.UpdatedAt = e.now
	if change != nil {
		change(&out)
	}
	return out
}

func (e *env) deleted(m catalogapi.Movie) catalogapi.Movie {
	return e.next(m, func(m *catalogapi.Movie) { t := e.now; m.DeletedAt = &t })
}

func (e *env) restored(m catalogapi.Movie) catalogapi.Movie {
	return e.next(m, func(m *catalogapi.Movie) { m.DeletedAt = nil })
}

func (e *env) person(name string) catalogapi.Person {
	e.t.Helper()
	e.now = e.now.Add(time.Second)
	return catalogapi.Person{ID: newID(e.t), Name: name, Filmography: []catalogapi.FilmographyEntry{}, Version: 1, CreatedAt: e.now, UpdatedAt: e.now}
}

// call GETs path with token and the given header pairs; the answer has
// been checked against the OpenAPI document (by e.client).
func (e *env) call(path, token string, headers ...string) servicetest.Response {
	e.t.Helper()
	req := servicetest.NewRequest(e.t, e.ctx, http.MethodGet, e.srv.URL+path, token, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return servicetest.Send(e.t, e.client, req)
}

// get fetches path, requires 200 and decodes into v.
func (e *env) get(path string, v any) {
	e.t.Helper()
	r := e.call(path, "")
	require.Equal(e.t, http.StatusOK, r.Status, "%s: %s", path, r.Body)
	r.Decode(e.t, v)
}

func (e *env) getMovie(id string) (catalogapi.Movie, int) {
	e.t.Helper()
	r := e.call("/api/movies/"+id, "")
	var m catalogapi.Movie
	if r.Status == http.StatusOK {
		r.Decode(e.t, &m)
	}
	return m, r.Status
}

// ids walks every page of path (following next_cursor) and returns the ids in order.
func (e *env) ids(path string) []string {
	e.t.Helper()
	var ids []string
	next := path
	for pages := 0; ; pages++ {
		require.Less(e.t, pages, 500, "pagination does not end")
		var page catalogapi.Page[struct {
			ID string `json:"id"`
		}]
		e.get(next, &page)
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == nil {
			return ids
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next = path + sep + "cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

func (e *env) titles(path string) []string {
	e.t.Helper()
	var page catalogapi.Page[struct {
		Title string `json:"title"`
		Name  string `json:"name"`
	}]
	e.get(path, &page)
	out := []string{}
	for _, it := range page.Items {
		out = append(out, it.Title+it.Name)
	}
	return out
}

func isPermanent(err error) bool { return events.IsPermanent(err) }
