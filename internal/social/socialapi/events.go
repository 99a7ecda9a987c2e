package socialapi

import "time"

// Source is the envelope source of every social event; the JetStream stream
// SOCIAL takes the subjects social.>.
const Source = "social"

// Event types (envelope type = NATS subject). The envelope subject is
// "<follower_id>:<followee_id>". An event is emitted only when something
// changed: following someone already followed, or unfollowing someone not
// followed, emits nothing.
const (
	FollowCreated = "social.follow.created"
	// FollowDeleted: an unfollow, or the follow ended because one of the two
	// accounts was deleted; DeletedAt is set.
	FollowDeleted = "social.follow.deleted"
)

// FollowEvent is the data of social.follow.created and social.follow.deleted.
//
// Version is per (follower, followee) pair: +1 on every follow and unfollow of
// that pair, never reset, so the newest state of a pair is the highest version.
//
// The counts are absolute: the follow counts of BOTH users after the change,
// each user's pair with its own CountsVersion, which grows by one on every
// change of either count of that user (whichever pair changed it). A consumer
// showing counts keeps, per user, the counts with the highest CountsVersion
// it has seen and ignores lower or equal ones:
//
//	for _, c := range ev.Counts() {
//		UPDATE profiles SET followers_count = c.FollowersCount, following_count = c.FollowingCount,
//			counts_version = c.CountsVersion WHERE id = c.UserID AND counts_version < c.CountsVersion
//	}
//
// so duplicates and events arriving out of order leave the newest counts.
type FollowEvent struct {
	FollowerID string     `json:"follower_id"`
	FolloweeID string     `json:"followee_id"`
	Version    int64      `json:"version"`     // of the pair
	FollowedAt time.Time  `json:"followed_at"` // when this follow began
	DeletedAt  *time.Time `json:"deleted_at"`  // when it ended (social.follow.deleted)

	FollowerFollowingCount int   `json:"follower_following_count"`
	FollowerFollowersCount int   `json:"follower_followers_count"`
	FollowerCountsVersion  int64 `json:"follower_counts_version"`
	FolloweeFollowersCount int   `json:"followee_followers_count"`
	FolloweeFollowingCount int   `json:"followee_following_count"`
	FolloweeCountsVersion  int64 `json:"followee_counts_version"`
}

// UserCounts are one user's follow counts at a counts version.
type UserCounts struct {
	UserID         string `json:"user_id"`
	FollowersCount int    `json:"followers_count"`
	FollowingCount int    `json:"following_count"`
	CountsVersion  int64  `json:"counts_version"` // 0: the user never followed or was followed
}

// Counts are the follower's and the followee's counts after the change.
func (e FollowEvent) Counts() [2]UserCounts {
	return [2]UserCounts{
		{UserID: e.FollowerID, FollowersCount: e.FollowerFollowersCount, FollowingCount: e.FollowerFollowingCount, CountsVersion: e.FollowerCountsVersion},
		{UserID: e.FolloweeID, FollowersCount: e.FolloweeFollowersCount, FollowingCount: e.FolloweeFollowingCount, CountsVersion: e.FolloweeCountsVersion},
	}
}

// Watchlist event types; the envelope subject is "<user_id>:<movie_id>".
// Emitted only on a change: adding a movie already on the list, or removing
// one that is not, emits nothing.
const (
	WatchlistAdded   = "social.watchlist.added"
	WatchlistRemoved = "social.watchlist.removed"
)

// WatchlistEvent is the data of social.watchlist.added and .removed. Of two
// events about one (user, movie), the later At is the newer state.
type WatchlistEvent struct {
	UserID     string    `json:"user_id"`
	MovieID    string    `json:"movie_id"`
	MovieTitle string    `json:"movie_title"`
	OnList     bool      `json:"on_list"` // true after added, false after removed
	At         time.Time `json:"at"`      // when it was added or removed
}
