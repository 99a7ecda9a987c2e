package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/marquee-dev/marquee/internal/notify/store"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// mailRound claims a batch of due mails and sends them through one session,
// each after the rate limiter allows it. Every outcome is recorded at once:
// sent, skipped (the user opted out or is gone), retried later with a
// doubling delay, or failed for good after MaxAttempts or a 5xx answer.
//
// A mail is marked sent right after the server accepted it; a process that
// dies in between leaves it claimed, and once the claim's lease ends another
// round sends it again. Its Message-ID is the same every time, so that one
// rare repeat can be recognised.
func (s *Service) mailRound(ctx context.Context) (bool, error) {
	if w, err := s.store.Work(ctx, s.db, s.now()); err != nil || !w.Mail {
		return false, err
	}
	var batch []store.Mail
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		batch, err = s.store.ClaimMails(ctx, tx, s.now(), s.cfg.MailLease, s.cfg.MailBatch)
		return err
	})
	if err != nil || len(batch) == 0 {
		return false, err
	}
	// outcomes are recorded even when ctx ends mid-batch (a stopping process)
	record := context.WithoutCancel(ctx)
	var session MailSession
	defer func() {
		if session != nil {
			_ = session.Close()
		}
	}()
	for i, m := range batch {
		if ctx.Err() != nil {
			// hand the rest back at once instead of letting their claims run out
			for _, rest := range batch[i:] {
				if err := s.store.FinishMail(record, s.db, rest.ID, store.MailPending, rest.Attempts, rest.NextAttemptAt, rest.LastError, s.now()); err != nil {
					return false, err
				}
			}
			return false, nil
		}
		u, err := s.store.GetUser(ctx, s.db, m.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		switch {
		case errors.Is(err, store.ErrNotFound) || u.Deleted:
			err = s.store.FinishMail(record, s.db, m.ID, store.MailSkipped, m.Attempts, m.NextAttemptAt, "the account is gone", s.now())
		case !u.Allows(m.Topic):
			err = s.store.FinishMail(record, s.db, m.ID, store.MailSkipped, m.Attempts, m.NextAttemptAt, "unsubscribed from "+m.Topic, s.now())
		case u.Email == "":
			// identity's event about this user has not arrived yet
			err = s.retry(record, m, errors.New("the user's address is not known yet"), true)
		default:
			err = s.sendOne(ctx, record, &session, m, u)
		}
		if err != nil {
			return false, err
		}
	}
	return len(batch) == s.cfg.MailBatch, nil
}

// sendOne renders and sends m to u, and records the outcome.
func (s *Service) sendOne(ctx, record context.Context, session *MailSession, m store.Mail, u store.User) error {
	msg, err := s.render(m, u)
	if err != nil {
		return s.store.FinishMail(record, s.db, m.ID, store.MailFailed, m.Attempts+1, m.NextAttemptAt, err.Error(), s.now())
	}
	if err := s.limit.Wait(ctx); err != nil {
		return s.store.FinishMail(record, s.db, m.ID, store.MailPending, m.Attempts, m.NextAttemptAt, m.LastError, s.now())
	}
	if *session == nil {
		if *session, err = s.mailer.Open(ctx); err != nil {
			*session = nil
			return s.retry(record, m, err, true)
		}
	}
	if err := (*session).Send(ctx, msg); err != nil {
		// the connection may be unusable after a failure: the next mail opens a new one
		_ = (*session).Close()
		*session = nil
		return s.retry(record, m, err, TemporaryError(err))
	}
	return s.store.FinishMail(record, s.db, m.ID, store.MailSent, m.Attempts+1, m.NextAttemptAt, "", s.now())
}

// retry records a failed attempt: pending again after a doubling delay, or
// failed for good when the error is permanent or the attempts are used up.
func (s *Service) retry(ctx context.Context, m store.Mail, cause error, temporary bool) error {
	attempts := m.Attempts + 1
	if !temporary || attempts >= s.cfg.MaxAttempts {
		s.log.Warn("mail given up", "mail_id", m.ID, "user_id", m.UserID, "attempts", attempts, "error", cause.Error())
		return s.store.FinishMail(ctx, s.db, m.ID, store.MailFailed, attempts, m.NextAttemptAt, shorten(cause.Error(), 500), s.now())
	}
	delay := min(s.cfg.RetryBase*time.Duration(1<<min(attempts-1, 20)), s.cfg.RetryMax)
	s.log.Info("mail will be retried", "mail_id", m.ID, "attempts", attempts, "in", delay.String(), "error", cause.Error())
	return s.store.FinishMail(ctx, s.db, m.ID, store.MailPending, attempts, s.now().Add(delay), shorten(cause.Error(), 500), s.now())
}

// mailView is what the templates show.
type mailView struct {
	Name        string
	Title       string
	Body        string
	Link        string
	Reason      string
	Unsubscribe string
}

var (
	textMail = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

{{.Body}}

{{.Link}}

--
{{.Reason}}
Unsubscribe: {{.Unsubscribe}}
`))
	htmlMail = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {{.Name}},</p>
<h2>{{.Title}}</h2>
<p>{{.Body}}</p>
<p><a href="{{.Link}}">Open in Marquee</a></p>
<hr>
<p style="color: #666; font-size: 12px">{{.Reason}} <a href="{{.Unsubscribe}}">Unsubscribe</a></p>
</body></html>
`))
)

var reasons = map[string]string{
	store.TopicNewMovies: "You get this e-mail because you asked to hear about new movies on Marquee.",
	store.TopicBilling:   "You get this e-mail about your payments and subscription on Marquee.",
}

// render builds the MIME message of m for u: a text and an HTML part and the
// one-click unsubscribe headers of RFC 8058.
func (s *Service) render(m store.Mail, u store.User) (*gomail.Msg, error) {
	token := s.tokens.sign(u.ID, m.Topic)
	oneClick := s.cfg.PublicURL + "/api/unsubscribe?token=" + token
	view := mailView{Name: u.DisplayName, Title: m.Subject, Body: m.Body, Link: s.cfg.PublicURL + m.Link,
		Reason: reasons[m.Topic], Unsubscribe: s.cfg.PublicURL + "/unsubscribe?token=" + token}
	if view.Name == "" {
		view.Name = "there"
	}
	var text, html bytes.Buffer
	if err := textMail.Execute(&text, view); err != nil {
		return nil, err
	}
	if err := htmlMail.Execute(&html, view); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.MailFrom); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	to := (&mail.Address{Name: u.DisplayName, Address: u.Email}).String()
	if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("address %q: %w", u.Email, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID + "@" + s.mailDomain())
	msg.SetDate()
	msg.SetGenHeader("List-Unsubscribe", "<"+oneClick+">")
	msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// mailDomain is the domain of the From address, for Message-IDs.
func (s *Service) mailDomain() string {
	a, err := mail.ParseAddress(s.cfg.MailFrom)
	if err != nil {
		return "marquee"
	}
	if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
		return d
	}
	return "marquee"
}
