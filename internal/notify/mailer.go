package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Mailer delivers mails. Open starts a session (an SMTP connection) through
// which several mails go; the sender opens one per batch.
type Mailer interface {
	Open(ctx context.Context) (MailSession, error)
}

// MailSession sends mails one at a time until closed.
type MailSession interface {
	// Send delivers msg; a temporary failure (TemporaryError) is worth retrying.
	Send(ctx context.Context, msg *gomail.Msg) error
	Close() error
}

// TemporaryError reports whether err is a failure worth retrying: a 4xx
// answer, a connection that failed. A 5xx answer is permanent.
func TemporaryError(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return false
		}
		return true
	}
	return true
}

// SMTPMailer sends through an SMTP server: smtp://user:pass@host:port.
// STARTTLS is used when the server offers it; credentials, when given, are
// sent with the best mechanism the server announces.
type SMTPMailer struct {
	host string
	opts []gomail.Option
}

// NewSMTPMailer parses rawURL (smtp://[user:pass@]host[:port], port 25 by
// default); tlsConfig (may be nil) is used for STARTTLS.
func NewSMTPMailer(rawURL string, tlsConfig *tls.Config) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL %q: want smtp://user:pass@host:port", redactURL(rawURL))
	}
	port := 25
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("SMTP URL %q: bad port", redactURL(rawURL))
		}
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTLSPolicy(gomail.TLSOpportunistic), gomail.WithTimeout(30 * time.Second)}
	if tlsConfig != nil {
		c := tlsConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = u.Hostname()
		}
		opts = append(opts, gomail.WithTLSConfig(c))
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTPMailer{host: u.Hostname(), opts: opts}, nil
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// Open dials the server (HELO, STARTTLS, AUTH).
func (m *SMTPMailer) Open(ctx context.Context) (MailSession, error) {
	c, err := gomail.NewClient(m.host, m.opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("smtp connect to %s: %w", c.ServerAddr(), err)
	}
	return smtpSession{c}, nil
}

type smtpSession struct{ c *gomail.Client }

func (s smtpSession) Send(_ context.Context, msg *gomail.Msg) error { return s.c.Send(msg) }
func (s smtpSession) Close() error                                  { return s.c.Close() }

// FileMailer is the embedded default: every mail becomes an .eml file in
// Dir, named so that names sort by time.
type FileMailer struct{ Dir string }

// NewFileMailer writes into dir (created on first use).
func NewFileMailer(dir string) *FileMailer { return &FileMailer{Dir: dir} }

// Open needs no connection.
func (f *FileMailer) Open(context.Context) (MailSession, error) {
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("mail directory: %w", err)
	}
	return f, nil
}

// Send writes msg to <time>-<mail id>.eml, whole or not at all.
func (f *FileMailer) Send(_ context.Context, msg *gomail.Msg) error {
	id := ""
	if v := msg.GetGenHeader(gomail.HeaderMessageID); len(v) > 0 {
		id = v[0]
	}
	name := time.Now().UTC().Format("20060102T150405.000000Z") + "-" + fileSafe(id) + ".eml"
	tmp := filepath.Join(f.Dir, "."+name+".tmp")
	if err := msg.WriteToFile(tmp); err != nil {
		return fmt.Errorf("write mail file: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(f.Dir, name)); err != nil {
		return fmt.Errorf("write mail file: %w", err)
	}
	return nil
}

// Close does nothing.
func (f *FileMailer) Close() error { return nil }

// fileSafe keeps letters, digits and '-' of s.
func fileSafe(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < 64; i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "mail"
	}
	return string(out)
}
