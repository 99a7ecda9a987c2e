package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// sqlStore is the SQL both engines share. The engine-specific parts are the
// fields set by newSQLite and newPostgres.
type sqlStore struct {
	engine sqldb.Engine
	// timeArg turns a time into the argument the engine's timestamp columns take.
	timeArg func(t time.Time) any
	// forUpdate is appended to SELECTs that must lock what they read;
	// skipLocked to the job claim's SELECT.
	forUpdate  string
	skipLocked string
}

func (s *sqlStore) Engine() sqldb.Engine { return s.engine }

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *sqlStore) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.timeArg(*t)
}

func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

type scanner interface{ Scan(...any) error }

// ---- plans

const planColumns = `id, slug, name, description, price_amount, currency, billing_interval, max_height, max_streams,
	includes_new_titles, archived_at, version, created_at, updated_at`

func scanPlan(row scanner) (Plan, error) {
	var p Plan
	var inc int
	err := row.Scan(&p.ID, &p.Slug, &p.Name, &p.Description, &p.Price.Amount, &p.Price.Currency, &p.Interval,
		&p.MaxHeight, &p.MaxStreams, &inc, sqldb.NullTime(&p.ArchivedAt), &p.Version, sqldb.Time(&p.CreatedAt), sqldb.Time(&p.UpdatedAt))
	p.IncludesNewTitles = inc != 0
	return p, err
}

func (s *sqlStore) planArgs(p Plan) []any {
	return []any{p.Slug, p.Name, p.Description, p.Price.Amount, p.Price.Currency, p.Interval, p.MaxHeight, p.MaxStreams,
		flag(p.IncludesNewTitles), s.nullTime(p.ArchivedAt), p.Version, s.timeArg(p.CreatedAt), s.timeArg(p.UpdatedAt)}
}

func (s *sqlStore) InsertPlan(ctx context.Context, q sqldb.Querier, p Plan) error {
	_, err := q.ExecContext(ctx, `INSERT INTO plans (`+planColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{p.ID}, s.planArgs(p)...)...)
	if sqldb.IsUniqueViolation(err) {
		return fmt.Errorf("plan slug %q: %w", p.Slug, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert plan %s: %w", p.ID, err)
	}
	return nil
}

func (s *sqlStore) UpdatePlan(ctx context.Context, q sqldb.Querier, p Plan) error {
	res, err := q.ExecContext(ctx, `UPDATE plans SET slug = ?, name = ?, description = ?, price_amount = ?, currency = ?,
		billing_interval = ?, max_height = ?, max_streams = ?, includes_new_titles = ?, archived_at = ?, version = ?,
		created_at = ?, updated_at = ? WHERE id = ?`, append(s.planArgs(p), p.ID)...)
	if sqldb.IsUniqueViolation(err) {
		return fmt.Errorf("plan slug %q: %w", p.Slug, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("update plan %s: %w", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("plan %s: %w", p.ID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) GetPlan(ctx context.Context, q sqldb.Querier, id string) (Plan, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("plan %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read plan %s: %w", id, err)
	}
	return p, nil
}

func (s *sqlStore) ListPlans(ctx context.Context, q sqldb.Querier, includeArchived bool) ([]Plan, error) {
	query := `SELECT ` + planColumns + ` FROM plans`
	if !includeArchived {
		query += ` WHERE archived_at IS NULL`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY price_amount, name, id`)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	defer rows.Close()
	out := []Plan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("list plans: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ---- movies and what plans offer them

func (s *sqlStore) ApplyMovie(ctx context.Context, q sqldb.Querier, m Movie) (bool, bool, error) {
	var known int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM movies WHERE id = ?`, m.ID).Scan(&known); err != nil {
		return false, false, fmt.Errorf("apply movie %s: %w", m.ID, err)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO movies (id, deleted, version) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET deleted = excluded.deleted, version = excluded.version
		WHERE movies.version < excluded.version`, m.ID, flag(m.Deleted), m.Version)
	if err != nil {
		return false, false, fmt.Errorf("apply movie %s v%d: %w", m.ID, m.Version, err)
	}
	n, err := res.RowsAffected()
	return n > 0, known == 0, err
}

func (s *sqlStore) GetMovie(ctx context.Context, q sqldb.Querier, id string) (Movie, error) {
	m := Movie{ID: id}
	var deleted int
	err := q.QueryRowContext(ctx, `SELECT deleted, version, offers_version FROM movies WHERE id = ?`, id).Scan(&deleted, &m.Version, &m.OffersVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("movie %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("read movie %s: %w", id, err)
	}
	m.Deleted = deleted != 0
	return m, nil
}

func (s *sqlStore) SetMoviePlans(ctx context.Context, q sqldb.Querier, movieID string, planIDs []string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `UPDATE movies SET offers_version = offers_version + 1 WHERE id = ? RETURNING offers_version`, movieID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("movie %s: %w", movieID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("set plans of movie %s: %w", movieID, err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM movie_plans WHERE movie_id = ?`, movieID); err != nil {
		return 0, fmt.Errorf("set plans of movie %s: %w", movieID, err)
	}
	for _, p := range planIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO movie_plans (movie_id, plan_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, movieID, p); err != nil {
			return 0, fmt.Errorf("set plans of movie %s: %w", movieID, err)
		}
	}
	return v, nil
}

func (s *sqlStore) MoviePlans(ctx context.Context, q sqldb.Querier, movieID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT plan_id FROM movie_plans WHERE movie_id = ? ORDER BY plan_id`, movieID)
	if err != nil {
		return nil, fmt.Errorf("plans of movie %s: %w", movieID, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ---- orders

const orderColumns = `id, user_id, plan_id, status, amount, currency, provider, session_id, checkout_url, payment_ref,
	refund_ref, failure_reason, idempotency_key, version, created_at, updated_at`

func scanOrder(row scanner) (Order, error) {
	var o Order
	var session, url, pay, refund, reason, key sql.NullString
	err := row.Scan(&o.ID, &o.UserID, &o.PlanID, &o.Status, &o.Amount, &o.Currency, &o.Provider, &session, &url, &pay,
		&refund, &reason, &key, &o.Version, sqldb.Time(&o.CreatedAt), sqldb.Time(&o.UpdatedAt))
	o.SessionID, o.CheckoutURL, o.PaymentRef, o.RefundRef, o.IdempotencyKey = session.String, url.String, pay.String, refund.String, key.String
	if reason.Valid {
		r := reason.String
		o.FailureReason = &r
	}
	return o, err
}

func (s *sqlStore) InsertOrder(ctx context.Context, q sqldb.Querier, o Order) error {
	reason := ""
	if o.FailureReason != nil {
		reason = *o.FailureReason
	}
	_, err := q.ExecContext(ctx, `INSERT INTO orders (`+orderColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.UserID, o.PlanID, o.Status, o.Amount, o.Currency, o.Provider, nullString(o.SessionID), nullString(o.CheckoutURL),
		nullString(o.PaymentRef), nullString(o.RefundRef), nullString(reason), nullString(o.IdempotencyKey), o.Version,
		s.timeArg(o.CreatedAt), s.timeArg(o.UpdatedAt))
	if sqldb.IsUniqueViolation(err) {
		return fmt.Errorf("order with idempotency key %q: %w", o.IdempotencyKey, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert order %s: %w", o.ID, err)
	}
	return nil
}

func (s *sqlStore) GetOrder(ctx context.Context, q sqldb.Querier, id string, lock bool) (Order, error) {
	l := ""
	if lock {
		l = s.forUpdate
	}
	o, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`+l, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("order %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("read order %s: %w", id, err)
	}
	return o, nil
}

func (s *sqlStore) OrderByKey(ctx context.Context, q sqldb.Querier, userID, key string) (Order, error) {
	o, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE user_id = ? AND idempotency_key = ?`, userID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("order with key %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("read order with key %q: %w", key, err)
	}
	return o, nil
}

func (s *sqlStore) SetPaymentRef(ctx context.Context, q sqldb.Querier, orderID, ref string) error {
	if _, err := q.ExecContext(ctx, `UPDATE orders SET payment_ref = ? WHERE id = ?`, ref, orderID); err != nil {
		return fmt.Errorf("set payment of order %s: %w", orderID, err)
	}
	return nil
}

func (s *sqlStore) SetCheckout(ctx context.Context, q sqldb.Querier, orderID, sessionID, url string) error {
	if _, err := q.ExecContext(ctx, `UPDATE orders SET session_id = ?, checkout_url = ? WHERE id = ?`, sessionID, url, orderID); err != nil {
		return fmt.Errorf("set checkout of order %s: %w", orderID, err)
	}
	return nil
}

func (s *sqlStore) MoveOrder(ctx context.Context, q sqldb.Querier, id string, from []string, to string, c OrderChange, now time.Time) (Order, bool, error) {
	if len(from) == 0 {
		return Order{}, false, errors.New("move order: no status to move from")
	}
	args := []any{to, nullString(c.PaymentRef), nullString(c.RefundRef), nullString(c.FailureReason), s.timeArg(now), id}
	args = append(args, sqldb.StringArgs(from)...)
	o, err := scanOrder(q.QueryRowContext(ctx, `UPDATE orders SET status = ?, payment_ref = COALESCE(?, payment_ref),
			refund_ref = COALESCE(?, refund_ref), failure_reason = COALESCE(?, failure_reason), version = version + 1, updated_at = ?
		WHERE id = ? AND status IN (`+sqldb.Placeholders(len(from))+`) RETURNING `+orderColumns, args...))
	if errors.Is(err, sql.ErrNoRows) {
		o, err = s.GetOrder(ctx, q, id, false)
		return o, false, err
	}
	if err != nil {
		return o, false, fmt.Errorf("move order %s to %s: %w", id, to, err)
	}
	return o, true, nil
}

func (s *sqlStore) ListOrders(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]Order, error) {
	query := `SELECT ` + orderColumns + ` FROM orders WHERE user_id = ?`
	args := []any{userID}
	if after != nil {
		query += ` AND (created_at, id) < (?, ?)`
		args = append(args, s.timeArg(after.At), after.ID)
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	rows, err := q.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list orders of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("list orders of %s: %w", userID, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ---- payments

func (s *sqlStore) InsertPayment(ctx context.Context, q sqldb.Querier, p Payment) (bool, error) {
	if p.ID == "" {
		p.ID = uuid.Must(uuid.NewV7()).String()
	}
	res, err := q.ExecContext(ctx, `INSERT INTO payments (id, kind, order_id, subscription_id, provider, provider_ref, amount, currency, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		p.ID, p.Kind, nullString(p.OrderID), nullString(p.SubscriptionID), p.Provider, p.ProviderRef, p.Amount, p.Currency, s.timeArg(p.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("book %s %s: %w", p.Kind, p.ProviderRef, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ---- subscriptions

const subscriptionColumns = `id, user_id, plan_id, status, current_period_start, current_period_end, cancel_at_period_end,
	grace_until, version, created_at, updated_at`

func scanSubscription(row scanner) (Subscription, error) {
	var s Subscription
	var cancel int
	err := row.Scan(&s.ID, &s.UserID, &s.PlanID, &s.Status, sqldb.Time(&s.CurrentPeriodStart), sqldb.Time(&s.CurrentPeriodEnd),
		&cancel, sqldb.NullTime(&s.GraceUntil), &s.Version, sqldb.Time(&s.CreatedAt), sqldb.Time(&s.UpdatedAt))
	s.CancelAtPeriodEnd = cancel != 0
	return s, err
}

func (s *sqlStore) getSubscription(ctx context.Context, q sqldb.Querier, column, value string, lock bool) (Subscription, error) {
	l := ""
	if lock {
		l = s.forUpdate
	}
	sub, err := scanSubscription(q.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE `+column+` = ?`+l, value))
	if errors.Is(err, sql.ErrNoRows) {
		return sub, fmt.Errorf("subscription of %s %s: %w", column, value, ErrNotFound)
	}
	if err != nil {
		return sub, fmt.Errorf("read subscription of %s %s: %w", column, value, err)
	}
	return sub, nil
}

func (s *sqlStore) LockUser(ctx context.Context, q sqldb.Querier, userID string) error {
	if s.engine != sqldb.Postgres {
		return nil
	}
	if _, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('billing-user:' || ?, 0))`, userID); err != nil {
		return fmt.Errorf("lock user %s: %w", userID, err)
	}
	return nil
}

func (s *sqlStore) GetSubscription(ctx context.Context, q sqldb.Querier, userID string, lock bool) (Subscription, error) {
	return s.getSubscription(ctx, q, "user_id", userID, lock)
}

func (s *sqlStore) GetSubscriptionByID(ctx context.Context, q sqldb.Querier, id string, lock bool) (Subscription, error) {
	return s.getSubscription(ctx, q, "id", id, lock)
}

func (s *sqlStore) SaveSubscription(ctx context.Context, q sqldb.Querier, sub Subscription) error {
	_, err := q.ExecContext(ctx, `INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET plan_id = excluded.plan_id, status = excluded.status,
			current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
			cancel_at_period_end = excluded.cancel_at_period_end, grace_until = excluded.grace_until,
			version = excluded.version, updated_at = excluded.updated_at`,
		sub.ID, sub.UserID, sub.PlanID, sub.Status, s.timeArg(sub.CurrentPeriodStart), s.timeArg(sub.CurrentPeriodEnd),
		flag(sub.CancelAtPeriodEnd), s.nullTime(sub.GraceUntil), sub.Version, s.timeArg(sub.CreatedAt), s.timeArg(sub.UpdatedAt))
	if err != nil {
		return fmt.Errorf("save subscription of %s: %w", sub.UserID, err)
	}
	return nil
}

// ---- webhook events

func (s *sqlStore) RecordWebhookEvent(ctx context.Context, q sqldb.Querier, provider, eventID, typ string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO webhook_events (provider, event_id, type, received_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, provider, eventID, typ, s.timeArg(now))
	if err != nil {
		return false, fmt.Errorf("record %s event %s: %w", provider, eventID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ---- jobs

func (s *sqlStore) ScheduleJob(ctx context.Context, q sqldb.Querier, j Job, now time.Time) (bool, error) {
	if j.ID == "" {
		j.ID = uuid.Must(uuid.NewV7()).String()
	}
	res, err := q.ExecContext(ctx, `INSERT INTO jobs (id, kind, dedupe_key, payload, run_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedupe_key) DO NOTHING`, j.ID, j.Kind, j.DedupeKey, j.Payload, s.timeArg(j.RunAt), s.timeArg(now))
	if err != nil {
		return false, fmt.Errorf("schedule job %s: %w", j.DedupeKey, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s *sqlStore) ClaimJob(ctx context.Context, q sqldb.Querier, now, leaseUntil time.Time) (Job, error) {
	var j Job
	err := q.QueryRowContext(ctx, `UPDATE jobs SET run_at = ?, attempts = attempts + 1
		WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= ? ORDER BY run_at, id LIMIT 1`+s.skipLocked+`)
		RETURNING id, kind, dedupe_key, payload, run_at, attempts, last_error`, s.timeArg(leaseUntil), s.timeArg(now)).
		Scan(&j.ID, &j.Kind, &j.DedupeKey, &j.Payload, sqldb.Time(&j.RunAt), &j.Attempts, &j.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("due job: %w", ErrNotFound)
	}
	if err != nil {
		return j, fmt.Errorf("claim job: %w", err)
	}
	return j, nil
}

func (s *sqlStore) FinishJob(ctx context.Context, q sqldb.Querier, id string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE jobs SET done_at = ?, last_error = '' WHERE id = ?`, s.timeArg(now), id); err != nil {
		return fmt.Errorf("finish job %s: %w", id, err)
	}
	return nil
}

func (s *sqlStore) RetryJob(ctx context.Context, q sqldb.Querier, id string, attempts int, at time.Time, reason string) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	if _, err := q.ExecContext(ctx, `UPDATE jobs SET run_at = ?, attempts = ?, last_error = ? WHERE id = ? AND done_at IS NULL`,
		s.timeArg(at), attempts, reason, id); err != nil {
		return fmt.Errorf("retry job %s: %w", id, err)
	}
	return nil
}

func (s *sqlStore) NextJobAt(ctx context.Context, q sqldb.Querier) (time.Time, bool, error) {
	var at *time.Time
	err := q.QueryRowContext(ctx, `SELECT MIN(run_at) FROM jobs WHERE done_at IS NULL`).Scan(sqldb.NullTime(&at))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next job: %w", err)
	}
	if at == nil {
		return time.Time{}, false, nil
	}
	return *at, true, nil
}

// ---- the sandbox provider's books

const sandboxSessionColumns = `id, order_id, user_id, title, amount, currency, status, charge_id, expires_at, created_at`

func scanSandboxSession(row scanner) (SandboxSession, error) {
	var ss SandboxSession
	var charge sql.NullString
	err := row.Scan(&ss.ID, &ss.OrderID, &ss.UserID, &ss.Title, &ss.Amount, &ss.Currency, &ss.Status, &charge,
		sqldb.Time(&ss.ExpiresAt), sqldb.Time(&ss.CreatedAt))
	ss.ChargeID = charge.String
	return ss, err
}

func (s *sqlStore) InsertSandboxSession(ctx context.Context, q sqldb.Querier, ss SandboxSession) (SandboxSession, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO sandbox_sessions (id, order_id, user_id, title, amount, currency, status, expires_at,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT (order_id) DO NOTHING`,
		ss.ID, ss.OrderID, ss.UserID, ss.Title, ss.Amount, ss.Currency, s.timeArg(ss.ExpiresAt), s.timeArg(ss.CreatedAt), s.timeArg(ss.CreatedAt)); err != nil {
		return ss, fmt.Errorf("insert sandbox session of order %s: %w", ss.OrderID, err)
	}
	out, err := scanSandboxSession(q.QueryRowContext(ctx, `SELECT `+sandboxSessionColumns+` FROM sandbox_sessions WHERE order_id = ?`, ss.OrderID))
	if err != nil {
		return out, fmt.Errorf("read sandbox session of order %s: %w", ss.OrderID, err)
	}
	return out, nil
}

func (s *sqlStore) GetSandboxSession(ctx context.Context, q sqldb.Querier, id string) (SandboxSession, error) {
	ss, err := scanSandboxSession(q.QueryRowContext(ctx, `SELECT `+sandboxSessionColumns+` FROM sandbox_sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ss, fmt.Errorf("sandbox session %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return ss, fmt.Errorf("read sandbox session %s: %w", id, err)
	}
	return ss, nil
}

func (s *sqlStore) MoveSandboxSession(ctx context.Context, q sqldb.Querier, id, status, chargeID string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE sandbox_sessions SET status = ?, charge_id = COALESCE(?, charge_id), updated_at = ?
		WHERE id = ? AND status = 'open'`, status, nullString(chargeID), s.timeArg(now), id)
	if err != nil {
		return false, fmt.Errorf("move sandbox session %s to %s: %w", id, status, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func scanSandboxCharge(row scanner) (SandboxCharge, error) {
	var c SandboxCharge
	var ok int
	err := row.Scan(&c.ID, &c.IdempotencyKey, &c.UserID, &c.Amount, &c.Currency, &ok, sqldb.Time(&c.CreatedAt))
	c.Succeeded = ok != 0
	return c, err
}

const sandboxChargeColumns = `id, idempotency_key, user_id, amount, currency, succeeded, created_at`

func (s *sqlStore) InsertSandboxCharge(ctx context.Context, q sqldb.Querier, c SandboxCharge) (SandboxCharge, bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO sandbox_charges (`+sandboxChargeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (idempotency_key) DO NOTHING`, c.ID, c.IdempotencyKey, c.UserID, c.Amount, c.Currency, flag(c.Succeeded), s.timeArg(c.CreatedAt))
	if err != nil {
		return c, false, fmt.Errorf("insert sandbox charge %s: %w", c.IdempotencyKey, err)
	}
	n, _ := res.RowsAffected()
	out, err := scanSandboxCharge(q.QueryRowContext(ctx, `SELECT `+sandboxChargeColumns+` FROM sandbox_charges WHERE idempotency_key = ?`, c.IdempotencyKey))
	if err != nil {
		return out, false, fmt.Errorf("read sandbox charge %s: %w", c.IdempotencyKey, err)
	}
	return out, n > 0, nil
}

func (s *sqlStore) GetSandboxCharge(ctx context.Context, q sqldb.Querier, id string) (SandboxCharge, error) {
	c, err := scanSandboxCharge(q.QueryRowContext(ctx, `SELECT `+sandboxChargeColumns+` FROM sandbox_charges WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("sandbox charge %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read sandbox charge %s: %w", id, err)
	}
	return c, nil
}

func (s *sqlStore) InsertSandboxRefund(ctx context.Context, q sqldb.Querier, r SandboxRefund) (SandboxRefund, bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO sandbox_refunds (id, idempotency_key, charge_id, amount, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, r.ID, r.IdempotencyKey, r.ChargeID, r.Amount, s.timeArg(r.CreatedAt))
	if err != nil {
		return r, false, fmt.Errorf("insert sandbox refund %s: %w", r.IdempotencyKey, err)
	}
	n, _ := res.RowsAffected()
	var out SandboxRefund
	err = q.QueryRowContext(ctx, `SELECT id, idempotency_key, charge_id, amount, created_at FROM sandbox_refunds
		WHERE charge_id = ? OR idempotency_key = ? ORDER BY created_at LIMIT 1`, r.ChargeID, r.IdempotencyKey).
		Scan(&out.ID, &out.IdempotencyKey, &out.ChargeID, &out.Amount, sqldb.Time(&out.CreatedAt))
	if err != nil {
		return out, false, fmt.Errorf("read sandbox refund %s: %w", r.IdempotencyKey, err)
	}
	return out, n > 0, nil
}

func (s *sqlStore) SetSandboxFailNext(ctx context.Context, q sqldb.Querier, userID string, fail bool) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO sandbox_customers (user_id, fail_next_renewal) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET fail_next_renewal = excluded.fail_next_renewal`, userID, flag(fail)); err != nil {
		return fmt.Errorf("sandbox customer %s: %w", userID, err)
	}
	return nil
}

func (s *sqlStore) TakeSandboxFailNext(ctx context.Context, q sqldb.Querier, userID string) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE sandbox_customers SET fail_next_renewal = 0 WHERE user_id = ? AND fail_next_renewal = 1`, userID)
	if err != nil {
		return false, fmt.Errorf("sandbox customer %s: %w", userID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s *sqlStore) EnsureSetting(ctx context.Context, q sqldb.Querier, key, value string) (string, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	var v string
	if err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v); err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}
