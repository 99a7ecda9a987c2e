package browse

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// ConsumerBilling is the durable consumer of billing's events: which plans
// offer each movie (plans[] on the movie document) and which plan each
// user's subscription gives (GET /api/movies?available=true).
const ConsumerBilling = "browse-billing"

func (s *Service) billingSubscription() events.Subscription {
	stream, _ := events.StreamFor(billingapi.Source)
	return events.Subscription{
		Config: events.ConsumerConfig{Name: ConsumerBilling, Stream: stream,
			// one subject (older NATS servers take no more); other types are ignored
			FilterSubjects: []string{"billing.>"}},
		Batch: func(ctx context.Context, tx *sqldb.Tx, envs []events.Envelope) error {
			for _, env := range envs {
				if err := s.HandleBillingEvent(ctx, tx, env); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// HandleBillingEvent applies billing.movie.plans_changed and
// billing.subscription.* (the highest version per movie or user wins).
func (s *Service) HandleBillingEvent(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
	switch {
	case env.Type == billingapi.MoviePlansChanged:
		var m billingapi.MoviePlansEvent
		if err := env.Decode(&m); err != nil {
			return events.Permanent(err)
		}
		if m.MovieID == "" || m.Version <= 0 {
			return events.Permanent(fmt.Errorf("%s %s: no movie id or version", env.Type, env.ID))
		}
		applied, err := s.store.ApplyMoviePlans(ctx, tx, m.MovieID, m.PlanIDs, m.Version)
		if err == nil && applied {
			tx.AfterCommit(func() { s.cache.Invalidate(m.MovieID) })
		}
		return err
	case strings.HasPrefix(env.Type, "billing.subscription."):
		var sub billingapi.SubscriptionEvent
		if err := env.Decode(&sub); err != nil {
			return events.Permanent(err)
		}
		if sub.UserID == "" || sub.Version <= 0 {
			return events.Permanent(fmt.Errorf("%s %s: no user id or version", env.Type, env.ID))
		}
		_, err := s.store.ApplyUserPlan(ctx, tx, sub.UserID, sub.Plan.ID, sub.Active, sub.Version)
		return err
	}
	return nil
}

// withPlans adds "plans": [...] to an encoded movie document.
func withPlans(doc, plans []byte) []byte {
	i := bytes.LastIndexByte(doc, '}')
	if i < 0 {
		return doc
	}
	out := make([]byte, 0, len(doc)+len(plans)+12)
	out = append(out, doc[:i]...)
	out = append(out, `,"plans":`...) // documents always have fields
	out = append(out, plans...)
	return append(out, doc[i:]...)
}
