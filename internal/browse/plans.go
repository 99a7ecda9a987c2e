package browse

import (
	"bytes"
	"context"

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
	apply := events.Handle(
		events.On(s.applyMoviePlans, billingapi.MoviePlansChanged),
		events.On(s.applyUserPlan, billingapi.SubscriptionActivated, billingapi.SubscriptionRenewed, billingapi.SubscriptionCanceled,
			billingapi.SubscriptionResumed, billingapi.SubscriptionPastDue, billingapi.SubscriptionExpired),
	)
	return events.Subscription{
		Config: events.ConsumerConfig{Name: ConsumerBilling, Stream: stream,
			// one subject (older NATS servers take no more); other types are skipped
			FilterSubjects: []string{"billing.>"}},
		Batch: func(ctx context.Context, tx *sqldb.Tx, envs []events.Envelope) error {
			for _, env := range envs {
				if err := apply(ctx, tx, env); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// applyMoviePlans keeps the newest set of plans offering a movie.
func (s *Service) applyMoviePlans(ctx context.Context, tx *sqldb.Tx, env events.Envelope, m billingapi.MoviePlansEvent) error {
	if err := events.Versioned(env, m.MovieID, m.Version); err != nil {
		return err
	}
	applied, err := s.store.ApplyMoviePlans(ctx, tx, m.MovieID, m.PlanIDs, m.Version)
	if err == nil && applied {
		tx.AfterCommit(func() { s.cache.Invalidate(m.MovieID) })
	}
	return err
}

// applyUserPlan keeps the newest plan of a user's subscription and whether it gives access.
func (s *Service) applyUserPlan(ctx context.Context, tx *sqldb.Tx, env events.Envelope, sub billingapi.SubscriptionEvent) error {
	if err := events.Versioned(env, sub.UserID, sub.Version); err != nil {
		return err
	}
	_, err := s.store.ApplyUserPlan(ctx, tx, sub.UserID, sub.Plan.ID, sub.Active, sub.Version)
	return err
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
