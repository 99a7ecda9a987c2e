package reviews_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/obs"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews"
)

// benchClients is how many clients submit at once.
const benchClients = 8

// addMovies makes n movies known in one transaction.
func (e *env) addMovies(n int) []string {
	e.t.Helper()
	ids := make([]string, n)
	h := e.handlers[reviews.ConsumerMovies]
	require.NoError(e.t, e.db.InTx(e.ctx, func(tx *sqldb.Tx) error {
		for i := range ids {
			ids[i] = uuid.Must(uuid.NewV7()).String()
			if err := h(e.ctx, tx, movieEvent(e.t, catalogapi.MovieCreated, ids[i], fmt.Sprint("Movie ", i), 1, false)); err != nil {
				return err
			}
		}
		return nil
	}))
	return ids
}

// BenchmarkSubmitReview measures POST /api/movies/{id}/reviews with 8
// concurrent clients: the token check with the verified-token cache, the
// usual middleware, the request checked against the OpenAPI document, and
// one transaction (read movie and author, insert the
// review, update the summary, two outbox rows). "http" goes over real
// loopback connections (the clients' CPU is on the same machine); "handler"
// calls the handler chain directly, without sockets:
//
//	go test -run '^$' -bench SubmitReview -benchtime 5s ./internal/reviews/
//
// PostgreSQL too with MARQUEE_TEST_POSTGRES_URL set.
func BenchmarkSubmitReview(b *testing.B) {
	for _, engine := range sqldbtest.Engines {
		for _, mode := range []string{"http", "handler"} {
			b.Run(string(engine)+"/"+mode, func(b *testing.B) { benchSubmit(b, engine, mode == "http") })
		}
	}
}

func benchSubmit(b *testing.B, engine sqldb.Engine, overHTTP bool) {
	e := newEnv(b, engine)
	const movies = 1000
	movieIDs := e.addMovies(movies)
	// the verifier as the composition root builds it: verified tokens are cached
	rt := httpx.NewRouter(auth.NewVerifier(e.minter.Keys, authtest.Issuer, authtest.Audience, auth.WithTokenCache(auth.NewTokenCache(0))))
	e.svc.Routes(rt)
	require.NoError(b, rt.ValidateRequests(reviews.OpenAPI)) // as in production: every request checked against the document
	h := httpx.Chain(rt, httpx.Observe(slog.New(slog.NewJSONHandler(io.Discard, nil)), obs.NewMetrics()),
		httpx.Recover, httpx.Timeout(30*time.Second), httpx.LimitBody(httpx.MaxBodyBytes))
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64

	// review k is by user k/movies of movie k%movies: every one is new
	var next atomic.Int64
	var tokMu sync.Mutex
	tokens := map[int64]string{}
	token := func(u int64) string {
		tokMu.Lock()
		defer tokMu.Unlock()
		if tok, ok := tokens[u]; ok {
			return tok
		}
		tok := e.minter.Token(b, uuid.Must(uuid.NewV7()).String(), auth.RoleUser)
		tokens[u] = tok
		return tok
	}
	body := []byte(`{"rating":7,"body":"Tense, well acted, a little long in the middle."}`)
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := next.Add(1) - 1
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/movies/"+movieIDs[k%movies]+"/reviews", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token(k/movies))
			status := 0
			if overHTTP {
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			} else {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				status = rec.Code
			}
			if status != http.StatusCreated {
				b.Errorf("status %d", status)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reviews/s")
	b.ReportMetric(float64(benchClients), "clients")
	var n int
	require.NoError(b, e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n))
	require.Equal(b, 2*b.N, n, "two events per review")
}

// BenchmarkImportSynthetic measures the bulk path: each op imports 20,000
// reviews (200 new authors × 100 movies) with their events. 1,000,000
// reviews are 50 ops:
//
//	go test -run '^$' -bench ImportSynthetic -benchtime 50x ./internal/reviews/
func BenchmarkImportSynthetic(b *testing.B) {
	for _, engine := range sqldbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			e := newEnv(b, engine)
			movieIDs := e.addMovies(2000)
			const authors, perAuthor = 200, 100
			in := make([]reviews.SyntheticReview, authors*perAuthor)
			base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				for a := range authors {
					author := uuid.Must(uuid.NewV7()).String()
					for k := range perAuthor {
						j := a*perAuthor + k
						in[j] = reviews.SyntheticReview{MovieID: movieIDs[(i*7+a*13+k*17)%len(movieIDs)], AuthorID: author,
							AuthorDisplayName: fmt.Sprint("Bot ", i, "-", a), Rating: 1 + j%10, Body: "A generated review, about this long.",
							CreatedAt: base.Add(time.Duration(i*len(in)+j) * time.Second)}
					}
				}
				b.StartTimer()
				res, err := e.svc.ImportSynthetic(e.ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				if res.Imported != len(in) {
					b.Fatalf("imported %d of %d", res.Imported, len(in))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*len(in))/b.Elapsed().Seconds(), "reviews/s")
		})
	}
}
