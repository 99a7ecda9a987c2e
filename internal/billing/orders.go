package billing

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/billing/store"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

func orderEvent(typ string, o store.Order) eventSpec {
	return eventSpec{typ: typ, subject: o.ID, data: billingapi.OrderEvent{Order: o.Order, Version: o.Version}}
}

func orderNotFound() error { return httpx.NotFound("order") }

// CreateOrder starts an order of a plan for userID and opens its checkout.
// The amount is the plan's price now. With an idempotency key, the same key
// answers with the same order (and checkout) whatever happens meanwhile; a
// key used for another plan is a 422. A user whose subscription of that
// plan is active gets a 409.
func (s *Service) CreateOrder(ctx context.Context, userID, planID, key string) (billingapi.Checkout, error) {
	if len(key) > 255 {
		return billingapi.Checkout{}, httpx.Invalid(http.StatusBadRequest, "Idempotency-Key", "must be at most 255 characters")
	}
	if !httpx.IsUUID(planID) {
		return billingapi.Checkout{}, httpx.Invalid(http.StatusUnprocessableEntity, "plan_id", "is not a plan id")
	}
	var o store.Order
	var plan store.Plan
	err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		if key != "" {
			prev, err := s.store.OrderByKey(ctx, tx, userID, key)
			if err == nil {
				if prev.PlanID != planID {
					return httpx.Invalid(http.StatusUnprocessableEntity, "Idempotency-Key", "was used for an order of another plan")
				}
				o = prev
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		var err error
		plan, err = s.store.GetPlan(ctx, tx, planID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && plan.ArchivedAt != nil) {
			return httpx.Invalid(http.StatusUnprocessableEntity, "plan_id", "is not a plan on offer")
		}
		if err != nil {
			return err
		}
		sub, err := s.store.GetSubscription(ctx, tx, userID, false)
		if err == nil && sub.PlanID == planID && sub.Status == billingapi.SubActive {
			return httpx.Conflict("You already have an active subscription of this plan.")
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := s.now()
		o = store.Order{Order: billingapi.Order{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, PlanID: planID,
			Status: billingapi.StatusPending, Amount: plan.Price.Amount, Currency: plan.Price.Currency, Provider: s.checkout.Name(),
			CreatedAt: now, UpdatedAt: now}, IdempotencyKey: key, Version: 1}
		if err := s.store.InsertOrder(ctx, tx, o); err != nil {
			return err
		}
		return s.addEvents(ctx, tx, orderEvent(billingapi.OrderCreated, o))
	})
	if errors.Is(err, store.ErrDuplicate) { // the same key raced in: answer with that order
		return s.CreateOrder(ctx, userID, planID, key)
	}
	if err != nil {
		return billingapi.Checkout{}, err
	}
	if o.CheckoutURL != "" {
		return billingapi.Checkout{Order: o.Order, CheckoutURL: o.CheckoutURL}, nil
	}
	// The provider call happens outside the transaction; it is idempotent
	// per order, so a retry with the same key after a crash here gets the
	// same session.
	if plan.ID == "" {
		if plan, err = s.store.GetPlan(ctx, s.db, o.PlanID); err != nil {
			return billingapi.Checkout{}, err
		}
	}
	prov, ok := s.providers[o.Provider]
	if !ok {
		return billingapi.Checkout{}, errors.New("order " + o.ID + ": provider " + o.Provider + " is not configured")
	}
	cs, err := prov.CreateCheckout(ctx, CheckoutRequest{OrderID: o.ID, UserID: userID, Title: "Marquee " + plan.Name + " (monthly)",
		Amount: o.Amount, Currency: o.Currency, ExpiresAt: o.CreatedAt.Add(CheckoutTTL)})
	if err != nil {
		return billingapi.Checkout{}, err
	}
	if err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error { return s.store.SetCheckout(ctx, tx, o.ID, cs.ID, cs.URL) }); err != nil {
		return billingapi.Checkout{}, err
	}
	return billingapi.Checkout{Order: o.Order, CheckoutURL: cs.URL}, nil
}

// Order reads an order for a caller: its owner or an administrator. Anyone
// else is told it does not exist.
func (s *Service) Order(ctx context.Context, callerID string, admin bool, id string) (billingapi.Order, error) {
	if !httpx.IsUUID(id) {
		return billingapi.Order{}, orderNotFound()
	}
	o, err := s.store.GetOrder(ctx, s.db, id, false)
	if errors.Is(err, store.ErrNotFound) || (err == nil && o.UserID != callerID && !admin) {
		return billingapi.Order{}, orderNotFound()
	}
	return o.Order, err
}

// Orders lists a user's orders, newest first.
func (s *Service) Orders(ctx context.Context, userID string, after *store.Position, limit int) ([]billingapi.Order, error) {
	os, err := s.store.ListOrders(ctx, s.db, userID, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]billingapi.Order, len(os))
	for i, o := range os {
		out[i] = o.Order
	}
	return out, nil
}

// HandleWebhook verifies a provider's delivery and applies it once: the
// event id is recorded in the transaction of its effect, so a redelivery
// (or a duplicate) has none. A bad or stale signature is a 400.
func (s *Service) HandleWebhook(ctx context.Context, provider string, payload []byte, h http.Header) error {
	prov, ok := s.providers[provider]
	if !ok {
		return httpx.Errorf(http.StatusBadRequest, "The %s provider is not configured here.", provider)
	}
	ev, err := prov.VerifyWebhook(payload, h, s.opts.now())
	if err != nil {
		if errors.Is(err, ErrBadSignature) {
			return httpx.Errorf(http.StatusBadRequest, "The webhook signature is missing, wrong or older than %s.", SignatureTolerance)
		}
		return httpx.Errorf(http.StatusBadRequest, "The webhook is not an event: %s.", err.Error())
	}
	return s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		isNew, err := s.store.RecordWebhookEvent(ctx, tx, provider, ev.ID, ev.Type, s.now())
		if err != nil || !isNew {
			return err
		}
		if err := s.applyWebhook(ctx, tx, provider, ev); err != nil {
			return err
		}
		return s.fault("webhook.before-commit:" + ev.Type)
	})
}

func (s *Service) applyWebhook(ctx context.Context, tx *sqldb.Tx, provider string, ev WebhookEvent) error {
	obj := ev.Data.Object
	orderID := obj.Metadata["order_id"]
	switch ev.Type {
	case EventCheckoutCompleted, EventCheckoutExpired, EventPaymentFailed:
	default:
		// charge.refunded, invoice.*: the saga and the renewal job act on
		// the provider's synchronous answers; these confirm them
		return nil
	}
	if !httpx.IsUUID(orderID) {
		s.log.Warn("webhook without an order", "provider", provider, "event", ev.ID, "type", ev.Type)
		return nil
	}
	o, err := s.store.GetOrder(ctx, tx, orderID, true)
	if errors.Is(err, store.ErrNotFound) || (err == nil && o.Provider != provider) {
		s.log.Warn("webhook of an unknown order", "provider", provider, "event", ev.ID, "order_id", orderID)
		return nil
	}
	if err != nil {
		return err
	}
	now := s.now()
	switch ev.Type {
	case EventCheckoutCompleted:
		ref := obj.PaymentIntent
		if ref == "" {
			ref = obj.ID
		}
		booked, err := s.store.InsertPayment(ctx, tx, store.Payment{Kind: "charge", OrderID: o.ID, Provider: provider, ProviderRef: ref,
			Amount: obj.AmountTotal, Currency: strings.ToUpper(obj.Currency), CreatedAt: now})
		if err != nil || !booked {
			return err // the payment of this order is booked already: nothing more happens
		}
		moved, ok, err := s.store.MoveOrder(ctx, tx, o.ID, []string{billingapi.StatusPending}, billingapi.StatusPaid, store.OrderChange{PaymentRef: ref}, now)
		if err != nil {
			return err
		}
		pay := eventSpec{typ: billingapi.PaymentSucceeded, subject: o.ID, data: billingapi.PaymentEvent{OrderID: o.ID, UserID: o.UserID,
			Provider: provider, Reference: ref, Amount: obj.AmountTotal, Currency: strings.ToUpper(obj.Currency)}}
		if !ok {
			// paid after the order was cancelled (a payment the provider took
			// late): the money goes back, the order stays cancelled
			if err := s.store.SetPaymentRef(ctx, tx, o.ID, ref); err != nil {
				return err
			}
			if err := s.addEvents(ctx, tx, pay); err != nil {
				return err
			}
			return s.schedule(ctx, tx, jobRefund, "refund:"+o.ID, refundPayload(o.ID, "paid after the order was "+o.Status), now)
		}
		if err := s.addEvents(ctx, tx, pay, orderEvent(billingapi.OrderPaid, moved)); err != nil {
			return err
		}
		return s.schedule(ctx, tx, jobActivate, "activate:"+o.ID, o.ID, now)
	case EventCheckoutExpired, EventPaymentFailed:
		reason := "checkout expired"
		if ev.Type == EventPaymentFailed {
			reason = "payment declined"
		}
		moved, ok, err := s.store.MoveOrder(ctx, tx, o.ID, []string{billingapi.StatusPending}, billingapi.StatusCancelled, store.OrderChange{FailureReason: reason}, now)
		if err != nil || !ok {
			return err // a paid (or finished) order never moves back
		}
		evs := []eventSpec{orderEvent(billingapi.OrderCancelled, moved)}
		if ev.Type == EventPaymentFailed {
			evs = append(evs, eventSpec{typ: billingapi.PaymentFailed, subject: o.ID, data: billingapi.PaymentEvent{OrderID: o.ID, UserID: o.UserID,
				Provider: provider, Reference: obj.ID, Amount: o.Amount, Currency: o.Currency, Reason: reason}})
		}
		return s.addEvents(ctx, tx, evs...)
	}
	return nil
}
