package billingapi

import "time"

// Source is the envelope source of every billing event; the JetStream stream
// BILLING takes the subjects billing.>.
const Source = "billing"

// Event types (envelope type = NATS subject). Each carries the whole resource
// after the change with a per-resource Version: consumers keep the highest
// version per id and drop older events that arrive late.
const (
	// plans; subject: the plan id; data: PlanEvent
	PlanCreated  = "billing.plan.created"
	PlanUpdated  = "billing.plan.updated"
	PlanArchived = "billing.plan.archived"

	// which plans offer a movie; subject: the movie id; data: MoviePlansEvent
	MoviePlansChanged = "billing.movie.plans_changed"

	// orders; subject: the order id; data: OrderEvent
	OrderCreated   = "billing.order.created"
	OrderPaid      = "billing.order.paid"
	OrderCompleted = "billing.order.completed"
	OrderCancelled = "billing.order.cancelled"
	OrderRefunded  = "billing.order.refunded"

	// money moving; subject: the order or subscription id; data: PaymentEvent
	PaymentSucceeded = "billing.payment.succeeded"
	PaymentFailed    = "billing.payment.failed"
	PaymentRefunded  = "billing.payment.refunded"

	// subscriptions; subject: the user id; data: SubscriptionEvent
	SubscriptionActivated = "billing.subscription.activated" // a paid order started (or switched, or extended) it
	SubscriptionRenewed   = "billing.subscription.renewed"
	SubscriptionCanceled  = "billing.subscription.canceled" // the user canceled: it ends at the period end
	SubscriptionResumed   = "billing.subscription.resumed"  // the cancellation was taken back
	SubscriptionPastDue   = "billing.subscription.past_due" // a renewal failed; grace until GraceUntil
	SubscriptionExpired   = "billing.subscription.expired"  // access ended (status canceled or expired)
)

// PlanEvent is the data of billing.plan.*.
type PlanEvent struct {
	Plan
	Version int64 `json:"version"`
}

// MoviePlansEvent is the data of billing.movie.plans_changed: the whole set
// of plans offering the movie after the change.
type MoviePlansEvent struct {
	MovieID string   `json:"movie_id"`
	PlanIDs []string `json:"plan_ids"`
	Version int64    `json:"version"` // per movie
}

// OrderEvent is the data of billing.order.*.
type OrderEvent struct {
	Order
	Version int64 `json:"version"`
}

// PaymentEvent is the data of billing.payment.*.
type PaymentEvent struct {
	OrderID        string `json:"order_id,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
	UserID         string `json:"user_id"`
	Provider       string `json:"provider"`
	Reference      string `json:"reference"` // the provider's payment or refund id
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	Reason         string `json:"reason,omitempty"`
}

// SubscriptionEvent is the data of billing.subscription.*: the subscription
// with its plan's limits. Active reports whether it gives access now
// (active or past_due).
type SubscriptionEvent struct {
	Subscription
	Active  bool      `json:"active"`
	Version int64     `json:"version"` // per user
	At      time.Time `json:"at"`
}
