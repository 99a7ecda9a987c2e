// Package socialapi is the public face of the social service: the JSON wire
// types of its HTTP API, the payloads of the events it emits and a typed HTTP
// client. It is the only social package other services may import.
package socialapi

import (
	"time"

	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// Follow is a user in a follow list (GET /api/users/{id}/followers and
// /following), and the answer of PUT /api/users/{id}/follow (the followed user).
type Follow struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"` // current; "" until identity's event about the user has arrived
	FollowedAt  time.Time `json:"followed_at"`  // when the follow began
}

// FeedItem is a review in GET /api/feed: the review shape of the reviews
// API, with the author's and the movie's current names.
type FeedItem = reviewsapi.Review

// Page is one page of a list: {"items": [...], "next_cursor": "..." | null}.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// FollowPage is a page of a follow list.
type FollowPage = Page[Follow]

// FeedPage is a page of the feed.
type FeedPage = Page[FeedItem]

// FollowPair is one follow for (*social.Service).ImportFollows, the bulk path
// of the demo community.
type FollowPair struct {
	FollowerID string
	FolloweeID string
	FollowedAt time.Time // now when zero
}

// WatchlistMovie is a movie as a watchlist shows it: what a movie card
// needs, from social's own copy of the catalog's and the reviews' events.
type WatchlistMovie struct {
	ID            string          `json:"id"`
	Title         string          `json:"title"`
	ReleaseDate   *string         `json:"release_date"` // YYYY-MM-DD, null when unknown
	PosterURL     *string         `json:"poster_url"`   // the catalog's, null when it has none
	RatingSummary WatchlistRating `json:"rating_summary"`
}

// WatchlistRating is a movie's rating summary without its histogram.
type WatchlistRating struct {
	Average *float64 `json:"average"` // null when Count is 0
	Count   int      `json:"count"`
}

// WatchlistItem is one movie on a user's list ("My list").
type WatchlistItem struct {
	Movie   WatchlistMovie `json:"movie"`
	AddedAt time.Time      `json:"added_at"`
}

// WatchlistPage is one page of GET /api/me/watchlist.
type WatchlistPage = Page[WatchlistItem]
