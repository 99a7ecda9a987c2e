// Package store keeps the notify service's data in SQL: its copy of users
// with their notification settings, in-app notifications, fan-out jobs, the
// outgoing mail queue and subscription reminders. Store is the interface;
// New returns the implementation for the database's engine. Both share the
// SQL they agree on (written with `?` placeholders, rebound by sqldb); what
// differs is explicit in the engine structs: timestamp columns and row
// claiming (FOR UPDATE SKIP LOCKED on PostgreSQL).
//
// Every method takes the sqldb.Querier to run on, so the service can put an
// inbox row and its effect in one transaction.
package store

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations holds the notify schema, one folder per engine:
//
//	sqldb.Migrate(ctx, db, "notify", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// ErrNotFound is returned when a user or a notification does not exist.
var ErrNotFound = sqldb.ErrNotFound

// Mail topics: the setting that allows a mail, also the unsubscribe scope.
const (
	TopicNewMovies = "email_new_movies"
	TopicBilling   = "email_billing"
)

// Mail states.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailSkipped = "skipped"
	MailFailed  = "failed"
)

// User is notify's copy of a user and their settings.
type User struct {
	ID           string
	Email        string
	DisplayName  string
	Deleted      bool
	Version      int64 // identity's version; 0 for a placeholder
	RegisteredAt time.Time
	Settings     notifyapi.Settings
}

// Allows reports whether the user's settings allow a mail of topic.
func (u User) Allows(topic string) bool {
	switch topic {
	case TopicNewMovies:
		return u.Settings.EmailNewMovies
	case TopicBilling:
		return u.Settings.EmailBilling
	}
	return false
}

// Notification is an in-app notification as stored.
type Notification struct {
	notifyapi.Notification
	UserID   string
	EventKey string
}

// Mail is a row of the outgoing mail queue.
type Mail struct {
	ID            string
	UserID        string
	EventKey      string
	Kind          string
	Topic         string
	Subject       string
	Body          string
	Link          string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Fanout is a notification for every user whose settings allow it.
type Fanout struct {
	EventKey  string
	Kind      string
	Title     string
	Body      string
	Link      string
	Cutoff    time.Time // users registered later are not part of it
	AfterUser string    // the last user done, "" before the first batch
	Done      bool
	CreatedAt time.Time
}

// Reminder is the "ends in 3 days" notice of a subscription cancelled at period end.
type Reminder struct {
	SubscriptionID string
	UserID         string
	PlanName       string
	PeriodEnd      time.Time
	DueAt          time.Time
	State          string // pending, done, off
	Version        int64
}

// Reminder states.
const (
	ReminderPending = "pending"
	ReminderDone    = "done"
	ReminderOff     = "off"
)

// Work is what the background workers have to do.
type Work struct {
	Fanout, Reminder, Mail bool
}

// Position is a keyset position in a newest-first list.
type Position = sqldb.Position

// Store is the notify service's persistence.
type Store interface {
	Engine() sqldb.Engine

	// ApplyUser stores identity's fields of u unless a version as high or
	// higher is stored (settings are never touched); applied reports whether
	// it was stored.
	ApplyUser(ctx context.Context, q sqldb.Querier, u User) (applied bool, err error)
	// GetUser reads a user with settings.
	GetUser(ctx context.Context, q sqldb.Querier, id string) (User, error)
	// EnsureUser inserts a placeholder with default settings unless the user is stored.
	EnsureUser(ctx context.Context, q sqldb.Querier, id string, now time.Time) error
	// SetSettings replaces a stored user's settings.
	SetSettings(ctx context.Context, q sqldb.Querier, id string, s notifyapi.Settings) error
	// Audience returns up to limit users after the id after (in id order),
	// not deleted and registered at or before cutoff.
	Audience(ctx context.Context, q sqldb.Querier, after string, cutoff time.Time, limit int) ([]User, error)

	// AddNotifications inserts ns; one already stored for the same (user,
	// event key) is left as it is. It returns how many were inserted.
	AddNotifications(ctx context.Context, q sqldb.Querier, ns []Notification) (int, error)
	// Notifications returns up to limit of a user's notifications, newest
	// first, after the position; only unread ones when unread.
	Notifications(ctx context.Context, q sqldb.Querier, userID string, unread bool, after *Position, limit int) ([]notifyapi.Notification, error)
	UnreadCount(ctx context.Context, q sqldb.Querier, userID string) (int, error)
	// MarkRead sets read_at of a user's notification unless set already and
	// returns it; another user's notification is not found.
	MarkRead(ctx context.Context, q sqldb.Querier, userID, id string, now time.Time) (notifyapi.Notification, error)
	// MarkAllRead marks every unread notification of a user read.
	MarkAllRead(ctx context.Context, q sqldb.Querier, userID string, now time.Time) (int, error)

	// AddFanout records a fan-out; one already stored for the key is left as
	// it is. added reports whether it was new.
	AddFanout(ctx context.Context, q sqldb.Querier, f Fanout) (added bool, err error)
	// NextFanout returns the oldest fan-out not done, locked (PostgreSQL:
	// FOR UPDATE SKIP LOCKED, so other processes take other fan-outs); ok is
	// false when there is none.
	NextFanout(ctx context.Context, q sqldb.Querier) (f Fanout, ok bool, err error)
	// AdvanceFanout records how far a fan-out got.
	AdvanceFanout(ctx context.Context, q sqldb.Querier, key, afterUser string, done bool) error

	// AddMails queues ms; one already queued for the same (user, event key)
	// is left as it is. It returns how many were queued.
	AddMails(ctx context.Context, q sqldb.Querier, ms []Mail) (int, error)
	// ClaimMails takes up to limit pending mails due at now that no one else
	// holds, and holds them until now+lease.
	ClaimMails(ctx context.Context, q sqldb.Querier, now time.Time, lease time.Duration, limit int) ([]Mail, error)
	// FinishMail records a claimed mail's outcome: sent, skipped or failed
	// (final), or pending again at next with the error (a retry).
	FinishMail(ctx context.Context, q sqldb.Querier, id, status string, attempts int, next time.Time, lastErr string, now time.Time) error
	// Mails lists a user's queued mails, oldest first (tests, admin).
	Mails(ctx context.Context, q sqldb.Querier, userID string) ([]Mail, error)

	// ApplyReminder stores r unless a version as high or higher is stored.
	// A reminder already done stays done for the same period end.
	ApplyReminder(ctx context.Context, q sqldb.Querier, r Reminder) (applied bool, err error)
	// DueReminders returns up to limit pending reminders due at now, locked.
	DueReminders(ctx context.Context, q sqldb.Querier, now time.Time, limit int) ([]Reminder, error)
	SetReminderState(ctx context.Context, q sqldb.Querier, subscriptionID, state string) error

	// Work reports, without locking anything, whether there is an unfinished
	// fan-out, a reminder due at now, a mail due at now: the workers open a
	// writing transaction only then.
	Work(ctx context.Context, q sqldb.Querier, now time.Time) (Work, error)

	// ApplyPlan stores a plan's name unless a version as high or higher is stored.
	ApplyPlan(ctx context.Context, q sqldb.Querier, id, name string, version int64) error
	// PlanName is a plan's name, "" when unknown.
	PlanName(ctx context.Context, q sqldb.Querier, id string) (string, error)

	// Secret returns the stored value of name, storing value first when
	// there is none (the first process to start decides).
	Secret(ctx context.Context, q sqldb.Querier, name, value string) (string, error)
}

// New returns the store implementation for db's engine.
func New(db *sqldb.DB) (Store, error) {
	switch db.Engine() {
	case sqldb.SQLite:
		return &sqlStore{engine: sqldb.SQLite, timeArg: func(t time.Time) any { return sqldb.FormatTime(t) }}, nil
	case sqldb.Postgres:
		return &sqlStore{engine: sqldb.Postgres, timeArg: func(t time.Time) any { return sqldb.Timestamp(t) }, skipLocked: " FOR UPDATE SKIP LOCKED"}, nil
	default:
		return nil, fmt.Errorf("notify store: unsupported engine %q", db.Engine())
	}
}
