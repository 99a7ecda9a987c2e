package social

import (
	"context"
	"fmt"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
	"github.com/marquee-dev/marquee/internal/social/store"
)

// ImportFollows makes every pair's follower follow its followee in one
// transaction, with the counts adjusted once and one social.follow.created
// event per new follow, as Follow would one by one; it says how many follows
// are new. Pairs already followed, and pairs with a deleted user, change nothing, so a run can be repeated.
// Users social has not heard of yet get placeholders that identity's events
// fill in (the demo community's accounts are created in the same breath).
// Every pair is checked first (UUIDs, not oneself); a bad one fails the call
// before anything is written.
func (s *Service) ImportFollows(ctx context.Context, pairs []socialapi.FollowPair) (int, error) {
	for i, p := range pairs {
		if !httpx.IsUUID(p.FollowerID) || !httpx.IsUUID(p.FolloweeID) {
			return 0, fmt.Errorf("follow %d: follower and followee must be UUIDs", i)
		}
		if p.FollowerID == p.FolloweeID {
			return 0, fmt.Errorf("follow %d: a user cannot follow themself", i)
		}
	}
	created := 0
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		created = 0
		deleted := map[string]bool{} // of every user seen so far
		var edges []store.Edge
		for _, p := range pairs {
			for _, id := range []string{p.FollowerID, p.FolloweeID} {
				if _, seen := deleted[id]; seen {
					continue
				}
				if err := s.store.EnsureUser(ctx, tx, id); err != nil {
					return err
				}
				u, err := s.store.GetUser(ctx, tx, id)
				if err != nil {
					return err
				}
				deleted[id] = u.Deleted
			}
			if deleted[p.FollowerID] || deleted[p.FolloweeID] { // a deleted account follows nobody and is followed by nobody
				continue
			}
			at := s.now()
			if !p.FollowedAt.IsZero() {
				at = sqldb.Timestamp(p.FollowedAt)
			}
			edge, changed, err := s.store.Follow(ctx, tx, p.FollowerID, p.FolloweeID, at)
			if err != nil {
				return err
			}
			if changed {
				edges = append(edges, edge)
			}
		}
		created = len(edges)
		if len(edges) == 0 {
			return nil
		}
		return s.recordEdges(ctx, tx, edges)
	})
	return created, err
}
