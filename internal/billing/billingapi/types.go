// Package billingapi is the public face of the billing service: the JSON
// wire types of its HTTP API, the payloads of the events it emits and a typed
// HTTP client. It is the only billing package other services may import.
package billingapi

import "time"

// Order statuses. pending → paid → completed | refunded; pending → cancelled.
// A status never moves backwards.
const (
	StatusPending   = "pending"
	StatusPaid      = "paid"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
	StatusRefunded  = "refunded"
)

// Subscription statuses.
const (
	SubActive   = "active"
	SubPastDue  = "past_due" // a renewal failed; still watching during the grace period
	SubCanceled = "canceled" // ended at the end of a period the user canceled
	SubExpired  = "expired"  // the grace period ended without a payment
)

// Price is an amount in minor units (cents) of an ISO 4217 currency.
type Price struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Plan is what a subscription gives.
type Plan struct {
	ID                string     `json:"id"`
	Slug              string     `json:"slug"`
	Name              string     `json:"name"`
	Description       string     `json:"description"`
	Price             Price      `json:"price"`
	Interval          string     `json:"interval"` // "month"
	MaxHeight         int        `json:"max_height"`
	MaxStreams        int        `json:"max_streams"`
	IncludesNewTitles bool       `json:"includes_new_titles"`
	ArchivedAt        *time.Time `json:"archived_at"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// PlanInput is the body of POST /api/plans and PUT /api/plans/{id}.
type PlanInput struct {
	Slug              string `json:"slug"`
	Name              string `json:"name"`
	Description       string `json:"description"`
	Price             Price  `json:"price"`
	Interval          string `json:"interval"`
	MaxHeight         int    `json:"max_height"`
	MaxStreams        int    `json:"max_streams"`
	IncludesNewTitles bool   `json:"includes_new_titles"`
}

// PlanList is the answer of GET /api/plans.
type PlanList struct {
	Items []Plan `json:"items"`
}

// MoviePlans is which plans offer a movie (GET/PUT /api/movies/{id}/plans).
type MoviePlans struct {
	MovieID string   `json:"movie_id"`
	PlanIDs []string `json:"plan_ids"`
}

// MoviePlansInput is the body of PUT /api/movies/{id}/plans.
type MoviePlansInput struct {
	PlanIDs []string `json:"plan_ids"`
}

// Order is one purchase of a plan.
type Order struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	PlanID        string    `json:"plan_id"`
	Status        string    `json:"status"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	Provider      string    `json:"provider"`
	FailureReason *string   `json:"failure_reason"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// OrderInput is the body of POST /api/orders.
type OrderInput struct {
	PlanID string `json:"plan_id"`
}

// Checkout is the answer of POST /api/orders: the order and where to pay it.
type Checkout struct {
	Order       Order  `json:"order"`
	CheckoutURL string `json:"checkout_url"`
}

// OrderPage is a page of GET /api/orders.
type OrderPage struct {
	Items      []Order `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Subscription is a user's subscription (GET /api/subscription).
type Subscription struct {
	ID                 string     `json:"id"`
	UserID             string     `json:"user_id"`
	Plan               Plan       `json:"plan"`
	Status             string     `json:"status"`
	CurrentPeriodStart time.Time  `json:"current_period_start"`
	CurrentPeriodEnd   time.Time  `json:"current_period_end"`
	CancelAtPeriodEnd  bool       `json:"cancel_at_period_end"`
	GraceUntil         *time.Time `json:"grace_until"` // past_due: when access ends without a payment
}

// Entitlements is GET /api/me/entitlements: what the caller may watch. Every
// field is null without a subscription that gives access.
type Entitlements struct {
	PlanID      *string    `json:"plan_id"`
	PlanName    *string    `json:"plan_name"`
	MaxHeight   *int       `json:"max_height"`
	MaxStreams  *int       `json:"max_streams"`
	ActiveUntil *time.Time `json:"active_until"`
}

// Access decisions of GET /api/me/entitlements/movies/{id}.
const (
	Allowed        = "allowed"
	NoSubscription = "no_subscription" // media answers 402
	NotInPlan      = "not_in_plan"     // media answers 403
)

// WatchDecision is whether the caller may watch a movie, with the plan's limits when allowed.
type WatchDecision struct {
	Decision   string  `json:"decision"`
	MovieID    string  `json:"movie_id"`
	PlanID     *string `json:"plan_id"`
	MaxHeight  int     `json:"max_height"`  // 0 unless allowed
	MaxStreams int     `json:"max_streams"` // 0 unless allowed
}
