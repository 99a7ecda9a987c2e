package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
)

// Every route of every service declares who may call it, and the API
// document says the same: a Public route (tokens never read) has
// security: [], an Anyone route (token optional) offers {} beside
// bearerAuth, and every other route requires bearerAuth.
func TestEveryRouteDeclaresAnAccessRule(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	doc, err := openapicheck.New(p.app.Spec())
	require.NoError(t, err)
	routes := p.app.Routes()
	require.NotEmpty(t, routes)
	for _, r := range routes {
		require.Contains(t, []auth.Access{auth.Public, auth.Anyone, auth.Signed, auth.Owner, auth.Admin}, r.Access, "route %s has no known access rule", r.Pattern)
		require.NotEmpty(t, doc.TokenUse(r.Pattern), "route %s is not in the API document", r.Pattern)
	}
	servicetest.RequireAccessMatchesSecurity(t, routes, doc)
}

// The authorisation matrix: every route called as anonymous, as a user (the
// owner where there is one), as another user and as an administrator, with
// the status each must get. A route without a row fails the test.
func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	p := start(t, nil)
	admin := p.admin(t)
	owner, ownerID := p.userWithID(t)
	other := p.user(t)

	var person struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/actors", admin, map[string]any{"name": "Matrix Person"}, &person))
	var movie struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{"title": "Matrix Movie"}, &movie))
	p.eventually(t, 200, "GET", "/api/movies/"+movie.ID, "", nil, nil)
	// the reviews service learns of the movie from the catalog's event
	var review struct{ ID string }
	p.eventually(t, 201, "POST", "/api/movies/"+movie.ID+"/reviews", owner, map[string]any{"rating": 7, "body": "Mine."}, &review)
	_, followee := p.userWithID(t)
	// the social service learns of the movie from the catalog's event too (the watchlist rows)
	p.eventually(t, 200, "PUT", "/api/me/watchlist/"+movie.ID, p.user(t), nil, nil)
	// a review by a fresh account, for the DELETE rows
	reviewByNewUser := func() (token, id string) {
		token = p.user(t)
		var r struct{ ID string }
		require.Equal(t, 201, p.call(t, "POST", "/api/movies/"+movie.ID+"/reviews", token, map[string]any{"rating": 5}, &r))
		return token, r.ID
	}

	// billing: a plan to edit, the owner's order and its checkout session;
	// billing learns of the movie from the catalog's event
	var plans struct {
		Items []struct{ ID, Slug string }
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/plans", "", nil, &plans))
	require.NotEmpty(t, plans.Items)
	basicPlan := plans.Items[0].ID
	planBody := func() any {
		return map[string]any{"slug": "matrix-" + uuid.NewString()[:6], "name": "Matrix plan", "price": map[string]any{"amount": 100, "currency": "USD"},
			"interval": "month", "max_height": 720, "max_streams": 1}
	}
	var plan struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/plans", admin, planBody(), &plan))
	var checkout struct {
		Order       struct{ ID string }
		CheckoutURL string `json:"checkout_url"`
	}
	require.Equal(t, 201, p.call(t, "POST", "/api/orders", owner, map[string]any{"plan_id": basicPlan}, &checkout))
	_, session, _ := strings.Cut(checkout.CheckoutURL, "/sandbox/checkout/")
	p.eventually(t, 200, "GET", "/api/movies/"+movie.ID+"/plans", "", nil, nil)
	// the catalog's event about the movie reaches notify: the owner's new_movie notification
	var inbox struct{ Items []struct{ ID string } }
	require.Eventually(t, func() bool {
		return p.call(t, "GET", "/api/notifications", owner, nil, &inbox) == 200 && len(inbox.Items) > 0
	}, 15*time.Second, 10*time.Millisecond)
	notification := inbox.Items[0].ID

	// media learns of the movie from the catalog's event; a video id for the picture routes
	p.eventually(t, 200, "GET", "/api/movies/"+movie.ID+"/video", "", nil, nil)
	noVideo, noUpload, noSession := uuid.NewString(), uuid.NewString(), uuid.NewString()

	type row struct {
		method, path string
		body         func() any
		fresh        bool // destructive for the caller: each caller is a fresh account of its kind
		want         [4]int
	}
	movieBody := func() any { return map[string]any{"title": "Matrix " + uuid.NewString()[:6]} }
	personBody := func() any { return map[string]any{"name": "Matrix " + uuid.NewString()[:6]} }
	reviewBody := func() any { return map[string]any{"rating": 8, "body": "Changed."} }
	rows := []row{
		{"GET", "/api/movies/top-rated", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/search?q=matrix", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/admin/catalog/movies", nil, false, [4]int{401, 403, 403, 200}},
		{"GET", "/api/admin/catalog/movies/" + movie.ID, nil, false, [4]int{401, 403, 403, 200}},
		{"GET", "/api/admin/catalog/people", nil, false, [4]int{401, 403, 403, 200}},
		{"GET", "/api/admin/catalog/people/" + person.ID, nil, false, [4]int{401, 403, 403, 200}},
		{"GET", "/api/movies/" + movie.ID + "/reviews", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/reviews/" + review.ID, nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/users/" + ownerID + "/reviews", nil, false, [4]int{200, 200, 200, 200}},
		{"PUT", "/api/reviews/" + review.ID, reviewBody, false, [4]int{401, 200, 403, 403}},
		{"POST", "/api/movies/" + movie.ID + "/reviews", reviewBody, true, [4]int{401, 201, 201, 201}},
		{"PUT", "/api/users/" + followee + "/follow", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/users/" + followee + "/followers", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/users/" + followee + "/following", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/feed", nil, false, [4]int{401, 200, 200, 200}},
		{"DELETE", "/api/users/" + followee + "/follow", nil, false, [4]int{401, 204, 204, 204}},
		{"PUT", "/api/me/watchlist/" + movie.ID, nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/me/watchlist", nil, false, [4]int{401, 200, 200, 200}},
		{"DELETE", "/api/me/watchlist/" + movie.ID, nil, false, [4]int{401, 204, 204, 204}},
		{"GET", "/api/movies/" + movie.ID + "/poster.svg", nil, false, [4]int{200, 200, 200, 200}},

		{"GET", "/api/plans", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/plans/" + basicPlan, nil, false, [4]int{200, 200, 200, 200}},
		{"POST", "/api/plans", planBody, false, [4]int{401, 403, 403, 201}},
		{"PUT", "/api/plans/" + plan.ID, planBody, false, [4]int{401, 403, 403, 200}},
		{"DELETE", "/api/plans/" + plan.ID, nil, false, [4]int{401, 403, 403, 204}},
		{"GET", "/api/movies/" + movie.ID + "/plans", nil, false, [4]int{200, 200, 200, 200}},
		{"PUT", "/api/movies/" + movie.ID + "/plans", func() any { return map[string]any{"plan_ids": []string{basicPlan}} }, false, [4]int{401, 403, 403, 200}},
		{"POST", "/api/orders", func() any { return map[string]any{"plan_id": basicPlan} }, false, [4]int{401, 201, 201, 201}},
		{"GET", "/api/orders", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/orders/" + checkout.Order.ID, nil, false, [4]int{401, 200, 404, 200}},
		{"POST", "/api/payments/webhooks/sandbox", func() any { return map[string]any{"id": "evt_x", "type": "checkout.session.completed"} }, false, [4]int{400, 400, 400, 400}},
		{"POST", "/api/payments/webhooks/stripe", func() any { return map[string]any{"id": "evt_x", "type": "checkout.session.completed"} }, false, [4]int{400, 400, 400, 400}},
		{"GET", "/api/subscription", nil, false, [4]int{401, 404, 404, 404}},
		{"POST", "/api/subscription/cancel", nil, false, [4]int{401, 404, 404, 404}},
		{"POST", "/api/subscription/resume", nil, false, [4]int{401, 404, 404, 404}},
		{"GET", "/api/me/entitlements", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/me/entitlements/movies/" + movie.ID, nil, false, [4]int{401, 200, 200, 200}},
		{"POST", "/api/sandbox/fail-next-renewal", nil, false, [4]int{401, 204, 204, 204}},
		{"GET", "/sandbox/checkout/" + session, nil, false, [4]int{200, 200, 200, 200}},
		// the checkout forms: a session that does not exist (a real one redirects into the web app)
		{"POST", "/sandbox/checkout/" + uuid.NewString() + "/pay", nil, false, [4]int{404, 404, 404, 404}},
		{"POST", "/sandbox/checkout/" + uuid.NewString() + "/decline", nil, false, [4]int{404, 404, 404, 404}},
		{"POST", "/sandbox/checkout/" + uuid.NewString() + "/expire", nil, false, [4]int{404, 404, 404, 404}},

		{"GET", "/api/notifications?unread=true", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/notifications/unread-count", nil, false, [4]int{401, 200, 200, 200}},
		{"POST", "/api/notifications/" + notification + "/read", nil, false, [4]int{401, 200, 404, 404}},
		{"POST", "/api/notifications/read-all", nil, false, [4]int{401, 200, 200, 200}},
		{"GET", "/api/me/notification-settings", nil, false, [4]int{401, 200, 200, 200}},
		{"PUT", "/api/me/notification-settings", func() any { return map[string]any{"email_billing": true} }, false, [4]int{401, 200, 200, 200}},
		{"POST", "/api/unsubscribe?token=not-a-token", nil, false, [4]int{400, 400, 400, 400}},
		{"GET", "/api/admin/mail", nil, false, [4]int{401, 403, 403, 200}},
		{"GET", "/api/admin/mail/20260101T000000.000000Z-none.eml", nil, false, [4]int{401, 403, 403, 404}},

		{"GET", "/api/movies/" + movie.ID + "/video", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/videos/" + noVideo + "/poster.jpg", nil, false, [4]int{404, 404, 404, 404}},
		{"GET", "/api/videos/" + noVideo + "/thumbnails.vtt", nil, false, [4]int{404, 404, 404, 404}},
		{"GET", "/api/videos/" + noVideo + "/storyboard.jpg", nil, false, [4]int{404, 404, 404, 404}},
		// a tus creation without the protocol's headers: refused (412) once the caller is an administrator
		{"POST", "/api/movies/" + movie.ID + "/uploads", nil, false, [4]int{401, 403, 403, 412}},
		{"HEAD", "/api/uploads/" + noUpload, nil, false, [4]int{401, 403, 403, 404}},
		{"PATCH", "/api/uploads/" + noUpload, nil, false, [4]int{401, 403, 403, 404}},
		{"DELETE", "/api/uploads/" + noUpload, nil, false, [4]int{401, 403, 403, 404}},
		// nobody here subscribes: billing, asked through the gateway, says so (402); no such session
		{"POST", "/api/movies/" + movie.ID + "/play", nil, false, [4]int{401, 402, 402, 402}},
		{"PUT", "/api/playback/" + noSession, func() any { return map[string]any{"position_seconds": 1} }, false, [4]int{401, 404, 404, 404}},
		{"DELETE", "/api/playback/" + noSession, nil, false, [4]int{401, 404, 404, 404}},
		{"GET", "/api/me/continue-watching", nil, false, [4]int{401, 200, 200, 200}},
		// stream files: the token in the path is the only authority
		{"GET", "/stream/not-a-token/master.m3u8", nil, false, [4]int{403, 403, 403, 403}},
		{"GET", "/stream/not-a-token/360p/seg_00001.m4s", nil, false, [4]int{403, 403, 403, 403}},

		{"POST", "/api/auth/register", func() any {
			return map[string]any{"email": uuid.NewString()[:8] + "@example.com", "password": testPassword, "display_name": "New"}
		}, false, [4]int{201, 201, 201, 201}},
		{"POST", "/api/auth/login", func() any { return map[string]any{"email": "nobody@example.com", "password": "wrong password!"} }, false, [4]int{401, 401, 401, 401}},
		{"POST", "/api/auth/refresh", func() any { return map[string]any{"refresh_token": "not-a-token"} }, false, [4]int{401, 401, 401, 401}},
		{"POST", "/api/auth/logout", func() any { return map[string]any{"refresh_token": "not-a-token"} }, false, [4]int{204, 204, 204, 204}},
		{"GET", "/.well-known/jwks.json", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/me", nil, false, [4]int{401, 200, 200, 200}},
		{"PATCH", "/api/me", func() any { return map[string]any{"display_name": "Renamed"} }, false, [4]int{401, 200, 200, 200}},
		{"DELETE", "/api/me", nil, true, [4]int{401, 204, 204, 204}},
		{"GET", "/api/users", nil, false, [4]int{401, 403, 403, 200}},
		{"GET", "/api/users/" + ownerID, nil, false, [4]int{200, 200, 200, 200}},
		{"PUT", "/api/users/" + ownerID, func() any { return map[string]any{"display_name": "Owner"} }, false, [4]int{401, 200, 403, 200}},
		{"DELETE", "/api/users/{fresh}", nil, false, [4]int{401, 403, 403, 204}},

		{"GET", "/api/genres", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/movies", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/movies/" + movie.ID, nil, false, [4]int{200, 200, 200, 200}},
		{"POST", "/api/movies", movieBody, false, [4]int{401, 403, 403, 201}},
		{"PUT", "/api/movies/" + movie.ID, movieBody, false, [4]int{401, 403, 403, 200}},
		{"POST", "/api/movies/" + movie.ID + "/restore", nil, false, [4]int{401, 403, 403, 200}},
		{"DELETE", "/api/movies/" + movie.ID, nil, false, [4]int{401, 403, 403, 204}},
		{"GET", "/api/actors", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/actors/" + person.ID, nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/people", nil, false, [4]int{200, 200, 200, 200}},
		{"GET", "/api/people/" + person.ID, nil, false, [4]int{200, 200, 200, 200}},
		{"POST", "/api/actors", personBody, false, [4]int{401, 403, 403, 201}},
		{"PUT", "/api/actors/" + person.ID, personBody, false, [4]int{401, 403, 403, 200}},
		{"POST", "/api/actors/" + person.ID + "/restore", nil, false, [4]int{401, 403, 403, 200}},
		{"DELETE", "/api/actors/" + person.ID, nil, false, [4]int{401, 403, 403, 204}},
	}

	// DELETE /api/reviews/{id}: the author or an administrator, never another user.
	author, mine := reviewByNewUser()
	require.Equal(t, 401, p.call(t, "DELETE", "/api/reviews/"+mine, "", nil, nil))
	require.Equal(t, 403, p.call(t, "DELETE", "/api/reviews/"+mine, other, nil, nil))
	require.Equal(t, 204, p.call(t, "DELETE", "/api/reviews/"+mine, author, nil, nil))
	_, theirs := reviewByNewUser()
	require.Equal(t, 204, p.call(t, "DELETE", "/api/reviews/"+theirs, admin, nil, nil))

	covered := map[string]bool{"DELETE /api/reviews/{id}": true}
	for _, r := range rows {
		tokens := [4]string{"", owner, other, admin}
		if r.fresh {
			tokens = [4]string{"", p.user(t), p.user(t), p.admin(t)}
		}
		for caller, want := range r.want {
			path := r.path
			if strings.Contains(path, "{fresh}") {
				_, id := p.userWithID(t)
				path = strings.ReplaceAll(path, "{fresh}", id)
			}
			var body any
			if r.body != nil {
				body = r.body()
			}
			got := p.call(t, r.method, path, tokens[caller], body, nil)
			require.Equal(t, want, got, "%s %s as %s", r.method, path, [4]string{"anonymous", "user", "another user", "admin"}[caller])
		}
		path, _, _ := strings.Cut(r.path, "?")
		covered[r.method+" "+pattern(path, movie.ID, person.ID, ownerID, review.ID, followee, basicPlan, plan.ID, checkout.Order.ID, session, notification, "20260101T000000.000000Z-none.eml", noVideo, noUpload, noSession)] = true
	}
	for _, route := range p.app.Routes() {
		require.True(t, covered[route.Pattern], "route %s has no row in the authorisation matrix", route.Pattern)
	}
}

// The sandbox's checkout page is HTML: its body is checked as a plain string.
func init() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder) }

// pattern turns a concrete matrix path back into its route pattern.
func pattern(path string, ids ...string) string {
	for _, id := range ids {
		path = strings.ReplaceAll(path, id, "{id}")
	}
	if rest, ok := strings.CutPrefix(path, "/sandbox/checkout/"); ok && len(rest) >= 36 {
		path = "/sandbox/checkout/{id}" + rest[36:] // the made-up sessions of the form rows
	}
	path = strings.ReplaceAll(path, "{fresh}", "{id}")
	switch path {
	case "/stream/not-a-token/master.m3u8":
		return "/stream/{token}/{file}"
	case "/stream/not-a-token/360p/seg_00001.m4s":
		return "/stream/{token}/{rendition}/{file}"
	}
	return strings.ReplaceAll(path, "/watchlist/{id}", "/watchlist/{movie_id}")
}

// userWithID registers a user and returns its token and id.
func (p *platform) userWithID(t *testing.T) (string, string) {
	t.Helper()
	tok := p.user(t)
	var me struct{ ID string }
	require.Equal(t, 200, p.call(t, "GET", "/api/me", tok, nil, &me))
	return tok, me.ID
}
