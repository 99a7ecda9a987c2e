package notifyapi

import (
	"encoding/json"
	"time"
)

// The billing events notify reads. Billing is being built in parallel; until
// its billingapi package lands, the payload fields notify relies on are
// defined here, in one place, from the contract (DESIGN.md §4.1): the order
// and subscription resources after the change, with a version. Fields notify
// does not need are ignored; the ones it needs are marked required.
const (
	BillingSource = "billing"

	PlanCreated  = "billing.plan.created"
	PlanUpdated  = "billing.plan.updated"
	PlanArchived = "billing.plan.archived"

	OrderCompleted = "billing.order.completed"
	OrderRefunded  = "billing.order.refunded"

	SubscriptionActivated = "billing.subscription.activated"
	SubscriptionRenewed   = "billing.subscription.renewed"
	SubscriptionCanceled  = "billing.subscription.canceled"
	SubscriptionResumed   = "billing.subscription.resumed"
	SubscriptionPastDue   = "billing.subscription.past_due"
	SubscriptionExpired   = "billing.subscription.expired"
)

// PlanEvent is the data of billing.plan.* (the plan resource). Notify keeps
// only the names, for receipts.
type PlanEvent struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

// OrderEvent is the data of billing.order.* (the order resource).
// Required: id, user_id, amount, currency.
type OrderEvent struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	PlanID    string    `json:"plan_id"`
	PlanName  string    `json:"plan_name"` // optional: the name from billing.plan.* when absent
	Status    string    `json:"status"`
	Amount    int64     `json:"amount"`   // minor units
	Currency  string    `json:"currency"` // ISO 4217
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// SubscriptionEvent is the data of billing.subscription.* (the subscription
// resource). Required: id, user_id, status, current_period_end, version.
// Plan may be the plan object ({id, name, ...}) or its id; PlanID and
// PlanName, when present, are used too.
type SubscriptionEvent struct {
	ID                 string    `json:"id"`
	UserID             string    `json:"user_id"`
	Plan               PlanRef   `json:"plan"`
	PlanID             string    `json:"plan_id"`
	PlanName           string    `json:"plan_name"`
	Status             string    `json:"status"` // active, past_due, canceled, expired
	CurrentPeriodStart time.Time `json:"current_period_start"`
	CurrentPeriodEnd   time.Time `json:"current_period_end"`
	CancelAtPeriodEnd  bool      `json:"cancel_at_period_end"`
	Version            int64     `json:"version"`
}

// Name is the plan's name as far as the event tells it.
func (s SubscriptionEvent) Name() string {
	if s.PlanName != "" {
		return s.PlanName
	}
	return s.Plan.Name
}

// PlanRef is a plan given as an object with at least id and name, or as its id.
type PlanRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UnmarshalJSON accepts `"<id>"`, `{"id": ..., "name": ...}` and null.
func (p *PlanRef) UnmarshalJSON(b []byte) error {
	var id string
	if err := json.Unmarshal(b, &id); err == nil {
		*p = PlanRef{ID: id}
		return nil
	}
	type plain PlanRef
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = PlanRef(v)
	return nil
}
