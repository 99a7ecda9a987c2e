package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Renewal: at the period end the saved method is charged. A failed charge
// makes the subscription past_due with GracePeriod of access; the charge is
// tried again every RenewalRetryEvery, and when the last try (at the end of
// the grace) fails it expires.
const (
	GracePeriod       = 72 * time.Hour
	RenewalRetryEvery = 24 * time.Hour
	renewalAttempts   = 1 + int(GracePeriod/RenewalRetryEvery)
)

type renewJob struct {
	SubscriptionID string    `json:"subscription_id"`
	PeriodEnd      time.Time `json:"period_end"`
	Attempt        int       `json:"attempt"`
}

func (s *Service) scheduleRenewal(ctx context.Context, tx *sqldb.Tx, sub store.Subscription, attempt int) error {
	at := sub.CurrentPeriodEnd.Add(time.Duration(attempt-1) * RenewalRetryEvery)
	b, err := json.Marshal(renewJob{SubscriptionID: sub.ID, PeriodEnd: sub.CurrentPeriodEnd, Attempt: attempt})
	if err != nil {
		return err
	}
	return s.schedule(ctx, tx, jobRenew, fmt.Sprintf("renew:%s:%s:%d", sub.ID, sqldb.FormatTime(sub.CurrentPeriodEnd), attempt), string(b), at)
}

func givesAccess(status string) bool {
	return status == billingapi.SubActive || status == billingapi.SubPastDue
}

func (s *Service) apiSubscription(sub store.Subscription, plan store.Plan) billingapi.Subscription {
	return billingapi.Subscription{ID: sub.ID, UserID: sub.UserID, Plan: plan.Plan, Status: sub.Status, CurrentPeriodStart: sub.CurrentPeriodStart,
		CurrentPeriodEnd: sub.CurrentPeriodEnd, CancelAtPeriodEnd: sub.CancelAtPeriodEnd, GraceUntil: sub.GraceUntil}
}

func (s *Service) subscriptionEvent(ctx context.Context, q sqldb.Querier, typ string, sub store.Subscription, plan store.Plan) (eventSpec, error) {
	if plan.ID != sub.PlanID {
		var err error
		if plan, err = s.store.GetPlan(ctx, q, sub.PlanID); err != nil {
			return eventSpec{}, err
		}
	}
	return eventSpec{typ: typ, subject: sub.UserID, data: billingapi.SubscriptionEvent{Subscription: s.apiSubscription(sub, plan),
		Active: givesAccess(sub.Status), Version: sub.Version, At: s.now()}}, nil
}

type renewalCharge struct {
	ref      string
	declined bool
}

// chargeRenewal charges the period's renewal (idempotent by its key) when
// the subscription is still due for it; nil when no charge is due.
func (s *Service) chargeRenewal(ctx context.Context, j store.Job) (any, error) {
	var r renewJob
	if err := json.Unmarshal([]byte(j.Payload), &r); err != nil {
		return nil, fmt.Errorf("renewal job %s: %w", j.DedupeKey, err)
	}
	sub, err := s.store.GetSubscriptionByID(ctx, s.db, r.SubscriptionID, false)
	if err != nil {
		return nil, err
	}
	if !sub.CurrentPeriodEnd.Equal(r.PeriodEnd) || !givesAccess(sub.Status) || sub.CancelAtPeriodEnd {
		return nil, nil
	}
	plan, err := s.store.GetPlan(ctx, s.db, sub.PlanID)
	if err != nil || plan.ArchivedAt != nil {
		return nil, err
	}
	ref, err := s.sandbox.ChargeRenewal(ctx, RenewalCharge{UserID: sub.UserID, SubscriptionID: sub.ID, Amount: plan.Price.Amount,
		Currency: plan.Price.Currency, IdempotencyKey: j.DedupeKey})
	if errors.Is(err, ErrDeclined) {
		return renewalCharge{ref: ref, declined: true}, nil
	}
	if err != nil {
		return nil, err
	}
	return renewalCharge{ref: ref}, nil
}

// applyRenewal ends, renews or marks past due the subscription at its
// period end, once per period and attempt.
func (s *Service) applyRenewal(ctx context.Context, tx *sqldb.Tx, j store.Job, ext any) error {
	var r renewJob
	if err := json.Unmarshal([]byte(j.Payload), &r); err != nil {
		return err
	}
	sub, err := s.store.GetSubscriptionByID(ctx, tx, r.SubscriptionID, true)
	if err != nil {
		return err
	}
	if !sub.CurrentPeriodEnd.Equal(r.PeriodEnd) || !givesAccess(sub.Status) {
		return nil // renewed, reactivated or ended meanwhile
	}
	plan, err := s.store.GetPlan(ctx, tx, sub.PlanID)
	if err != nil {
		return err
	}
	now := s.now()
	sub.Version++
	sub.UpdatedAt = now
	charge, charged := ext.(renewalCharge)
	var evs []eventSpec
	switch {
	case !charged: // canceled at period end, or the plan is archived
		sub.Status = billingapi.SubCanceled
		if !sub.CancelAtPeriodEnd {
			sub.Status = billingapi.SubExpired
		}
		sub.GraceUntil = nil
		ev, err := s.subscriptionEvent(ctx, tx, billingapi.SubscriptionExpired, sub, plan)
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	case !charge.declined:
		booked, err := s.store.InsertPayment(ctx, tx, store.Payment{Kind: "renewal", SubscriptionID: sub.ID, Provider: SandboxProvider,
			ProviderRef: charge.ref, Amount: plan.Price.Amount, Currency: plan.Price.Currency, CreatedAt: now})
		if err != nil {
			return err
		}
		if !booked {
			return fmt.Errorf("renewal payment %s booked twice", charge.ref)
		}
		sub.Status, sub.GraceUntil = billingapi.SubActive, nil
		sub.CurrentPeriodStart = sub.CurrentPeriodEnd
		sub.CurrentPeriodEnd = period(sub.CurrentPeriodStart)
		if err := s.scheduleRenewal(ctx, tx, sub, 1); err != nil {
			return err
		}
		ev, err := s.subscriptionEvent(ctx, tx, billingapi.SubscriptionRenewed, sub, plan)
		if err != nil {
			return err
		}
		evs = append(evs, ev, eventSpec{typ: billingapi.PaymentSucceeded, subject: sub.ID, data: billingapi.PaymentEvent{SubscriptionID: sub.ID,
			UserID: sub.UserID, Provider: SandboxProvider, Reference: charge.ref, Amount: plan.Price.Amount, Currency: plan.Price.Currency}})
	default:
		evs = append(evs, eventSpec{typ: billingapi.PaymentFailed, subject: sub.ID, data: billingapi.PaymentEvent{SubscriptionID: sub.ID,
			UserID: sub.UserID, Provider: SandboxProvider, Reference: charge.ref, Amount: plan.Price.Amount, Currency: plan.Price.Currency,
			Reason: "renewal declined"}})
		typ := billingapi.SubscriptionPastDue
		if r.Attempt >= renewalAttempts {
			sub.Status, sub.GraceUntil, typ = billingapi.SubExpired, nil, billingapi.SubscriptionExpired
		} else {
			grace := sub.CurrentPeriodEnd.Add(GracePeriod)
			sub.Status, sub.GraceUntil = billingapi.SubPastDue, &grace
			if err := s.scheduleRenewal(ctx, tx, sub, r.Attempt+1); err != nil {
				return err
			}
		}
		if r.Attempt == 1 || typ == billingapi.SubscriptionExpired {
			ev, err := s.subscriptionEvent(ctx, tx, typ, sub, plan)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
	}
	if err := s.store.SaveSubscription(ctx, tx, sub); err != nil {
		return err
	}
	return s.addEvents(ctx, tx, evs...)
}

func noSubscription() error { return httpx.NotFound("subscription") }

// Subscription reads a user's subscription (a 404 when they never had one).
func (s *Service) Subscription(ctx context.Context, userID string) (billingapi.Subscription, error) {
	sub, err := s.store.GetSubscription(ctx, s.db, userID, false)
	if errors.Is(err, store.ErrNotFound) {
		return billingapi.Subscription{}, noSubscription()
	}
	if err != nil {
		return billingapi.Subscription{}, err
	}
	plan, err := s.store.GetPlan(ctx, s.db, sub.PlanID)
	return s.apiSubscription(sub, plan), err
}

// CancelSubscription cancels at the period end (idempotent); an ended
// subscription is a 409.
func (s *Service) CancelSubscription(ctx context.Context, userID string) (billingapi.Subscription, error) {
	return s.changeSubscription(ctx, userID, true)
}

// ResumeSubscription takes a cancellation back before the period ends.
func (s *Service) ResumeSubscription(ctx context.Context, userID string) (billingapi.Subscription, error) {
	return s.changeSubscription(ctx, userID, false)
}

func (s *Service) changeSubscription(ctx context.Context, userID string, cancel bool) (billingapi.Subscription, error) {
	var out billingapi.Subscription
	err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		sub, err := s.store.GetSubscription(ctx, tx, userID, true)
		if errors.Is(err, store.ErrNotFound) {
			return noSubscription()
		}
		if err != nil {
			return err
		}
		if !givesAccess(sub.Status) {
			return httpx.Conflict("The subscription has ended; order a plan to subscribe again.")
		}
		plan, err := s.store.GetPlan(ctx, tx, sub.PlanID)
		if err != nil {
			return err
		}
		if sub.CancelAtPeriodEnd != cancel {
			sub.CancelAtPeriodEnd = cancel
			sub.Version++
			sub.UpdatedAt = s.now()
			if err := s.store.SaveSubscription(ctx, tx, sub); err != nil {
				return err
			}
			typ := billingapi.SubscriptionResumed
			if cancel {
				typ = billingapi.SubscriptionCanceled
			}
			ev, err := s.subscriptionEvent(ctx, tx, typ, sub, plan)
			if err != nil {
				return err
			}
			if err := s.addEvents(ctx, tx, ev); err != nil {
				return err
			}
		}
		out = s.apiSubscription(sub, plan)
		return nil
	})
	return out, err
}

// entitlement is the plan giving a user access now, if any.
func (s *Service) entitlement(ctx context.Context, userID string) (store.Plan, *time.Time, bool, error) {
	sub, err := s.store.GetSubscription(ctx, s.db, userID, false)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !givesAccess(sub.Status)) {
		return store.Plan{}, nil, false, nil
	}
	if err != nil {
		return store.Plan{}, nil, false, err
	}
	plan, err := s.store.GetPlan(ctx, s.db, sub.PlanID)
	if err != nil {
		return plan, nil, false, err
	}
	until := sub.CurrentPeriodEnd
	if sub.GraceUntil != nil {
		until = *sub.GraceUntil
	}
	return plan, &until, true, nil
}

// Entitlements is what a user's subscription gives now (all null without one).
func (s *Service) Entitlements(ctx context.Context, userID string) (billingapi.Entitlements, error) {
	plan, until, ok, err := s.entitlement(ctx, userID)
	if err != nil || !ok {
		return billingapi.Entitlements{}, err
	}
	return billingapi.Entitlements{PlanID: &plan.ID, PlanName: &plan.Name, MaxHeight: &plan.MaxHeight, MaxStreams: &plan.MaxStreams, ActiveUntil: until}, nil
}

// CanWatch decides whether a user may watch a movie: allowed (with the
// plan's limits), no_subscription, or not_in_plan. An error means no
// decision: callers must refuse (fail closed).
func (s *Service) CanWatch(ctx context.Context, userID, movieID string) (billingapi.WatchDecision, error) {
	d := billingapi.WatchDecision{Decision: billingapi.NoSubscription, MovieID: movieID}
	if !httpx.IsUUID(movieID) {
		return d, movieNotFound()
	}
	plan, _, ok, err := s.entitlement(ctx, userID)
	if err != nil || !ok {
		return d, err
	}
	d.PlanID = &plan.ID
	ids, err := s.store.MoviePlans(ctx, s.db, movieID)
	if err != nil {
		return d, err
	}
	if !slices.Contains(ids, plan.ID) {
		d.Decision = billingapi.NotInPlan
		return d, nil
	}
	d.Decision, d.MaxHeight, d.MaxStreams = billingapi.Allowed, plan.MaxHeight, plan.MaxStreams
	return d, nil
}
