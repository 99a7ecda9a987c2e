package notify_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/catalog/catalogapi"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
	"github.com/marquee-dev/marquee/internal/notify"
	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// waitForMails waits until the server holds n mails.
func waitForMails(t testing.TB, s *smtpServer, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.mails()) >= n }, servicetest.WaitFor, servicetest.Tick, "want %d mails", n)
	time.Sleep(50 * time.Millisecond) // room for an unwanted extra one to show
	require.Len(t, s.mails(), n)
}

func TestMailsOverSMTPAreOnePerUserWithTextHTMLAndOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	srv := startSMTPWith(t, serverTLS)
	srv.user, srv.pass = "marquee", "s3cret pass"
	e := newEnv(t, sqldb.SQLite, notify.Config{SMTPURL: srv.url(), SMTPTLS: clientTLS, MailFrom: "Marquee <news@marquee.example>"})
	e.run()
	var fans []user
	for i := range 3 {
		u := e.addUser(fmt.Sprintf("fan%d", i))
		e.settings(u, map[string]any{"email_new_movies": true})
		fans = append(fans, u)
	}
	e.addUser("quiet")

	require.NoError(t, e.apply(notify.ConsumerMovies, movieEvent(t, "Heat")))
	waitForMails(t, srv, 3)
	got := srv.byRecipient()
	for _, f := range fans {
		require.Equal(t, 1, got[f.email], "exactly one mail to %s", f.email)
	}
	require.Equal(t, "news@marquee.example", srv.mails()[0].from)
	require.True(t, srv.mails()[0].tls, "STARTTLS when the server offers it, then AUTH")

	// the MIME structure, parsed back
	var link string
	for i := range 3 {
		msg := srv.parsed(t, i)
		require.Equal(t, "New movie: Heat (1995)", msg.Header.Get("Subject"))
		require.Contains(t, msg.Header.Get("Message-Id"), "@marquee.example>")
		mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		require.NoError(t, err)
		require.Equal(t, "multipart/alternative", mt)
		mr := multipart.NewReader(msg.Body, params["boundary"])
		var types []string
		var text, html string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			ct, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
			require.NoError(t, err)
			types = append(types, ct)
			body := decodePart(t, p)
			if ct == "text/plain" {
				text = body
			} else {
				html = body
			}
		}
		require.Equal(t, []string{"text/plain", "text/html"}, types)
		require.Contains(t, text, "New on Marquee: Heat (1995). A crime saga.")
		require.Contains(t, text, "https://marquee.example/movies/")
		require.Contains(t, html, `<a href="https://marquee.example/movies/`)
		require.Contains(t, html, "Unsubscribe</a>")
		if strings.Contains(msg.Header.Get("To"), fans[0].email) {
			link = oneClickLink(t, msg)
		}
	}
	require.NotEmpty(t, link)

	// the one-click link turns the setting off without a login
	r := e.call(http.MethodPost, strings.TrimPrefix(link, "https://marquee.example"), "", "List-Unsubscribe=One-Click")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.False(t, e.settings(fans[0], map[string]any{}).EmailNewMovies)

	require.NoError(t, e.apply(notify.ConsumerMovies, movieEvent(t, "Ronin")))
	waitForMails(t, srv, 5)
	got = srv.byRecipient()
	require.Equal(t, 1, got[fans[0].email], "unsubscribed: no second mail")
	require.Equal(t, 2, got[fans[1].email])
}

// decodePart reads a MIME part, undoing its transfer encoding.
func decodePart(t testing.TB, p *multipart.Part) string {
	t.Helper()
	raw, err := io.ReadAll(p)
	require.NoError(t, err)
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		// multipart.Reader undoes quoted-printable itself and drops the header,
		// so a part still naming it was not decoded
		t.Fatalf("quoted-printable part left encoded")
	case "base64":
		t.Fatalf("unexpected base64 part")
	}
	return string(raw)
}

// The consumers on a real bus: an event delivered twice (a second publish
// under another message id, as after a lost ack) sends one mail.
func TestRedeliveredEventsSendNothingTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startSMTP(t)
	e := newEnv(t, sqldb.SQLite, notify.Config{SMTPURL: srv.url()})
	bus := servicetest.StartBus(t, ctx, identityapi.Source, catalogapi.Source, socialapi.Source, notifyapi.BillingSource)
	consumers := servicetest.StartConsumers(t, e.db, bus, e.svc.Subscriptions())
	producer := servicetest.NewProducer(t, bus)
	e.run()

	ann := user{id: "0193e000-0000-7000-8000-0000000000c1", name: "Ann", email: "ann@example.com"}
	producer.Publish(t, userEvent(t, identityapi.UserRegistered, ann, 1, false))
	servicetest.RequirePublished(t, ctx, producer)
	servicetest.RequireCaughtUp(t, ctx, bus, consumers)
	ann.token = e.minter.Token(t, ann.id, "user")
	e.settings(ann, map[string]any{"email_new_movies": true})

	movie, order := movieEvent(t, "Heat"), orderEvent(t, notifyapi.OrderCompleted, ann)
	producer.Publish(t, movie, order)
	servicetest.RequirePublished(t, ctx, producer)
	servicetest.PublishAgain(t, ctx, bus, movie)
	servicetest.PublishAgain(t, ctx, bus, order)
	servicetest.RequireCaughtUp(t, ctx, bus, consumers)
	waitForMails(t, srv, 2)
	require.Equal(t, 2, srv.byRecipient()[ann.email], "one for the movie, one receipt")
	require.Equal(t, []string{notifyapi.KindNewMovie, notifyapi.KindOrderCompleted}, sortedKinds(e.kinds(ann)))
}

func sortedKinds(k []string) []string {
	out := append([]string(nil), k...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestFailingSMTPServerIsRetriedWithoutHoldingUpNotifications(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t)
	srv.failNext(3)
	e := newEnv(t, sqldb.SQLite, notify.Config{SMTPURL: srv.url()})
	e.run()
	ann, bob := e.addUser("ann"), e.addUser("bob")
	require.NoError(t, e.apply(notify.ConsumerBilling, orderEvent(t, notifyapi.OrderCompleted, ann)))
	// in-app notifications do not wait for the mail server
	require.NoError(t, e.apply(notify.ConsumerFollows, followEvent(t, bob, ann)))
	require.Equal(t, []string{notifyapi.KindNewFollower, notifyapi.KindOrderCompleted}, e.kinds(ann))

	waitForMails(t, srv, 1)
	require.Equal(t, 3, srv.refused)
	var attempts int
	var status, lastErr string
	require.NoError(t, e.db.QueryRowContext(e.ctx, `SELECT attempts, status, last_error FROM mails WHERE user_id = ?`, ann.id).Scan(&attempts, &status, &lastErr))
	require.Equal(t, 4, attempts)
	require.Equal(t, "sent", status)
	require.Empty(t, lastErr)
}

func TestMailsAreGivenUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t)
	srv.failNext(1000)
	e := newEnv(t, sqldb.SQLite, notify.Config{SMTPURL: srv.url(), MaxAttempts: 3})
	e.run()
	ann := e.addUser("ann")
	require.NoError(t, e.apply(notify.ConsumerBilling, orderEvent(t, notifyapi.OrderCompleted, ann)))
	require.Eventually(t, func() bool {
		return e.count(`SELECT COUNT(*) FROM mails WHERE status = 'failed' AND attempts = 3 AND last_error LIKE '%try again later%'`) == 1
	}, servicetest.WaitFor, servicetest.Tick)
	require.Equal(t, 3, srv.refused)
	require.Empty(t, srv.mails())
}

// A crash in the middle of a fan-out (the worker cancelled inside a batch's
// transaction) and in the middle of sending (cancelled between mails), then
// a restart on the same database: every user is told exactly once.
func TestCrashMidFanoutResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	const users, batch = 40, 7
	srv := startSMTP(t)
	e := newEnv(t, sqldb.SQLite, notify.Config{SMTPURL: srv.url()})
	var fans []user
	for i := range users {
		u := e.addUser(fmt.Sprintf("u%02d", i))
		e.settings(u, map[string]any{"email_new_movies": true})
		fans = append(fans, u)
	}
	require.NoError(t, e.apply(notify.ConsumerMovies, movieEvent(t, "Heat")))

	// first run: the fan-out dies inside its third batch, the sender (slowed
	// to 50 mails a second) whenever the fan-out died
	ctx, crash := context.WithCancel(context.Background())
	first := newEnvOn(t, e.db, notify.Config{SMTPURL: srv.url(), FanoutBatch: batch, SMTPRate: 50},
		notify.WithFanoutHook(func(_ context.Context, n int) {
			if n == 3 {
				crash()
			}
		}))
	done := make(chan error, 1)
	go func() { done <- first.svc.Run(ctx) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(servicetest.WaitFor):
		t.Fatal("the worker did not stop")
	}
	require.Equal(t, 2*batch, e.count(`SELECT COUNT(*) FROM notifications`), "the two committed batches, not the crashed one")
	require.Equal(t, fans[2*batch-1].id, afterUser(t, e))
	sentBefore := len(srv.mails())
	require.Less(t, sentBefore, users)

	// restart on the same database
	second := newEnvOn(t, e.db, notify.Config{SMTPURL: srv.url(), FanoutBatch: batch})
	second.run()
	waitForMails(t, srv, users)
	require.Equal(t, users, e.count(`SELECT COUNT(*) FROM notifications`))
	require.Equal(t, users, e.count(`SELECT COUNT(*) FROM mails WHERE status = 'sent'`))
	got := srv.byRecipient()
	for _, f := range fans {
		require.Equal(t, 1, got[f.email], f.email)
		require.Equal(t, 1, e.unread(f))
	}
}

func afterUser(t testing.TB, e *env) string {
	t.Helper()
	var after string
	require.NoError(t, e.db.QueryRowContext(e.ctx, `SELECT after_user FROM fanouts`).Scan(&after))
	return after
}
