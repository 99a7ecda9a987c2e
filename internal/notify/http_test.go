package notify_test

import (
	"bytes"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/notify"
	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func TestRoutesMatchTheDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite, notify.Config{})
	c, err := checker()
	require.NoError(t, err)
	rt := httpx.NewRouter(e.minter.Verifier())
	e.svc.Routes(rt)
	servicetest.RequireRoutesMatchDocument(t, rt.Routes(), c, map[string]auth.Access{
		"GET /api/notifications":              auth.Signed,
		"GET /api/notifications/unread-count": auth.Signed,
		"POST /api/notifications/{id}/read":   auth.Signed,
		"POST /api/notifications/read-all":    auth.Signed,
		"GET /api/me/notification-settings":   auth.Signed,
		"PUT /api/me/notification-settings":   auth.Signed,
		"GET /api/unsubscribe":                auth.Public,
		"POST /api/unsubscribe":               auth.Public,
		"GET /api/admin/mail":                 auth.Admin,
		"GET /api/admin/mail/{id}":            auth.Admin,
	})
	servicetest.RequireSameComponents(t, notify.OpenAPI, "../social/openapi.json", "../catalog/openapi.json")
}

func TestSettingsDefaultsAndChanges(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine(), notify.Config{})
		ann := e.addUser("ann")
		r := e.call(http.MethodGet, "/api/me/notification-settings", ann.token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var s notifyapi.Settings
		r.Decode(t, &s)
		require.Equal(t, notifyapi.Settings{EmailNewMovies: false, EmailBilling: true, InappNewMovies: true, InappNewFollowers: true}, s)

		require.Equal(t, notifyapi.Settings{EmailNewMovies: true, EmailBilling: true, InappNewMovies: true, InappNewFollowers: true},
			e.settings(ann, map[string]any{"email_new_movies": true}), "only the fields given change")
		require.Equal(t, notifyapi.Settings{EmailNewMovies: true, EmailBilling: false, InappNewMovies: false, InappNewFollowers: true},
			e.settings(ann, map[string]any{"email_billing": false, "inapp_new_movies": false}))

		// a caller notify has not heard of yet keeps their choice for when identity's event arrives
		stranger := user{id: "0193e000-0000-7000-8000-000000000001"}
		stranger.token = e.minter.Token(t, stranger.id, auth.RoleUser)
		require.False(t, e.settings(stranger, map[string]any{"inapp_new_followers": false}).InappNewFollowers)

		for _, bad := range []struct {
			body  any
			field string
		}{
			{map[string]any{"email_billing": "no"}, "email_billing"},
			{map[string]any{"inapp_new_movies": 1}, "inapp_new_movies"},
			{`[true]`, "body"},
			{`{`, "body"},
		} {
			r := e.call(http.MethodPut, "/api/me/notification-settings", ann.token, bad.body)
			require.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", bad.body, r.Body)
			require.Equal(t, []string{bad.field}, r.Fields(t))
		}
		r = e.call(http.MethodGet, "/api/me/notification-settings", "", nil)
		require.Equal(t, http.StatusUnauthorized, r.Status)
	})
}

func TestNotificationsListReadAndCount(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db.Engine(), notify.Config{})
		ann, bob := e.addUser("ann"), e.addUser("bob")
		var followers []user
		for _, n := range []string{"f1", "f2", "f3"} {
			f := e.addUser(n)
			followers = append(followers, f)
			require.NoError(t, e.apply(notify.ConsumerFollows, followEvent(t, f, ann)))
			e.clock.Advance(1)
		}
		require.Equal(t, 3, e.unread(ann))
		require.Zero(t, e.unread(bob))

		p := e.notifications(ann, "?limit=2")
		require.Len(t, p.Items, 2)
		require.NotNil(t, p.NextCursor)
		require.Equal(t, "f3 follows you", p.Items[0].Title, "newest first")
		require.Equal(t, notifyapi.KindNewFollower, p.Items[0].Kind)
		require.Equal(t, "/users/"+followers[2].id, p.Items[0].Link)
		rest := e.notifications(ann, "?limit=2&cursor="+*p.NextCursor)
		require.Len(t, rest.Items, 1)
		require.Nil(t, rest.NextCursor)
		require.Equal(t, "f1 follows you", rest.Items[0].Title)

		r := e.call(http.MethodPost, "/api/notifications/"+p.Items[1].ID+"/read", ann.token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var n notifyapi.Notification
		r.Decode(t, &n)
		require.NotNil(t, n.ReadAt)
		require.Equal(t, 2, e.unread(ann))
		unread := e.notifications(ann, "?unread=true")
		require.Len(t, unread.Items, 2)
		for _, u := range unread.Items {
			require.NotEqual(t, n.ID, u.ID)
		}

		for _, path := range []string{"/api/notifications/" + p.Items[0].ID + "/read", "/api/notifications/not-an-id/read",
			"/api/notifications/0193e000-0000-7000-8000-000000000001/read"} {
			r = e.call(http.MethodPost, path, bob.token, nil)
			require.Equal(t, http.StatusNotFound, r.Status, "%s: another user's or no notification", path)
		}

		r = e.call(http.MethodPost, "/api/notifications/read-all", ann.token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.Zero(t, e.unread(ann))
		require.Empty(t, e.notifications(ann, "?unread=true").Items)

		for q, field := range map[string]string{"?unread=yes": "unread", "?limit=0": "limit", "?cursor=@@": "cursor"} {
			r := e.call(http.MethodGet, "/api/notifications"+q, ann.token, nil)
			require.Equal(t, http.StatusBadRequest, r.Status, q)
			require.Equal(t, []string{field}, r.Fields(t), q)
		}
	})
}

func TestUnsubscribeTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqldb.SQLite, notify.Config{})
	e.run()
	ann := e.addUser("ann")
	e.settings(ann, map[string]any{"email_new_movies": true})
	require.NoError(t, e.apply(notify.ConsumerMovies, movieEvent(t, "Heat")))
	// the mail written by the embedded default, read back through the admin API
	admin := e.minter.Admin(t)
	var page notifyapi.MailPage
	require.Eventually(t, func() bool {
		r := e.call(http.MethodGet, "/api/admin/mail", admin, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r.Decode(t, &page)
		return len(page.Items) == 1
	}, servicetest.WaitFor, servicetest.Tick)
	require.Contains(t, page.Items[0].To, ann.email)
	require.Equal(t, "New movie: Heat (1995)", page.Items[0].Subject)
	r := e.call(http.MethodGet, "/api/admin/mail/"+page.Items[0].ID, admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	msg, err := mail.ReadMessage(bytes.NewReader(r.Body))
	require.NoError(t, err)
	link := oneClickLink(t, msg)

	token := link[strings.Index(link, "token=")+len("token="):]
	for _, bad := range []string{"", "nonsense", token[:len(token)-2] + "xx", "x" + token, strings.Replace(token, ".", ".A", 1)} {
		r := e.call(http.MethodPost, "/api/unsubscribe?token="+bad, "", nil)
		require.Equal(t, http.StatusBadRequest, r.Status, "token %q", bad)
		require.Equal(t, []string{"token"}, r.Fields(t))
	}
	require.True(t, e.settings(ann, nil).EmailNewMovies, "a bad token changes nothing")

	// the link opened in a browser: to the web app's page, nothing changed yet
	noFollow := *e.client // still checked against the document
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opened, err := noFollow.Get(e.srv.URL + "/api/unsubscribe?token=" + url.QueryEscape(token))
	require.NoError(t, err)
	require.NoError(t, opened.Body.Close())
	require.Equal(t, http.StatusSeeOther, opened.StatusCode)
	require.Equal(t, "/unsubscribe?token="+url.QueryEscape(token), opened.Header.Get("Location"))
	require.True(t, e.settings(ann, nil).EmailNewMovies, "a GET unsubscribes nobody (RFC 8058)")

	r = e.call(http.MethodPost, "/api/unsubscribe?token="+token, "", "List-Unsubscribe=One-Click")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var res notifyapi.Unsubscribed
	r.Decode(t, &res)
	require.Equal(t, "email_new_movies", res.Setting)
	require.False(t, res.Settings.EmailNewMovies)
	require.True(t, res.Settings.EmailBilling, "only the mail's own setting")
	require.False(t, e.settings(ann, map[string]any{}).EmailNewMovies)

	// access
	for _, tok := range []string{"", ann.token} {
		want := map[string]int{"": http.StatusUnauthorized, ann.token: http.StatusForbidden}[tok]
		require.Equal(t, want, e.call(http.MethodGet, "/api/admin/mail", tok, nil).Status)
		require.Equal(t, want, e.call(http.MethodGet, "/api/admin/mail/"+page.Items[0].ID, tok, nil).Status)
	}
	for _, id := range []string{"notify.db", "20260101T000000.000000Z-nope.eml", "x.eml"} {
		require.Equal(t, http.StatusNotFound, e.call(http.MethodGet, "/api/admin/mail/"+id, admin, nil).Status, id)
	}
	r = e.call(http.MethodGet, "/api/admin/mail?limit=101", admin, nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
}

// oneClickLink checks the RFC 8058 headers of msg and returns the link.
func oneClickLink(t testing.TB, msg *mail.Message) string {
	t.Helper()
	require.Equal(t, "List-Unsubscribe=One-Click", msg.Header.Get("List-Unsubscribe-Post"))
	h := msg.Header.Get("List-Unsubscribe")
	require.True(t, strings.HasPrefix(h, "<https://marquee.example/api/unsubscribe?token=") && strings.HasSuffix(h, ">"), h)
	return strings.TrimSuffix(strings.TrimPrefix(h, "<"), ">")
}
