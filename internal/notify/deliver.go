package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/notify/store"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// message is what one cause tells the users it concerns.
type message struct {
	Key   string // the cause (an event id, a reminder): one notification and one mail per user at most
	Kind  string
	Title string
	Body  string
	Link  string // a path of the web app
}

// channels says, for a kind, which setting allows the in-app notification
// (nil: always) and which the e-mail ("": never mailed).
type channels struct {
	inapp func(notifyapi.Settings) bool
	topic string
}

func channelsOf(kind string) channels {
	switch kind {
	case notifyapi.KindNewMovie:
		return channels{inapp: func(s notifyapi.Settings) bool { return s.InappNewMovies }, topic: store.TopicNewMovies}
	case notifyapi.KindNewFollower:
		return channels{inapp: func(s notifyapi.Settings) bool { return s.InappNewFollowers }}
	default: // payments and subscriptions: always in-app, mailed unless email_billing is off
		return channels{inapp: func(notifyapi.Settings) bool { return true }, topic: store.TopicBilling}
	}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// rows are the notifications and mails of m for users, as their settings allow.
func (s *Service) rows(m message, users []store.User) ([]store.Notification, []store.Mail) {
	ch := channelsOf(m.Kind)
	now := s.now()
	var ns []store.Notification
	var ms []store.Mail
	for _, u := range users {
		if u.Deleted {
			continue
		}
		if ch.inapp(u.Settings) {
			ns = append(ns, store.Notification{UserID: u.ID, EventKey: m.Key, Notification: notifyapi.Notification{
				ID: newID(), Kind: m.Kind, Title: m.Title, Body: m.Body, Link: m.Link, CreatedAt: now}})
		}
		if ch.topic != "" && u.Allows(ch.topic) {
			ms = append(ms, store.Mail{ID: newID(), UserID: u.ID, EventKey: m.Key, Kind: m.Kind, Topic: ch.topic,
				Subject: m.Title, Body: m.Body, Link: m.Link, CreatedAt: now})
		}
	}
	return ns, ms
}

// write stores the rows in tx and wakes the mail sender after the commit.
func (s *Service) write(ctx context.Context, tx *sqldb.Tx, ns []store.Notification, ms []store.Mail) error {
	if _, err := s.store.AddNotifications(ctx, tx, ns); err != nil {
		return err
	}
	queued, err := s.store.AddMails(ctx, tx, ms)
	if err != nil {
		return err
	}
	if queued > 0 {
		tx.AfterCommit(func() { signal(s.mailWake) })
	}
	return nil
}

// deliverTo notifies one user of m in tx. A user notify has not heard of
// yet gets a placeholder with the default settings (identity's event fills
// in the address before the mail is sent); a deleted user gets nothing.
func (s *Service) deliverTo(ctx context.Context, tx *sqldb.Tx, userID string, m message) error {
	u, err := s.store.GetUser(ctx, tx, userID)
	if errors.Is(err, store.ErrNotFound) {
		if err = s.store.EnsureUser(ctx, tx, userID, s.now()); err == nil {
			u, err = s.store.GetUser(ctx, tx, userID)
		}
	}
	if err != nil {
		return err
	}
	ns, ms := s.rows(m, []store.User{u})
	return s.write(ctx, tx, ns, ms)
}

// fanoutRound sends one batch of the oldest unfinished fan-out and the due
// reminders; busy reports whether there may be more to do at once.
func (s *Service) fanoutRound(ctx context.Context) (bool, error) {
	w, err := s.store.Work(ctx, s.db, s.now())
	if err != nil || (!w.Fanout && !w.Reminder) {
		return false, err
	}
	busy := false
	if w.Fanout {
		if busy, err = s.fanoutBatch(ctx); err != nil {
			return false, err
		}
	}
	if busy && s.cfg.FanoutPause > 0 {
		// a fan-out is a background job: pace it so requests and other
		// consumers of this process keep their CPU
		t := time.NewTimer(s.cfg.FanoutPause)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	if !w.Reminder {
		return busy, nil // no empty write transaction per batch
	}
	more, err := s.remindersDue(ctx)
	return busy || more, err
}

// fanoutBatch covers the next FanoutBatch users of the oldest unfinished
// fan-out in one transaction, recording how far it got in the same one: a
// crash rolls the batch back and the next round redoes it, and the unique
// (user, cause) rows make a repeat harmless anyway.
func (s *Service) fanoutBatch(ctx context.Context) (bool, error) {
	busy := false
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		f, ok, err := s.store.NextFanout(ctx, tx)
		if err != nil || !ok {
			return err
		}
		busy = true
		users, err := s.store.Audience(ctx, tx, f.AfterUser, f.Cutoff, s.cfg.FanoutBatch)
		if err != nil {
			return err
		}
		ns, ms := s.rows(message{Key: f.EventKey, Kind: f.Kind, Title: f.Title, Body: f.Body, Link: f.Link}, users)
		if err := s.write(ctx, tx, ns, ms); err != nil {
			return err
		}
		after, done := f.AfterUser, len(users) < s.cfg.FanoutBatch
		if len(users) > 0 {
			after = users[len(users)-1].ID
		}
		if s.opts.fanoutHook != nil {
			s.batches.Lock()
			s.batchNo++
			n := s.batchNo
			s.batches.Unlock()
			s.opts.fanoutHook(ctx, n)
		}
		if err := s.store.AdvanceFanout(ctx, tx, f.EventKey, after, done); err != nil {
			return err
		}
		if done {
			s.log.Info("fan-out done", "event", f.EventKey, "kind", f.Kind)
		}
		return ctx.Err() // a cancelled batch is not committed
	})
	if err != nil {
		return false, fmt.Errorf("fan-out batch: %w", err)
	}
	return busy, nil
}

// remindersDue sends the "ends in 3 days" notices that are due.
func (s *Service) remindersDue(ctx context.Context) (bool, error) {
	const batch = 100
	n := 0
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		due, err := s.store.DueReminders(ctx, tx, s.now(), batch)
		if err != nil {
			return err
		}
		n = len(due)
		for _, r := range due {
			if err := s.deliverTo(ctx, tx, r.UserID, expiringMessage(r)); err != nil {
				return err
			}
			if err := s.store.SetReminderState(ctx, tx, r.SubscriptionID, store.ReminderDone); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("subscription reminders: %w", err)
	}
	return n == batch, nil
}
