package notify

import (
	"errors"
	"io/fs"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// MailFiles lists the .eml files of the embedded default, newest first,
// after the file named after ("" from the newest). With SMTP configured
// there are none.
func (s *Service) MailFiles(after string, limit int) ([]notifyapi.Mail, error) {
	out := []notifyapi.Mail{}
	if s.files == nil {
		return out, nil
	}
	entries, err := os.ReadDir(s.files.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasSuffix(n, ".eml") && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	dec := new(mime.WordDecoder)
	for _, n := range names {
		if len(out) == limit {
			break
		}
		if after != "" && n >= after {
			continue
		}
		item := notifyapi.Mail{ID: n}
		f, err := os.Open(filepath.Join(s.files.Dir, n))
		if err != nil {
			continue // removed meanwhile
		}
		if st, err := f.Stat(); err == nil {
			item.Size = st.Size()
			item.Date = st.ModTime().UTC()
		}
		if m, err := mail.ReadMessage(f); err == nil {
			item.To = m.Header.Get("To")
			if subj, err := dec.DecodeHeader(m.Header.Get("Subject")); err == nil {
				item.Subject = subj
			}
			if d, err := m.Header.Date(); err == nil {
				item.Date = d.UTC()
			}
		}
		_ = f.Close()
		out = append(out, item)
	}
	return out, nil
}

// mailFileName is the shape of the names FileMailer gives (so an id can never leave the directory).
var mailFileName = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[A-Za-z0-9-]{1,64}\.eml$`)

// MailFile returns one .eml file of the embedded default.
func (s *Service) MailFile(id string) ([]byte, error) {
	if s.files == nil || !mailFileName.MatchString(id) {
		return nil, httpx.NotFound("mail")
	}
	raw, err := os.ReadFile(filepath.Join(s.files.Dir, filepath.Base(id)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, httpx.NotFound("mail")
	}
	return raw, err
}
