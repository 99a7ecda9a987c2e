package billing

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// maxWebhookBytes bounds a webhook body (Stripe's events are far smaller).
const maxWebhookBytes = 256 << 10

// Routes registers the billing HTTP API and the sandbox's checkout pages
// on rt, and makes rt the target of the sandbox's in-process webhooks.
func (s *Service) Routes(rt *httpx.Router) {
	s.handler = rt
	rt.Handle("GET /api/plans", auth.Anyone, s.handlePlans)
	rt.Handle("GET /api/plans/{id}", auth.Public, s.handlePlan)
	rt.Handle("POST /api/plans", auth.Admin, s.handleCreatePlan)
	rt.Handle("PUT /api/plans/{id}", auth.Admin, s.handleUpdatePlan)
	rt.Handle("DELETE /api/plans/{id}", auth.Admin, s.handleArchivePlan)
	rt.Handle("GET /api/movies/{id}/plans", auth.Public, s.handleMoviePlans)
	rt.Handle("PUT /api/movies/{id}/plans", auth.Admin, s.handleSetMoviePlans)

	rt.Handle("POST /api/orders", auth.Signed, s.handleCreateOrder)
	rt.Handle("GET /api/orders", auth.Signed, s.handleOrders)
	rt.Handle("GET /api/orders/{id}", auth.Owner, s.handleOrder)
	rt.Handle("POST /api/payments/webhooks/sandbox", auth.Public, s.handleWebhook(SandboxProvider))
	rt.Handle("POST /api/payments/webhooks/stripe", auth.Public, s.handleWebhook(StripeProvider))

	rt.Handle("GET /api/subscription", auth.Signed, s.handleSubscription)
	rt.Handle("POST /api/subscription/cancel", auth.Signed, s.handleCancel)
	rt.Handle("POST /api/subscription/resume", auth.Signed, s.handleResume)
	rt.Handle("GET /api/me/entitlements", auth.Signed, s.handleEntitlements)
	rt.Handle("GET /api/me/entitlements/movies/{id}", auth.Signed, s.handleCanWatch)

	rt.Handle("POST /api/sandbox/fail-next-renewal", auth.Signed, s.handleFailNextRenewal)
	rt.Handle("GET /sandbox/checkout/{id}", auth.Public, s.handleCheckoutPage)
	rt.Handle("POST /sandbox/checkout/{id}/pay", auth.Public, s.checkoutAction(s.sandbox.Pay))
	rt.Handle("POST /sandbox/checkout/{id}/decline", auth.Public, s.checkoutAction(s.sandbox.Decline))
	rt.Handle("POST /sandbox/checkout/{id}/expire", auth.Public, s.checkoutAction(s.sandbox.Expire))
}

func (s *Service) handlePlans(w http.ResponseWriter, r *http.Request) error {
	include := false
	if v := r.URL.Query().Get("include_archived"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return httpx.Invalid(http.StatusBadRequest, "include_archived", "must be true or false")
		}
		include = b && httpx.IsAdmin(r) // archived plans are for administrators
	}
	ps, err := s.Plans(r.Context(), include)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, billingapi.PlanList{Items: ps})
	return nil
}

func (s *Service) handlePlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Plan(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) handleCreatePlan(w http.ResponseWriter, r *http.Request) error {
	var in billingapi.PlanInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.CreatePlan(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/plans/"+p.ID)
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Service) handleUpdatePlan(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Plan(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	var in billingapi.PlanInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.UpdatePlan(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *Service) handleArchivePlan(w http.ResponseWriter, r *http.Request) error {
	if err := s.ArchivePlan(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleMoviePlans(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.MoviePlans(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, mp)
	return nil
}

func (s *Service) handleSetMoviePlans(w http.ResponseWriter, r *http.Request) error {
	var in billingapi.MoviePlansInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	mp, err := s.SetMoviePlans(r.Context(), r.PathValue("id"), in.PlanIDs)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, mp)
	return nil
}

func (s *Service) handleCreateOrder(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	var in billingapi.OrderInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.CreateOrder(r.Context(), caller.UserID, strings.TrimSpace(in.PlanID), r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/orders/"+c.Order.ID)
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Service) handleOrders(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	return httpx.ServeNewestFirst(w, r, func(after *sqldb.Position, limit int) ([]billingapi.Order, error) {
		return s.Orders(r.Context(), caller.UserID, after, limit)
	}, func(last billingapi.Order) sqldb.Position { return sqldb.Position{At: last.CreatedAt, ID: last.ID} })
}

func (s *Service) handleOrder(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	o, err := s.Order(r.Context(), caller.UserID, caller.IsAdmin(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, o)
	return nil
}

func (s *Service) handleWebhook(provider string) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBytes))
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return httpx.Errorf(http.StatusRequestEntityTooLarge, "The webhook body is larger than %d bytes.", maxWebhookBytes)
			}
			return err
		}
		if err := s.HandleWebhook(r.Context(), provider, body, r.Header); err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]bool{"received": true})
		return nil
	}
}

func (s *Service) handleSubscription(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	sub, err := s.Subscription(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sub)
	return nil
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	sub, err := s.CancelSubscription(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sub)
	return nil
}

func (s *Service) handleResume(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	sub, err := s.ResumeSubscription(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sub)
	return nil
}

func (s *Service) handleEntitlements(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	e, err := s.Entitlements(r.Context(), caller.UserID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *Service) handleCanWatch(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	d, err := s.CanWatch(r.Context(), caller.UserID, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}
