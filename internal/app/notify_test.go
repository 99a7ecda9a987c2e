package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Through the gateway, as the web app sees it: a user opts in to e-mail
// about new movies, an administrator creates a movie, the user's unread
// count becomes 1, the notification links to the movie, and the mail (an
// .eml file of the embedded default) is listed for administrators with the
// one-click unsubscribe link, which turns the setting off.
func TestANewMovieReachesTheBellAndTheMailbox(t *testing.T) {
	t.Parallel()
	p := start(t, map[string]string{"MARQUEE_PUBLIC_URL": "https://marquee.example"})
	admin := p.admin(t)
	fan := p.user(t)
	var me struct{ Email string }
	require.Equal(t, 200, p.call(t, "GET", "/api/me", fan, nil, &me))
	// notify learns of the account from identity's event; settings may be set before that anyway
	require.Equal(t, 200, p.call(t, "PUT", "/api/me/notification-settings", fan, map[string]any{"email_new_movies": true}, nil))

	var movie struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/movies", admin, map[string]any{"title": "Bell Movie"}, &movie))
	var count struct{ Count int }
	require.Eventually(t, func() bool {
		return p.call(t, "GET", "/api/notifications/unread-count", fan, nil, &count) == 200 && count.Count == 1
	}, 15*time.Second, 10*time.Millisecond)
	var inbox struct {
		Items []struct{ Kind, Title, Link string }
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/notifications", fan, nil, &inbox))
	require.Len(t, inbox.Items, 1)
	require.Equal(t, "new_movie", inbox.Items[0].Kind)
	require.Equal(t, "/movies/"+movie.ID, inbox.Items[0].Link)

	var mails struct {
		Items []struct{ ID, To, Subject string }
	}
	require.Eventually(t, func() bool {
		return p.call(t, "GET", "/api/admin/mail", admin, nil, &mails) == 200 && len(mails.Items) > 0
	}, 15*time.Second, 10*time.Millisecond)
	require.Contains(t, mails.Items[0].To, me.Email)
	require.Equal(t, "New movie: Bell Movie", mails.Items[0].Subject)

	require.Equal(t, 403, p.call(t, "GET", "/api/admin/mail/"+mails.Items[0].ID, fan, nil, nil), "administrators only")
	req, err := http.NewRequest("GET", p.url+"/api/admin/mail/"+mails.Items[0].ID, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := p.client.Do(req)
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	link := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
	require.True(t, strings.HasPrefix(link, "https://marquee.example/api/unsubscribe?token="), link)
	require.Equal(t, 200, p.call(t, "POST", strings.TrimPrefix(link, "https://marquee.example"), "", nil, nil))
	var settings struct {
		EmailNewMovies bool `json:"email_new_movies"`
	}
	require.Equal(t, 200, p.call(t, "GET", "/api/me/notification-settings", fan, nil, &settings))
	require.False(t, settings.EmailNewMovies)
}
