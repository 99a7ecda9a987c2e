package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// The order saga (DESIGN.md §4.1), as durable jobs:
//
//	webhook checkout.session.completed ─► order paid, job saga.activate
//	saga.activate ─► subscription activated/extended + order completed (one transaction)
//	             └► activation impossible ─► job saga.refund
//	saga.refund  ─► provider refund (idempotency key "refund-<order id>") ─► order refunded
//	webhook checkout.session.expired / payment_intent.payment_failed ─► order cancelled
//
// Each status change is a conditional update from the statuses it may come
// from, in the transaction that finishes the step's job, so a step that runs
// again (redelivery, crash, a second worker) changes nothing.

type refundJob struct {
	OrderID string `json:"order_id"`
	Reason  string `json:"reason"`
}

func refundPayload(orderID, reason string) string {
	b, _ := json.Marshal(refundJob{OrderID: orderID, Reason: reason})
	return string(b)
}

// RefundKey is the idempotency key of an order's refund: derived from the
// order, so however often the step runs, the provider refunds once.
func RefundKey(orderID string) string { return "refund-" + orderID }

// period is one billing interval from start.
func period(start time.Time) time.Time { return start.AddDate(0, 1, 0) }

// applyActivate activates (or extends) the subscription of a paid order and
// completes it, or schedules its refund when activation is impossible.
func (s *Service) applyActivate(ctx context.Context, tx *sqldb.Tx, j store.Job, _ any) error {
	o, err := s.store.GetOrder(ctx, tx, j.Payload, true)
	if err != nil {
		return err
	}
	if o.Status != billingapi.StatusPaid {
		return nil // done before
	}
	now := s.now()
	plan, err := s.store.GetPlan(ctx, tx, o.PlanID)
	if err != nil {
		return err
	}
	// two paid orders of one user may activate at once (several workers):
	// the second must see the first's subscription, even a new one
	if err := s.store.LockUser(ctx, tx, o.UserID); err != nil {
		return err
	}
	sub, err := s.store.GetSubscription(ctx, tx, o.UserID, true)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	reason := ""
	switch {
	case plan.ArchivedAt != nil:
		reason = "the plan was archived before the payment arrived"
	case exists && sub.PlanID == o.PlanID && sub.Status == billingapi.SubActive:
		reason = "already subscribed to this plan"
	}
	if reason != "" {
		return s.schedule(ctx, tx, jobRefund, "refund:"+o.ID, refundPayload(o.ID, reason), now)
	}
	if !exists {
		sub = store.Subscription{ID: uuid.Must(uuid.NewV7()).String(), UserID: o.UserID, CreatedAt: now}
	}
	// a new period starts now: a new plan, a lapsed subscription, or a past
	// due one of the same plan (extended by this payment)
	sub.PlanID, sub.Status, sub.CurrentPeriodStart, sub.CurrentPeriodEnd = o.PlanID, billingapi.SubActive, now, period(now)
	sub.CancelAtPeriodEnd, sub.GraceUntil = false, nil
	sub.Version++
	sub.UpdatedAt = now
	if err := s.store.SaveSubscription(ctx, tx, sub); err != nil {
		return err
	}
	done, ok, err := s.store.MoveOrder(ctx, tx, o.ID, []string{billingapi.StatusPaid}, billingapi.StatusCompleted, store.OrderChange{}, now)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("order %s left paid under a lock", o.ID)
	}
	if err := s.scheduleRenewal(ctx, tx, sub, 1); err != nil {
		return err
	}
	subEv, err := s.subscriptionEvent(ctx, tx, billingapi.SubscriptionActivated, sub, plan)
	if err != nil {
		return err
	}
	return s.addEvents(ctx, tx, subEv, orderEvent(billingapi.OrderCompleted, done))
}

// refundWithProvider asks the order's provider for the refund (idempotent by key).
func (s *Service) refundWithProvider(ctx context.Context, j store.Job) (any, error) {
	var r refundJob
	if err := json.Unmarshal([]byte(j.Payload), &r); err != nil {
		return nil, fmt.Errorf("refund job %s: %w", j.DedupeKey, err)
	}
	o, err := s.store.GetOrder(ctx, s.db, r.OrderID, false)
	if err != nil {
		return nil, err
	}
	if o.RefundRef != "" || o.PaymentRef == "" {
		return o.RefundRef, nil // refunded before, or nothing to refund
	}
	prov, ok := s.providers[o.Provider]
	if !ok {
		return nil, fmt.Errorf("order %s: provider %s is not configured", o.ID, o.Provider)
	}
	return prov.Refund(ctx, RefundRequest{OrderID: o.ID, PaymentRef: o.PaymentRef, Amount: o.Amount, Currency: o.Currency, IdempotencyKey: RefundKey(o.ID)})
}

// applyRefund records the refund: a paid order becomes refunded; a
// cancelled one (paid late) stays cancelled with the refund noted.
func (s *Service) applyRefund(ctx context.Context, tx *sqldb.Tx, j store.Job, ext any) error {
	var r refundJob
	if err := json.Unmarshal([]byte(j.Payload), &r); err != nil {
		return err
	}
	refundID, _ := ext.(string)
	if refundID == "" {
		return nil
	}
	o, err := s.store.GetOrder(ctx, tx, r.OrderID, true)
	if err != nil {
		return err
	}
	now := s.now()
	booked, err := s.store.InsertPayment(ctx, tx, store.Payment{Kind: "refund", OrderID: o.ID, Provider: o.Provider, ProviderRef: refundID,
		Amount: o.Amount, Currency: o.Currency, CreatedAt: now})
	if err != nil || !booked {
		return err
	}
	evs := []eventSpec{{typ: billingapi.PaymentRefunded, subject: o.ID, data: billingapi.PaymentEvent{OrderID: o.ID, UserID: o.UserID,
		Provider: o.Provider, Reference: refundID, Amount: o.Amount, Currency: o.Currency, Reason: r.Reason}}}
	from, to := []string{billingapi.StatusPaid}, billingapi.StatusRefunded
	if o.Status == billingapi.StatusCancelled {
		from, to = []string{billingapi.StatusCancelled}, billingapi.StatusCancelled
	}
	moved, ok, err := s.store.MoveOrder(ctx, tx, o.ID, from, to, store.OrderChange{RefundRef: refundID, FailureReason: r.Reason}, now)
	if err != nil {
		return err
	}
	if ok && to == billingapi.StatusRefunded {
		evs = append(evs, orderEvent(billingapi.OrderRefunded, moved))
	}
	return s.addEvents(ctx, tx, evs...)
}
