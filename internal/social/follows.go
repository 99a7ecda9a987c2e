package social

import (
	"context"
	"errors"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/social/socialapi"
	"github.com/marquee-dev/marquee/internal/social/store"
)

var errAccountDeleted = apperr.Forbidden("This account is deleted.")

func userNotFound() error {
	return apperr.NotFound("user").WithCause(store.ErrNotFound)
}

// Follow makes followerID follow followeeID. It is idempotent: following
// someone already followed changes nothing, emits nothing and answers the
// same (followed_at stays the first time). Following oneself is a 422 naming
// id; an unknown or deleted user a 404. A change emits social.follow.created
// with both users' new counts, in the same transaction.
func (s *Service) Follow(ctx context.Context, followerID, followeeID string) (socialapi.Follow, error) {
	if !httpx.IsUUID(followeeID) {
		return socialapi.Follow{}, userNotFound()
	}
	if followerID == followeeID {
		return socialapi.Follow{}, apperr.Invalid("id", "is you; you cannot follow yourself")
	}
	var out socialapi.Follow
	err := s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		followee, err := s.store.GetUser(ctx, tx, followeeID, true)
		if errors.Is(err, store.ErrNotFound) || (err == nil && followee.Deleted) {
			return userNotFound()
		}
		if err != nil {
			return err
		}
		follower, err := s.store.GetUser(ctx, tx, followerID, true)
		if errors.Is(err, store.ErrNotFound) {
			// identity's event about the caller has not arrived yet; the
			// access token proves the account: a placeholder until then
			err = s.store.EnsureUser(ctx, tx, followerID)
		}
		if err != nil {
			return err
		}
		if follower.Deleted {
			return errAccountDeleted
		}
		edge, changed, err := s.store.Follow(ctx, tx, followerID, followeeID, s.now())
		if err != nil {
			return err
		}
		out = socialapi.Follow{ID: followeeID, DisplayName: followee.DisplayName, FollowedAt: edge.FollowedAt}
		if !changed {
			return nil
		}
		return s.recordEdges(ctx, tx, []store.Edge{edge})
	})
	return out, err
}

// Unfollow makes followerID stop following followeeID. It is idempotent:
// when there was no follow nothing changes and nothing is emitted. A change
// emits social.follow.deleted with both users' new counts.
func (s *Service) Unfollow(ctx context.Context, followerID, followeeID string) error {
	if !httpx.IsUUID(followeeID) {
		return userNotFound()
	}
	return s.inWriteTx(ctx, func(tx *sqldb.Tx) error {
		edge, changed, err := s.store.Unfollow(ctx, tx, followerID, followeeID, s.now())
		if err != nil || !changed {
			return err
		}
		return s.recordEdges(ctx, tx, []store.Edge{edge})
	})
}

// recordEdges adjusts the counts of the users of edges that just changed
// (active: followed; not active: unfollowed) and emits one event per edge,
// each carrying both users' counts after all the changes of tx.
func (s *Service) recordEdges(ctx context.Context, tx *sqldb.Tx, edges []store.Edge) error {
	deltas := map[string]store.CountsDelta{}
	for _, e := range edges {
		n := 1
		if !e.Active {
			n = -1
		}
		d := deltas[e.FollowerID]
		d.Following += n
		deltas[e.FollowerID] = d
		d = deltas[e.FolloweeID]
		d.Followers += n
		deltas[e.FolloweeID] = d
	}
	counts, err := s.store.AdjustCounts(ctx, tx, deltas)
	if err != nil {
		return err
	}
	envs := make([]events.Envelope, 0, len(edges))
	for _, e := range edges {
		typ := socialapi.FollowCreated
		var deletedAt *time.Time
		if !e.Active {
			typ = socialapi.FollowDeleted
			at := e.UpdatedAt
			deletedAt = &at
		}
		follower, followee := counts[e.FollowerID], counts[e.FolloweeID]
		env, err := events.New(socialapi.Source, typ, e.FollowerID+":"+e.FolloweeID, socialapi.FollowEvent{
			FollowerID: e.FollowerID, FolloweeID: e.FolloweeID, Version: e.Version, FollowedAt: e.FollowedAt, DeletedAt: deletedAt,
			FollowerFollowingCount: follower.Following, FollowerFollowersCount: follower.Followers, FollowerCountsVersion: follower.Version,
			FolloweeFollowersCount: followee.Followers, FolloweeFollowingCount: followee.Following, FolloweeCountsVersion: followee.Version,
		})
		if err != nil {
			return err
		}
		envs = append(envs, env)
	}
	return s.outbox.Add(ctx, tx, envs...)
}

// knownUser returns nil when id is a user who is not deleted, else a 404.
func (s *Service) knownUser(ctx context.Context, id string) error {
	if !httpx.IsUUID(id) {
		return userNotFound()
	}
	u, err := s.store.GetUser(ctx, s.db, id, false)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Deleted) {
		return userNotFound()
	}
	return err
}

// Followers returns up to limit users following userID, newest follow first.
// An unknown or deleted user is not found.
func (s *Service) Followers(ctx context.Context, userID string, after *store.Position, limit int) ([]socialapi.Follow, error) {
	if err := s.knownUser(ctx, userID); err != nil {
		return nil, err
	}
	return s.store.Followers(ctx, s.db, userID, after, limit)
}

// Following returns up to limit users userID follows, newest follow first.
func (s *Service) Following(ctx context.Context, userID string, after *store.Position, limit int) ([]socialapi.Follow, error) {
	if err := s.knownUser(ctx, userID); err != nil {
		return nil, err
	}
	return s.store.Following(ctx, s.db, userID, after, limit)
}

// Feed returns up to limit reviews by the users userID follows, newest first.
func (s *Service) Feed(ctx context.Context, userID string, after *store.Position, limit int) ([]socialapi.FeedItem, error) {
	rs, err := s.store.Feed(ctx, s.db, userID, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]socialapi.FeedItem, len(rs))
	for i, r := range rs {
		out[i] = r.API()
	}
	return out, nil
}

// Counts returns a user's follow counts and their counts version.
func (s *Service) Counts(ctx context.Context, userID string) (socialapi.UserCounts, error) {
	c, err := s.store.GetCounts(ctx, s.db, userID)
	return c.API(), err
}
