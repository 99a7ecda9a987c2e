package identity

import (
	"context"

	"github.com/marquee-dev/marquee/internal/identity/store"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
)

// Subscriptions: profiles show follower counts, which the social service
// owns and announces in every follow event as absolute per-user counts.
func (s *Service) Subscriptions() []events.Subscription {
	stream, _ := events.StreamFor(socialapi.Source)
	return []events.Subscription{{
		Config:  events.ConsumerConfig{Name: "identity-follow-counts", Stream: stream, FilterSubjects: []string{"social.follow.>"}},
		Handler: events.Handle(events.On(s.applyFollowEvent, socialapi.FollowCreated, socialapi.FollowDeleted)),
	}}
}

func (s *Service) applyFollowEvent(ctx context.Context, tx *sqldb.Tx, _ events.Envelope, ev socialapi.FollowEvent) error {
	st := store.New(tx)
	for _, c := range ev.Counts() {
		if err := st.ApplyFollowCounts(ctx, c.UserID, c.FollowersCount, c.FollowingCount, c.CountsVersion); err != nil {
			return err
		}
	}
	return nil
}
