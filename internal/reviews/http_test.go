package reviews_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
	"github.com/marquee-dev/marquee/internal/reviews"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	c, err := checker()
	require.NoError(t, err, "the OpenAPI document is valid")
	e := newEnv(t, sqldb.SQLite)
	access := map[string]auth.Access{
		"GET /api/movies/{id}/reviews":  auth.Public,
		"POST /api/movies/{id}/reviews": auth.Signed,
		"GET /api/reviews/{id}":         auth.Public,
		"PUT /api/reviews/{id}":         auth.Owner,
		"DELETE /api/reviews/{id}":      auth.Owner,
		"GET /api/users/{id}/reviews":   auth.Public,
	}
	servicetest.RequireRoutesMatchDocument(t, e.router.Routes(), c, access)

	// the gateway merges components and refuses differing definitions
	ours := servicetest.RequireSameComponents(t, reviews.OpenAPI, "../catalog/openapi.json", "../identity/openapi.json")
	require.Contains(t, ours["securitySchemes"], "bearerAuth")
	for _, name := range []string{"Problem", "FieldError", "Review", "ReviewWrite", "ReviewPage"} {
		require.Contains(t, ours["schemas"], name)
	}
}

// TestSubmitAndRead runs a review through HTTP on both engines and checks
// the answers and the events written with it.
func TestSubmitAndRead(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		movie := e.addMovie("Heat")
		ann := e.addUser("Ann")

		r := e.call(http.MethodPost, "/api/movies/"+movie+"/reviews", ann.token, reviewsapi.ReviewWrite{Rating: 8, Body: "  Tense.\nGreat score.  "})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var rev reviewsapi.Review
		r.Decode(t, &rev)
		require.Equal(t, "/api/reviews/"+rev.ID, r.Header.Get("Location"))
		id, err := uuid.Parse(rev.ID)
		require.NoError(t, err)
		require.Equal(t, uuid.Version(7), id.Version())
		require.Equal(t, reviewsapi.Review{ID: rev.ID, MovieID: movie, MovieTitle: "Heat",
			Author: reviewsapi.Author{ID: ann.id, DisplayName: "Ann"}, Rating: 8, Body: "Tense.\nGreat score.",
			CreatedAt: rev.CreatedAt, UpdatedAt: rev.CreatedAt}, rev)

		r = e.call(http.MethodGet, "/api/reviews/"+rev.ID, "", nil)
		require.Equal(t, http.StatusOK, r.Status)
		var got reviewsapi.Review
		r.Decode(t, &got)
		require.Equal(t, rev, got)
		require.Equal(t, []reviewsapi.Review{rev}, e.listPage("/api/movies/"+movie+"/reviews").Items)
		require.Equal(t, []reviewsapi.Review{rev}, e.listPage("/api/users/"+ann.id+"/reviews").Items)

		out := e.outbox()
		require.Equal(t, []string{reviewsapi.ReviewSubmitted, reviewsapi.MovieRatingChanged}, servicetest.EventTypes(out))
		require.Equal(t, reviewsapi.ReviewEvent{ID: rev.ID, MovieID: movie, MovieTitle: "Heat", AuthorID: ann.id, AuthorDisplayName: "Ann",
			Rating: 8, Body: "Tense.\nGreat score.", Version: 1, CreatedAt: rev.CreatedAt, UpdatedAt: rev.UpdatedAt}, reviewOf(t, out[0]))
		summary := ratingOf(t, out[1])
		require.Equal(t, reviewsapi.RatingChangedEvent{MovieID: movie, Average: ptr(8.0), Count: 1, Sum: 8, Version: 1,
			Histogram: map[string]int{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 1, "9": 0, "10": 0}}, summary)
		var raw map[string]any
		require.NoError(t, json.Unmarshal(out[1].Data, &raw))
		require.Len(t, raw["histogram"], 10, "every key 1..10 is present")

		// a second review of the same movie by the same user
		r = e.call(http.MethodPost, "/api/movies/"+movie+"/reviews", ann.token, reviewsapi.ReviewWrite{Rating: 2})
		require.Equal(t, http.StatusConflict, r.Status)
		require.Contains(t, r.Problem(t).Detail, rev.ID, "the conflict names the existing review")
		require.Len(t, e.outbox(), 2, "a refused write emits nothing")

		// a user identity has not told us about yet may review: the token proves the account
		stranger := e.minter.User(t)
		r = e.call(http.MethodPost, "/api/movies/"+movie+"/reviews", stranger, reviewsapi.ReviewWrite{Rating: 4})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var early reviewsapi.Review
		r.Decode(t, &early)
		require.Equal(t, "", early.Author.DisplayName, "no name until identity's event arrives")
	})
}

func TestReviewValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	movie := e.addMovie("Heat")
	long := strings.Repeat("é", reviewsapi.MaxBodyLength)
	for name, tc := range map[string]struct {
		body   string
		status int
		fields []string
	}{
		"zero":             {`{"rating":0}`, 422, []string{"rating"}},
		"eleven":           {`{"rating":11,"body":"x"}`, 422, []string{"rating"}},
		"negative":         {`{"rating":-3}`, 422, []string{"rating"}},
		"fraction":         {`{"rating":7.5}`, 422, []string{"rating"}},
		"string":           {`{"rating":"7"}`, 422, []string{"rating"}},
		"bool":             {`{"rating":true}`, 422, []string{"rating"}},
		"null":             {`{"rating":null}`, 422, []string{"rating"}},
		"missing":          {`{"body":"no rating"}`, 422, []string{"rating"}},
		"body too long":    {`{"rating":5,"body":"` + long + `x"}`, 422, []string{"body"}},
		"body not text":    {`{"rating":5,"body":12}`, 422, []string{"body"}},
		"body control":     {`{"rating":5,"body":"a\u0007b"}`, 422, []string{"body"}},
		"both":             {`{"rating":0.5,"body":["x"]}`, 422, []string{"body", "rating"}},
		"malformed":        {`{"rating":`, 400, []string{"body"}},
		"not an object":    {`[1]`, 400, []string{"body"}},
		"longest body":     {`{"rating":1,"body":"` + long + `"}`, 201, nil},
		"integral float":   {`{"rating":10.0,"body":""}`, 201, nil},
		"exponent":         {`{"rating":1e1}`, 201, nil},
		"empty body, null": {`{"rating":6,"body":null}`, 201, nil},
	} {
		t.Run(name, func(t *testing.T) {
			u := e.addUser("V " + name)
			r := e.call(http.MethodPost, "/api/movies/"+movie+"/reviews", u.token, tc.body)
			require.Equal(t, tc.status, r.Status, "%s", r.Body)
			if tc.status >= 400 {
				require.Equal(t, tc.fields, r.Fields(t))
			}
		})
	}
	// the same rules on PUT
	u := e.addUser("Editor")
	rev := e.submit(u, e.addMovie("Alien"), 5, "")
	r := e.call(http.MethodPut, "/api/reviews/"+rev.ID, u.token, `{"rating":42}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"rating"}, r.Fields(t))
	r = e.call(http.MethodPost, "/api/movies/"+movie+"/reviews", u.token, `{"rating":5}`+"\n"+`{"rating":5}`)
	require.Equal(t, http.StatusBadRequest, r.Status)
	r = e.call(http.MethodGet, "/api/movies/"+movie+"/reviews?limit=0", "", nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, []string{"limit"}, r.Fields(t))
	r = e.call(http.MethodGet, "/api/movies/"+movie+"/reviews?cursor=garbage", "", nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, []string{"cursor"}, r.Fields(t))
}

func TestUnknownAndDeletedMovies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann := e.addUser("Ann")
	bob := e.addUser("Bob")
	for _, path := range []string{"/api/movies/" + uuid.NewString() + "/reviews", "/api/movies/not-an-id/reviews"} {
		r := e.call(http.MethodPost, path, ann.token, reviewsapi.ReviewWrite{Rating: 5})
		require.Equal(t, http.StatusNotFound, r.Status)
		require.Equal(t, "movie not found", r.Problem(t).Detail)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, path, "", nil).Status)
	}
	for _, path := range []string{"/api/reviews/" + uuid.NewString(), "/api/reviews/nope"} {
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, path, "", nil).Status)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodPut, path, ann.token, reviewsapi.ReviewWrite{Rating: 1}).Status)
		require.Equal(t, http.StatusNotFound, e.call(http.MethodDelete, path, ann.token, nil).Status)
	}
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/users/nope/reviews", "", nil).Status)
	require.Empty(t, e.listPage("/api/users/"+uuid.NewString()+"/reviews").Items, "a user not heard of has no reviews")

	movie := e.addMovie("Heat")
	rev := e.submit(ann, movie, 9, "")
	bobs := e.submit(bob, movie, 3, "")
	require.NoError(t, e.apply(reviews.ConsumerMovies, movieEvent(t, catalogapi.MovieDeleted, movie, "Heat", 2, true)))
	before := len(e.outbox())

	// a deleted movie takes no reviews and hides the ones it has
	require.Equal(t, http.StatusNotFound, e.call(http.MethodPost, "/api/movies/"+movie+"/reviews", e.addUser("Cy").token, reviewsapi.ReviewWrite{Rating: 5}).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/movies/"+movie+"/reviews", "", nil).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/reviews/"+rev.ID, "", nil).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodPut, "/api/reviews/"+rev.ID, ann.token, reviewsapi.ReviewWrite{Rating: 1}).Status)
	require.Empty(t, e.listPage("/api/users/"+ann.id+"/reviews").Items)
	require.Len(t, e.outbox(), before, "hiding is not a change of the reviews")
	// ... but its author may still delete one
	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/reviews/"+bobs.ID, bob.token, nil).Status)

	// restored: the reviews come back
	require.NoError(t, e.apply(reviews.ConsumerMovies, movieEvent(t, catalogapi.MovieRestored, movie, "Heat (1995)", 3, false)))
	page := e.listPage("/api/movies/" + movie + "/reviews")
	require.Len(t, page.Items, 1)
	require.Equal(t, rev.ID, page.Items[0].ID)
	require.Equal(t, "Heat (1995)", page.Items[0].MovieTitle, "the title is the catalog's current one")
	summary, version, err := e.svc.RatingSummary(e.ctx, movie)
	require.NoError(t, err)
	require.Equal(t, 1, summary.Count)
	require.Equal(t, int64(3), version)
}

func TestOnlyTheAuthorEditsAndTheAuthorOrAnAdminDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	movie := e.addMovie("Heat")
	ann, bob := e.addUser("Ann"), e.addUser("Bob")
	rev := e.submit(ann, movie, 6, "ok")
	admin := e.admin()
	before := len(e.outbox())

	for _, tc := range []struct {
		name, method, token string
		status              int
	}{
		{"anonymous edit", http.MethodPut, "", http.StatusUnauthorized},
		{"bad token", http.MethodPut, "garbage", http.StatusUnauthorized},
		{"other user edits", http.MethodPut, bob.token, http.StatusForbidden},
		{"admin edits", http.MethodPut, admin, http.StatusForbidden},
		{"anonymous delete", http.MethodDelete, "", http.StatusUnauthorized},
		{"other user deletes", http.MethodDelete, bob.token, http.StatusForbidden},
	} {
		r := e.call(tc.method, "/api/reviews/"+rev.ID, tc.token, reviewsapi.ReviewWrite{Rating: 1})
		require.Equal(t, tc.status, r.Status, tc.name)
		r.Problem(t)
	}
	require.Equal(t, http.StatusUnauthorized, e.call(http.MethodPost, "/api/movies/"+movie+"/reviews", "", reviewsapi.ReviewWrite{Rating: 1}).Status)
	require.Len(t, e.outbox(), before, "refused writes emit nothing")

	// an update that changes nothing answers the review and emits nothing
	r := e.call(http.MethodPut, "/api/reviews/"+rev.ID, ann.token, reviewsapi.ReviewWrite{Rating: 6, Body: " ok "})
	require.Equal(t, http.StatusOK, r.Status)
	var same reviewsapi.Review
	r.Decode(t, &same)
	require.Equal(t, rev, same)
	require.Len(t, e.outbox(), before)

	r = e.call(http.MethodPut, "/api/reviews/"+rev.ID, ann.token, reviewsapi.ReviewWrite{Rating: 6, Body: "better"})
	require.Equal(t, http.StatusOK, r.Status)
	var edited reviewsapi.Review
	r.Decode(t, &edited)
	require.Equal(t, "better", edited.Body)
	require.Equal(t, rev.CreatedAt, edited.CreatedAt)
	require.True(t, edited.UpdatedAt.After(rev.UpdatedAt))
	out := e.outbox()[before:]
	require.Equal(t, []string{reviewsapi.ReviewUpdated}, servicetest.EventTypes(out), "the rating did not change: no new summary")
	require.Equal(t, int64(2), reviewOf(t, out[0]).Version)

	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/reviews/"+rev.ID, admin, nil).Status)
	require.Equal(t, http.StatusNotFound, e.call(http.MethodDelete, "/api/reviews/"+rev.ID, admin, nil).Status)
	out = e.outbox()[before+1:]
	require.Equal(t, []string{reviewsapi.ReviewDeleted, reviewsapi.MovieRatingChanged}, servicetest.EventTypes(out))
	deleted := reviewOf(t, out[0])
	require.Equal(t, int64(3), deleted.Version)
	require.NotNil(t, deleted.DeletedAt)
	require.Equal(t, 0, ratingOf(t, out[1]).Count)

	// the author may review the movie again after a deletion
	again := e.submit(ann, movie, 2, "")
	require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/reviews/"+again.ID, ann.token, nil).Status)
}

// TestSummaryFollowsEveryChange: an average that falls is emitted falling;
// edits and deletions change the summary; versions grow by one.
func TestSummaryFollowsEveryChange(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		movie := e.addMovie("Heat")
		ann, bob, cy := e.addUser("Ann"), e.addUser("Bob"), e.addUser("Cy")

		type step struct {
			do      func() reviewsapi.Review
			average *float64
			count   int
		}
		var annRev, cyRev reviewsapi.Review
		steps := []step{
			{func() reviewsapi.Review { annRev = e.submit(ann, movie, 9, ""); return annRev }, ptr(9.0), 1},
			{func() reviewsapi.Review { return e.submit(bob, movie, 9, "") }, ptr(9.0), 2},
			{func() reviewsapi.Review { cyRev = e.submit(cy, movie, 1, "meh"); return cyRev }, ptr(19.0 / 3), 3}, // falls
			{func() reviewsapi.Review {
				r := e.call(http.MethodPut, "/api/reviews/"+annRev.ID, ann.token, reviewsapi.ReviewWrite{Rating: 3})
				require.Equal(t, http.StatusOK, r.Status)
				return annRev
			}, ptr(13.0 / 3), 3},
			{func() reviewsapi.Review {
				require.Equal(t, http.StatusNoContent, e.call(http.MethodDelete, "/api/reviews/"+cyRev.ID, cy.token, nil).Status)
				return cyRev
			}, ptr(6.0), 2},
		}
		var last float64 = 100
		for i, s := range steps {
			s.do()
			out := e.outbox()
			summary := ratingOf(t, out[len(out)-1])
			require.Equal(t, int64(i+1), summary.Version, "step %d", i)
			require.Equal(t, s.count, summary.Count, "step %d", i)
			require.InDelta(t, *s.average, *summary.Average, 1e-9, "step %d", i)
			if i == 2 {
				require.Less(t, *summary.Average, last, "a low rating makes the average fall")
			}
			last = *summary.Average
		}
		summary, version, err := e.svc.RatingSummary(e.ctx, movie)
		require.NoError(t, err)
		require.Equal(t, int64(5), version)
		require.Equal(t, map[string]int{"1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1, "10": 0}, summary.Histogram)
	})
}

func TestRenameShowsOnEveryReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	ann := e.addUser("Ann")
	var ids []string
	for i := range 3 {
		ids = append(ids, e.submit(ann, e.addMovie(fmt.Sprint("Movie ", i)), 5+i, "").ID)
	}
	rename := userEvent(t, "identity.user.updated", ann.id, "Ann Z.", 2, false)
	require.NoError(t, e.apply(reviews.ConsumerAuthors, rename))
	stale := userEvent(t, "identity.user.updated", ann.id, "Ann (stale)", 1, false)
	require.NoError(t, e.apply(reviews.ConsumerAuthors, stale), "an older event is acknowledged and ignored")
	require.NoError(t, e.apply(reviews.ConsumerAuthors, rename), "a redelivery changes nothing")

	page := e.listPage("/api/users/" + ann.id + "/reviews")
	require.Len(t, page.Items, 3)
	for _, r := range page.Items {
		require.Equal(t, "Ann Z.", r.Author.DisplayName)
	}
	for _, id := range ids {
		r := e.call(http.MethodGet, "/api/reviews/"+id, "", nil)
		var rev reviewsapi.Review
		r.Decode(t, &rev)
		require.Equal(t, "Ann Z.", rev.Author.DisplayName)
	}
	require.Equal(t, page.Items[2].ID, ids[0], "newest first")
}

func TestPagination(t *testing.T) {
	t.Parallel()
	sqldbtest.EachEngine(t, func(t *testing.T, engine sqldb.Engine) {
		e := newEnv(t, engine)
		movie := e.addMovie("Heat")
		var want []string
		for i := range 23 {
			want = append([]string{e.submit(e.addUser(fmt.Sprint("U", i)), movie, 1+i%10, "").ID}, want...)
		}
		for _, limit := range []int{1, 10, 23, 100} {
			var got []string
			path := fmt.Sprintf("/api/movies/%s/reviews?limit=%d", movie, limit)
			for pages := 1; ; pages++ {
				require.LessOrEqual(t, pages, 23)
				p := e.listPage(path)
				require.LessOrEqual(t, len(p.Items), limit)
				for _, r := range p.Items {
					got = append(got, r.ID)
				}
				if p.NextCursor == nil {
					break
				}
				path = fmt.Sprintf("/api/movies/%s/reviews?limit=%d&cursor=%s", movie, limit, *p.NextCursor)
			}
			require.Equal(t, want, got, "limit %d", limit)
		}
		p := e.listPage("/api/movies/" + movie + "/reviews")
		require.Len(t, p.Items, 20, "default page size")
		require.NotNil(t, p.NextCursor)
	})
}

func TestClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite)
	movie := e.addMovie("Heat")
	ann := e.addUser("Ann")
	c := reviewsapi.NewClient(e.srv.URL, e.client).WithToken(ann.token)
	rev, err := c.Submit(e.ctx, movie, reviewsapi.ReviewWrite{Rating: 7, Body: "fine"})
	require.NoError(t, err)
	_, err = c.Submit(e.ctx, movie, reviewsapi.ReviewWrite{Rating: 7})
	require.ErrorIs(t, err, reviewsapi.ErrConflict)
	_, err = c.Submit(e.ctx, movie, reviewsapi.ReviewWrite{Rating: 70})
	var apiErr *reviewsapi.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "rating", apiErr.Errors[0].Field)
	got, err := c.Get(e.ctx, rev.ID)
	require.NoError(t, err)
	require.Equal(t, rev, got)
	upd, err := c.Update(e.ctx, rev.ID, reviewsapi.ReviewWrite{Rating: 8})
	require.NoError(t, err)
	require.Equal(t, 8, upd.Rating)
	page, err := c.ListByMovie(e.ctx, movie, reviewsapi.ListParams{Limit: 5})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	page, err = c.ListByUser(e.ctx, ann.id, reviewsapi.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	require.NoError(t, c.Delete(e.ctx, rev.ID))
	_, err = c.Get(e.ctx, rev.ID)
	require.ErrorIs(t, err, reviewsapi.ErrNotFound)
}
