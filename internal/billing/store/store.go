// Package store keeps the billing service's data in SQL: plans, which movies
// each plan offers, orders (the saga's state), payments, subscriptions, the
// provider events already applied, durable jobs, and the books of the
// built-in sandbox payment provider. Store is the interface; New returns the
// implementation for the database's engine (SQLite or PostgreSQL). Both
// share the SQL they agree on (written with `?` placeholders, rebound by
// sqldb); what differs is explicit in sqlite.go and postgres.go.
//
// Every method takes the sqldb.Querier to run on, so the service puts a
// change, its events and its follow-up jobs in one transaction.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Migrations holds the billing schema, one folder per engine:
//
//	sqldb.Migrate(ctx, db, "billing", store.Migrations)
//
//go:embed sqlite/*.sql postgres/*.sql
var Migrations embed.FS

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = sqldb.ErrNotFound

// ErrDuplicate is returned when a unique value (a plan's slug, an order's
// idempotency key) is taken.
var ErrDuplicate = errors.New("already exists")

// Plan is a plan with its version.
type Plan struct {
	billingapi.Plan
	Version int64
}

// Movie is what billing knows of a catalog movie.
type Movie struct {
	ID            string
	Deleted       bool
	Version       int64
	OffersVersion int64
}

// Order is an order with what the saga keeps beside the wire fields.
type Order struct {
	billingapi.Order
	SessionID      string
	CheckoutURL    string
	PaymentRef     string
	RefundRef      string
	IdempotencyKey string
	Version        int64
}

// OrderChange is what moving an order may set besides its status (empty
// fields are left as they are).
type OrderChange struct {
	PaymentRef    string
	RefundRef     string
	FailureReason string
}

// Payment is money a provider moved, as billing booked it.
type Payment struct {
	ID             string
	Kind           string // charge, refund, renewal
	OrderID        string
	SubscriptionID string
	Provider       string
	ProviderRef    string
	Amount         int64
	Currency       string
	CreatedAt      time.Time
}

// Subscription is a user's subscription row.
type Subscription struct {
	ID                 string
	UserID             string
	PlanID             string
	Status             string
	CurrentPeriodStart time.Time
	CurrentPeriodEnd   time.Time
	CancelAtPeriodEnd  bool
	GraceUntil         *time.Time
	Version            int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Job is durable work.
type Job struct {
	ID        string
	Kind      string
	DedupeKey string
	Payload   string
	RunAt     time.Time
	Attempts  int
	LastError string
}

// SandboxSession is a checkout session of the sandbox provider.
type SandboxSession struct {
	ID        string
	OrderID   string
	UserID    string
	Title     string
	Amount    int64
	Currency  string
	Status    string // open, paid, declined, expired
	ChargeID  string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// SandboxCharge is money the sandbox took (or tried to).
type SandboxCharge struct {
	ID             string
	IdempotencyKey string
	UserID         string
	Amount         int64
	Currency       string
	Succeeded      bool
	CreatedAt      time.Time
}

// SandboxRefund is money the sandbox gave back.
type SandboxRefund struct {
	ID             string
	IdempotencyKey string
	ChargeID       string
	Amount         int64
	CreatedAt      time.Time
}

// Position is a keyset position in a newest-first list.
type Position = sqldb.Position

// Store is the billing service's persistence.
type Store interface {
	Engine() sqldb.Engine

	// InsertPlan stores a new plan; a taken slug is ErrDuplicate.
	InsertPlan(ctx context.Context, q sqldb.Querier, p Plan) error
	// UpdatePlan overwrites a plan's fields (version, updated_at and
	// archived_at included); a taken slug is ErrDuplicate.
	UpdatePlan(ctx context.Context, q sqldb.Querier, p Plan) error
	GetPlan(ctx context.Context, q sqldb.Querier, id string) (Plan, error)
	// ListPlans lists plans by price, then name; archived ones only when asked.
	ListPlans(ctx context.Context, q sqldb.Querier, includeArchived bool) ([]Plan, error)

	// ApplyMovie stores a catalog movie unless a version as high is stored;
	// isNew reports that billing had not known it.
	ApplyMovie(ctx context.Context, q sqldb.Querier, m Movie) (applied, isNew bool, err error)
	GetMovie(ctx context.Context, q sqldb.Querier, id string) (Movie, error)
	// SetMoviePlans replaces the plans offering a movie and returns the
	// movie's new offers version.
	SetMoviePlans(ctx context.Context, q sqldb.Querier, movieID string, planIDs []string) (int64, error)
	// MoviePlans lists the ids of the plans offering a movie, sorted.
	MoviePlans(ctx context.Context, q sqldb.Querier, movieID string) ([]string, error)

	// InsertOrder stores a new order; a used (user, idempotency key) is ErrDuplicate.
	InsertOrder(ctx context.Context, q sqldb.Querier, o Order) error
	// GetOrder reads an order; with lock the row is locked (PostgreSQL).
	GetOrder(ctx context.Context, q sqldb.Querier, id string, lock bool) (Order, error)
	OrderByKey(ctx context.Context, q sqldb.Querier, userID, key string) (Order, error)
	// SetPaymentRef records the payment of an order whose status stays (a
	// late payment of a cancelled order, refunded by the saga).
	SetPaymentRef(ctx context.Context, q sqldb.Querier, orderID, ref string) error
	SetCheckout(ctx context.Context, q sqldb.Querier, orderID, sessionID, url string) error
	// MoveOrder changes an order's status to `to` only when it is one of
	// from, bumping its version; moved is false (and the order as stored is
	// returned) otherwise. This is how a status never moves backwards.
	MoveOrder(ctx context.Context, q sqldb.Querier, id string, from []string, to string, c OrderChange, now time.Time) (o Order, moved bool, err error)
	// ListOrders lists a user's orders newest first, after the position.
	ListOrders(ctx context.Context, q sqldb.Querier, userID string, after *Position, limit int) ([]Order, error)

	// InsertPayment books a payment once: inserted is false when the same
	// provider reference (or the order's payment of that kind) is booked.
	InsertPayment(ctx context.Context, q sqldb.Querier, p Payment) (inserted bool, err error)

	// LockUser serialises the transactions that decide a user's subscription
	// until tx ends, even before the user has a subscription row to lock
	// (PostgreSQL: a transaction-scoped advisory lock; SQLite: writers are
	// serialised already).
	LockUser(ctx context.Context, q sqldb.Querier, userID string) error
	// GetSubscription reads a user's subscription; with lock the row is locked.
	GetSubscription(ctx context.Context, q sqldb.Querier, userID string, lock bool) (Subscription, error)
	GetSubscriptionByID(ctx context.Context, q sqldb.Querier, id string, lock bool) (Subscription, error)
	// SaveSubscription inserts or overwrites the user's subscription row.
	SaveSubscription(ctx context.Context, q sqldb.Querier, s Subscription) error

	// RecordWebhookEvent records a provider event; isNew is false for one
	// recorded before (a redelivery).
	RecordWebhookEvent(ctx context.Context, q sqldb.Querier, provider, eventID, typ string, now time.Time) (isNew bool, err error)

	// ScheduleJob stores a job unless one with its dedupe key exists.
	ScheduleJob(ctx context.Context, q sqldb.Querier, j Job, now time.Time) (scheduled bool, err error)
	// ClaimJob takes the next due job (run_at <= now), moving its run_at to
	// leaseUntil and counting the attempt; ErrNotFound when none is due.
	// On PostgreSQL concurrent claimers skip each other's rows.
	ClaimJob(ctx context.Context, q sqldb.Querier, now, leaseUntil time.Time) (Job, error)
	// FinishJob marks a job done (in the transaction of its effect).
	FinishJob(ctx context.Context, q sqldb.Querier, id string, now time.Time) error
	// RetryJob schedules a failed job's next attempt and records how many
	// were made (the claim's count: a claim applied in the same transaction
	// as its step was rolled back with it).
	RetryJob(ctx context.Context, q sqldb.Querier, id string, attempts int, at time.Time, reason string) error
	// NextJobAt is when the earliest unfinished job is due (ok false: none).
	NextJobAt(ctx context.Context, q sqldb.Querier) (at time.Time, ok bool, err error)

	// InsertSandboxSession stores a session unless the order has one, and
	// returns the order's session.
	InsertSandboxSession(ctx context.Context, q sqldb.Querier, s SandboxSession) (SandboxSession, error)
	GetSandboxSession(ctx context.Context, q sqldb.Querier, id string) (SandboxSession, error)
	// MoveSandboxSession moves an open session to status; false when it was not open.
	MoveSandboxSession(ctx context.Context, q sqldb.Querier, id, status, chargeID string, now time.Time) (bool, error)
	// InsertSandboxCharge stores a charge unless its idempotency key is
	// used, and returns the charge stored under the key.
	InsertSandboxCharge(ctx context.Context, q sqldb.Querier, c SandboxCharge) (SandboxCharge, bool, error)
	// InsertSandboxRefund stores a refund unless its key is used or the
	// charge is refunded, and returns the charge's refund.
	InsertSandboxRefund(ctx context.Context, q sqldb.Querier, r SandboxRefund) (SandboxRefund, bool, error)
	GetSandboxCharge(ctx context.Context, q sqldb.Querier, id string) (SandboxCharge, error)
	// SetSandboxFailNext makes the user's next renewal charge fail (or not).
	SetSandboxFailNext(ctx context.Context, q sqldb.Querier, userID string, fail bool) error
	// EnsureSetting stores value under key unless a value is stored, and
	// returns the stored one.
	EnsureSetting(ctx context.Context, q sqldb.Querier, key, value string) (string, error)
	// TakeSandboxFailNext reports whether the next renewal must fail and clears it.
	TakeSandboxFailNext(ctx context.Context, q sqldb.Querier, userID string) (bool, error)
}

// New returns the store implementation for db's engine.
func New(db *sqldb.DB) (Store, error) {
	switch db.Engine() {
	case sqldb.SQLite:
		return newSQLite(), nil
	case sqldb.Postgres:
		return newPostgres(), nil
	default:
		return nil, fmt.Errorf("billing store: unsupported engine %q", db.Engine())
	}
}
