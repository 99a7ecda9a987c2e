package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marquee-dev/marquee/internal/notify/notifyapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqlStore is the SQL both engines share; the fields are what differs.
type sqlStore struct {
	engine sqldb.Engine
	// timeArg turns a time into the argument the engine's timestamp columns take.
	timeArg func(t time.Time) any
	// skipLocked is appended to SELECTs that claim rows other processes may
	// claim too (PostgreSQL); SQLite transactions hold the write lock anyway.
	skipLocked string
}

func (s *sqlStore) Engine() sqldb.Engine { return s.engine }

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// insertChunk is how many rows one multi-row INSERT carries (9 or 10
// arguments each: far below both engines' limits on arguments).
const insertChunk = 500

// ---- users and settings

const userColumns = `id, email, display_name, deleted, version, registered_at,
	email_new_movies, email_billing, inapp_new_movies, inapp_new_followers`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var deleted, emn, eb, imn, inf int
	err := sc.Scan(&u.ID, &u.Email, &u.DisplayName, &deleted, &u.Version, sqldb.Time(&u.RegisteredAt), &emn, &eb, &imn, &inf)
	u.Deleted = deleted != 0
	u.Settings = notifyapi.Settings{EmailNewMovies: emn != 0, EmailBilling: eb != 0, InappNewMovies: imn != 0, InappNewFollowers: inf != 0}
	return u, err
}

// ApplyUser leaves the settings alone: a new row takes the columns'
// defaults, which are notifyapi.DefaultSettings (checked by the suite).
func (s *sqlStore) ApplyUser(ctx context.Context, q sqldb.Querier, u User) (bool, error) {
	return sqldb.UpsertNewer(ctx, q, "users", "version", []string{"id", "email", "display_name", "deleted", "version", "registered_at"},
		u.ID, u.Email, u.DisplayName, flag(u.Deleted), u.Version, s.timeArg(u.RegisteredAt))
}

func (s *sqlStore) GetUser(ctx context.Context, q sqldb.Querier, id string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{ID: id}, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{ID: id}, fmt.Errorf("read user %s: %w", id, err)
	}
	return u, nil
}

func (s *sqlStore) EnsureUser(ctx context.Context, q sqldb.Querier, id string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO users (id, version, registered_at) VALUES (?, 0, ?)
		ON CONFLICT (id) DO NOTHING`, id, s.timeArg(now)); err != nil {
		return fmt.Errorf("insert user placeholder %s: %w", id, err)
	}
	return nil
}

func (s *sqlStore) SetSettings(ctx context.Context, q sqldb.Querier, id string, st notifyapi.Settings) error {
	res, err := q.ExecContext(ctx, `UPDATE users SET email_new_movies = ?, email_billing = ?, inapp_new_movies = ?, inapp_new_followers = ?
		WHERE id = ?`, flag(st.EmailNewMovies), flag(st.EmailBilling), flag(st.InappNewMovies), flag(st.InappNewFollowers), id)
	if err != nil {
		return fmt.Errorf("set settings of %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(fmt.Errorf("user %s: %w", id, ErrNotFound), err)
	}
	return nil
}

func (s *sqlStore) Audience(ctx context.Context, q sqldb.Querier, after string, cutoff time.Time, limit int) ([]User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE id > ? AND deleted = 0 AND version > 0 AND registered_at <= ? ORDER BY id LIMIT ?`, after, s.timeArg(cutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("read audience: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("read audience: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ---- notifications

func (s *sqlStore) AddNotifications(ctx context.Context, q sqldb.Querier, ns []Notification) (int, error) {
	total := 0
	for len(ns) > 0 {
		// a run of rows of one message (a fan-out batch is one run): what
		// they share is bound once and only (id, user) per row, so a batch
		// of 500 carries 1,006 arguments instead of 4,000 (less to bind,
		// copy and collect while requests wait for the CPU)
		first := ns[0].Notification
		shared := func(n Notification) bool {
			return n.EventKey == ns[0].EventKey && n.Kind == first.Kind && n.Title == first.Title && n.Body == first.Body &&
				n.Link == first.Link && n.CreatedAt.Equal(first.CreatedAt)
		}
		run := 1
		for run < len(ns) && run < insertChunk && shared(ns[run]) {
			run++
		}
		var sb strings.Builder
		sb.WriteString(`INSERT INTO notifications (id, user_id, event_key, kind, title, body, link, created_at)
			SELECT v.column1, v.column2, ?, ?, ?, ?, ?, ? FROM (VALUES `)
		args := make([]any, 0, 6+2*run)
		args = append(args, ns[0].EventKey, first.Kind, first.Title, first.Body, first.Link, s.timeArg(first.CreatedAt))
		for i, n := range ns[:run] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?)")
			args = append(args, n.ID, n.UserID)
		}
		// WHERE true: SQLite needs it to read ON CONFLICT as the upsert of an INSERT ... SELECT
		sb.WriteString(`) AS v WHERE true ON CONFLICT (user_id, event_key) DO NOTHING`)
		res, err := q.ExecContext(ctx, sb.String(), args...)
		if err != nil {
			return total, fmt.Errorf("insert notifications: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("insert notifications: %w", err)
		}
		total += int(n)
		ns = ns[run:]
	}
	return total, nil
}

const notificationColumns = `id, kind, title, body, link, created_at, read_at`

func scanNotification(sc interface{ Scan(...any) error }) (notifyapi.Notification, error) {
	var n notifyapi.Notification
	err := sc.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.Link, sqldb.Time(&n.CreatedAt), sqldb.NullTime(&n.ReadAt))
	return n, err
}

func (s *sqlStore) Notifications(ctx context.Context, q sqldb.Querier, userID string, unread bool, after *Position, limit int) ([]notifyapi.Notification, error) {
	query := `SELECT ` + notificationColumns + ` FROM notifications WHERE user_id = ?`
	args := []any{userID}
	if unread {
		query += ` AND read_at IS NULL`
	}
	if after != nil {
		query += ` AND (created_at, id) < (?, ?)`
		args = append(args, s.timeArg(after.At), after.ID)
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	out := []notifyapi.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (s *sqlStore) UnreadCount(ctx context.Context, q sqldb.Querier, userID string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}

func (s *sqlStore) MarkRead(ctx context.Context, q sqldb.Querier, userID, id string, now time.Time) (notifyapi.Notification, error) {
	if _, err := q.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL`,
		s.timeArg(now), id, userID); err != nil {
		return notifyapi.Notification{}, fmt.Errorf("mark notification %s read: %w", id, err)
	}
	n, err := scanNotification(q.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ? AND user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("notification %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return n, fmt.Errorf("read notification %s: %w", id, err)
	}
	return n, nil
}

func (s *sqlStore) MarkAllRead(ctx context.Context, q sqldb.Querier, userID string, now time.Time) (int, error) {
	res, err := q.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, s.timeArg(now), userID)
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", userID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ---- fan-outs

func (s *sqlStore) AddFanout(ctx context.Context, q sqldb.Querier, f Fanout) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO fanouts (event_key, kind, title, body, link, cutoff, after_user, done, created_at)
		VALUES (?, ?, ?, ?, ?, ?, '', 0, ?) ON CONFLICT (event_key) DO NOTHING`,
		f.EventKey, f.Kind, f.Title, f.Body, f.Link, s.timeArg(f.Cutoff), s.timeArg(f.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("record fan-out %s: %w", f.EventKey, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s *sqlStore) NextFanout(ctx context.Context, q sqldb.Querier) (Fanout, bool, error) {
	var f Fanout
	var done int
	err := q.QueryRowContext(ctx, `SELECT event_key, kind, title, body, link, cutoff, after_user, done, created_at
		FROM fanouts WHERE done = 0 ORDER BY created_at, event_key LIMIT 1`+s.skipLocked).
		Scan(&f.EventKey, &f.Kind, &f.Title, &f.Body, &f.Link, sqldb.Time(&f.Cutoff), &f.AfterUser, &done, sqldb.Time(&f.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("read the next fan-out: %w", err)
	}
	f.Done = done != 0
	return f, true, nil
}

func (s *sqlStore) AdvanceFanout(ctx context.Context, q sqldb.Querier, key, afterUser string, done bool) error {
	if _, err := q.ExecContext(ctx, `UPDATE fanouts SET after_user = ?, done = ? WHERE event_key = ?`, afterUser, flag(done), key); err != nil {
		return fmt.Errorf("advance fan-out %s: %w", key, err)
	}
	return nil
}

// ---- mails

func (s *sqlStore) AddMails(ctx context.Context, q sqldb.Querier, ms []Mail) (int, error) {
	total := 0
	for start := 0; start < len(ms); start += insertChunk {
		chunk := ms[start:min(start+insertChunk, len(ms))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO mails (id, user_id, event_key, kind, topic, subject, body, link, next_attempt_at, created_at) VALUES `)
		args := make([]any, 0, len(chunk)*10)
		for i, m := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, m.ID, m.UserID, m.EventKey, m.Kind, m.Topic, m.Subject, m.Body, m.Link, s.timeArg(m.CreatedAt), s.timeArg(m.CreatedAt))
		}
		sb.WriteString(` ON CONFLICT (user_id, event_key) DO NOTHING`)
		res, err := q.ExecContext(ctx, sb.String(), args...)
		if err != nil {
			return total, fmt.Errorf("queue mails: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("queue mails: %w", err)
		}
		total += int(n)
	}
	return total, nil
}

const mailColumns = `id, user_id, event_key, kind, topic, subject, body, link, status, attempts, next_attempt_at, last_error, created_at, sent_at`

func scanMail(sc interface{ Scan(...any) error }) (Mail, error) {
	var m Mail
	err := sc.Scan(&m.ID, &m.UserID, &m.EventKey, &m.Kind, &m.Topic, &m.Subject, &m.Body, &m.Link, &m.Status, &m.Attempts,
		sqldb.Time(&m.NextAttemptAt), &m.LastError, sqldb.Time(&m.CreatedAt), sqldb.NullTime(&m.SentAt))
	return m, err
}

func (s *sqlStore) queryMails(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Mail, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read mails: %w", err)
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, fmt.Errorf("read mails: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *sqlStore) ClaimMails(ctx context.Context, q sqldb.Querier, now time.Time, lease time.Duration, limit int) ([]Mail, error) {
	ms, err := s.queryMails(ctx, q, `SELECT `+mailColumns+` FROM mails
		WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
		ORDER BY next_attempt_at, id LIMIT ?`+s.skipLocked, s.timeArg(now), s.timeArg(now), limit)
	if err != nil || len(ms) == 0 {
		return ms, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	args := append([]any{s.timeArg(now.Add(lease))}, sqldb.StringArgs(ids)...)
	if _, err := q.ExecContext(ctx, `UPDATE mails SET claimed_until = ? WHERE id IN (`+sqldb.Placeholders(len(ids))+`)`, args...); err != nil {
		return nil, fmt.Errorf("claim mails: %w", err)
	}
	return ms, nil
}

func (s *sqlStore) FinishMail(ctx context.Context, q sqldb.Querier, id, status string, attempts int, next time.Time, lastErr string, now time.Time) error {
	var sentAt any
	if status == MailSent {
		sentAt = s.timeArg(now)
	}
	if _, err := q.ExecContext(ctx, `UPDATE mails SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ?, claimed_until = NULL
		WHERE id = ?`, status, attempts, s.timeArg(next), lastErr, sentAt, id); err != nil {
		return fmt.Errorf("record the outcome of mail %s: %w", id, err)
	}
	return nil
}

func (s *sqlStore) Mails(ctx context.Context, q sqldb.Querier, userID string) ([]Mail, error) {
	return s.queryMails(ctx, q, `SELECT `+mailColumns+` FROM mails WHERE user_id = ? ORDER BY created_at, id`, userID)
}

// ---- reminders

func (s *sqlStore) ApplyReminder(ctx context.Context, q sqldb.Querier, r Reminder) (bool, error) {
	// a reminder sent for a period end stays sent when a newer event keeps that period end
	res, err := q.ExecContext(ctx, `INSERT INTO reminders (subscription_id, user_id, plan_name, period_end, due_at, state, version)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (subscription_id) DO UPDATE SET user_id = excluded.user_id, plan_name = excluded.plan_name,
			period_end = excluded.period_end, due_at = excluded.due_at, version = excluded.version,
			state = CASE WHEN reminders.state = 'done' AND reminders.period_end = excluded.period_end THEN 'done' ELSE excluded.state END
		WHERE reminders.version < excluded.version`,
		r.SubscriptionID, r.UserID, r.PlanName, s.timeArg(r.PeriodEnd), s.timeArg(r.DueAt), r.State, r.Version)
	if err != nil {
		return false, fmt.Errorf("apply reminder of subscription %s v%d: %w", r.SubscriptionID, r.Version, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s *sqlStore) DueReminders(ctx context.Context, q sqldb.Querier, now time.Time, limit int) ([]Reminder, error) {
	rows, err := q.QueryContext(ctx, `SELECT subscription_id, user_id, plan_name, period_end, due_at, state, version FROM reminders
		WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, subscription_id LIMIT ?`+s.skipLocked, s.timeArg(now), limit)
	if err != nil {
		return nil, fmt.Errorf("read due reminders: %w", err)
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		var r Reminder
		if err := rows.Scan(&r.SubscriptionID, &r.UserID, &r.PlanName, sqldb.Time(&r.PeriodEnd), sqldb.Time(&r.DueAt), &r.State, &r.Version); err != nil {
			return nil, fmt.Errorf("read due reminders: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *sqlStore) SetReminderState(ctx context.Context, q sqldb.Querier, subscriptionID, state string) error {
	if _, err := q.ExecContext(ctx, `UPDATE reminders SET state = ? WHERE subscription_id = ?`, state, subscriptionID); err != nil {
		return fmt.Errorf("set reminder of %s %s: %w", subscriptionID, state, err)
	}
	return nil
}

// ---- work

func (s *sqlStore) Work(ctx context.Context, q sqldb.Querier, now time.Time) (Work, error) {
	var w Work
	var f, r, m int
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM (SELECT 1 FROM fanouts WHERE done = 0 LIMIT 1) a),
		(SELECT COUNT(*) FROM (SELECT 1 FROM reminders WHERE state = 'pending' AND due_at <= ? LIMIT 1) b),
		(SELECT COUNT(*) FROM (SELECT 1 FROM mails WHERE status = 'pending' AND next_attempt_at <= ?
			AND (claimed_until IS NULL OR claimed_until <= ?) LIMIT 1) c)`,
		s.timeArg(now), s.timeArg(now), s.timeArg(now)).Scan(&f, &r, &m)
	if err != nil {
		return w, fmt.Errorf("look for background work: %w", err)
	}
	return Work{Fanout: f > 0, Reminder: r > 0, Mail: m > 0}, nil
}

// ---- plans

func (s *sqlStore) ApplyPlan(ctx context.Context, q sqldb.Querier, id, name string, version int64) error {
	_, err := sqldb.UpsertNewer(ctx, q, "plans", "version", []string{"id", "name", "version"}, id, name, version)
	return err
}

func (s *sqlStore) PlanName(ctx context.Context, q sqldb.Querier, id string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM plans WHERE id = ?`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read plan %s: %w", id, err)
	}
	return name, nil
}

// ---- secrets

func (s *sqlStore) Secret(ctx context.Context, q sqldb.Querier, name, value string) (string, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
		return "", fmt.Errorf("store secret %s: %w", name, err)
	}
	var v string
	if err := q.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	return v, nil
}
