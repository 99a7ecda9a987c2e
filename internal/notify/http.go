package notify

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/notify/store"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Routes registers the notify HTTP API on rt. Notifications and settings
// are the caller's own; unsubscribing needs only the signed token; the mail
// files are for administrators.
func (s *Service) Routes(rt *httpx.Router) {
	rt.Handle("GET /api/notifications", auth.Signed, s.handleList)
	rt.Handle("GET /api/notifications/unread-count", auth.Signed, s.handleUnreadCount)
	rt.Handle("POST /api/notifications/{id}/read", auth.Signed, s.handleRead)
	rt.Handle("POST /api/notifications/read-all", auth.Signed, s.handleReadAll)
	rt.Handle("GET /api/me/notification-settings", auth.Signed, s.handleGetSettings)
	rt.Handle("PUT /api/me/notification-settings", auth.Signed, s.handlePutSettings)
	rt.Handle("GET /api/unsubscribe", auth.Public, s.handleUnsubscribePage)
	rt.Handle("POST /api/unsubscribe", auth.Public, s.handleUnsubscribe)
	rt.Handle("GET /api/admin/mail", auth.Admin, s.handleMailList)
	rt.Handle("GET /api/admin/mail/{id}", auth.Admin, s.handleMailFile)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	unread := false
	switch v := r.URL.Query().Get("unread"); v {
	case "", "false":
	case "true":
		unread = true
	default:
		return httpx.Invalid(http.StatusBadRequest, "unread", "must be true or false")
	}
	return httpx.ServeNewestFirst(w, r, func(after *sqldb.Position, limit int) ([]notifyapi.Notification, error) {
		return s.store.Notifications(r.Context(), s.db, caller.UserID, unread, after, limit)
	}, func(last notifyapi.Notification) sqldb.Position {
		return sqldb.Position{At: last.CreatedAt, ID: last.ID}
	})
}

func (s *Service) handleUnreadCount(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	n, err := s.store.UnreadCount(r.Context(), s.db, caller.UserID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, notifyapi.UnreadCount{Count: n})
	return nil
}

func (s *Service) handleRead(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if !httpx.IsUUID(id) {
		return httpx.NotFound("notification")
	}
	n, err := s.store.MarkRead(r.Context(), s.db, caller.UserID, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound("notification")
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, n)
	return nil
}

// handleReadAll marks everything read and answers with the unread count (0).
func (s *Service) handleReadAll(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	if _, err := s.store.MarkAllRead(r.Context(), s.db, caller.UserID, s.now()); err != nil {
		return err
	}
	n, err := s.store.UnreadCount(r.Context(), s.db, caller.UserID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, notifyapi.UnreadCount{Count: n})
	return nil
}

// Settings returns a user's settings (the defaults for a user never seen).
func (s *Service) Settings(ctx context.Context, userID string) (notifyapi.Settings, error) {
	u, err := s.store.GetUser(ctx, s.db, userID)
	if errors.Is(err, store.ErrNotFound) {
		return notifyapi.DefaultSettings, nil
	}
	return u.Settings, err
}

// UpdateSettings changes the given fields of a user's settings.
func (s *Service) UpdateSettings(ctx context.Context, userID string, up notifyapi.SettingsUpdate) (notifyapi.Settings, error) {
	var out notifyapi.Settings
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := s.store.EnsureUser(ctx, tx, userID, s.now()); err != nil {
			return err
		}
		u, err := s.store.GetUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		out = u.Settings
		for _, f := range []struct {
			v   *bool
			dst *bool
		}{
			{up.EmailNewMovies, &out.EmailNewMovies}, {up.EmailBilling, &out.EmailBilling},
			{up.InappNewMovies, &out.InappNewMovies}, {up.InappNewFollowers, &out.InappNewFollowers},
		} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		return s.store.SetSettings(ctx, tx, userID, out)
	})
	return out, err
}

func (s *Service) handleGetSettings(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	st, err := s.Settings(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (s *Service) handlePutSettings(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	var up notifyapi.SettingsUpdate
	if err := httpx.DecodeJSON(w, r, &up); err != nil {
		return err
	}
	st, err := s.UpdateSettings(r.Context(), caller.UserID, up)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

// Unsubscribe turns off the setting a signed token names.
func (s *Service) Unsubscribe(ctx context.Context, token string) (notifyapi.Unsubscribed, error) {
	p, err := s.tokens.verify(token)
	if err != nil {
		return notifyapi.Unsubscribed{}, httpx.Invalid(http.StatusBadRequest, "token", "is not a valid unsubscribe token (tampered or from another site)")
	}
	off := false
	up := notifyapi.SettingsUpdate{EmailNewMovies: &off}
	if p.Setting == store.TopicBilling {
		up = notifyapi.SettingsUpdate{EmailBilling: &off}
	}
	st, err := s.UpdateSettings(ctx, p.User, up)
	return notifyapi.Unsubscribed{Setting: p.Setting, Settings: st}, err
}

// handleUnsubscribe is the RFC 8058 one-click endpoint: mail programs POST
// "List-Unsubscribe=One-Click" to it; the body is not needed.
func (s *Service) handleUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	res, err := s.Unsubscribe(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// handleUnsubscribePage answers the List-Unsubscribe link opened in a
// browser (mail programs without one-click support do that): RFC 8058 forbids
// unsubscribing on a GET, which link scanners also send, so it only leads to
// the web app's page, whose button makes the POST.
func (s *Service) handleUnsubscribePage(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/unsubscribe?token="+url.QueryEscape(r.URL.Query().Get("token")), http.StatusSeeOther)
	return nil
}

func (s *Service) handleMailList(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.ParseLimit(r)
	if err != nil {
		return err
	}
	var after string
	if _, err := httpx.DecodeCursor(r, &after); err != nil {
		return err
	}
	items, err := s.MailFiles(after, limit+1)
	if err != nil {
		return err
	}
	page, err := httpx.NewPage(items, limit, func(last notifyapi.Mail) any { return last.ID })
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, notifyapi.MailPage{Items: page.Items, NextCursor: page.NextCursor})
	return nil
}

func (s *Service) handleMailFile(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.MailFile(r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8") // the source, readable in a browser
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw)
	return nil
}
