// Package reviewsapi is the public face of the reviews service: the JSON wire
// types of its HTTP API, the payloads of the events it emits and a typed HTTP
// client. It is the only reviews package other services may import.
package reviewsapi

import "time"

// Rating bounds and body length (characters) of a review.
const (
	MinRating     = 1
	MaxRating     = 10
	MaxBodyLength = 10_000
)

// Author is who wrote a review, with their display name as it is now.
type Author struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"` // "" until the identity service's event about the user has arrived
}

// Review is one user's rating (1–10) and text about one movie.
type Review struct {
	ID         string    `json:"id"`
	MovieID    string    `json:"movie_id"`
	MovieTitle string    `json:"movie_title"` // "" until the catalog's event about the movie has arrived
	Author     Author    `json:"author"`
	Rating     int       `json:"rating"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ReviewWrite is the body of POST /api/movies/{id}/reviews and PUT /api/reviews/{id}.
// Rating is an integer 1..10; Body may be empty (a bare rating), at most
// MaxBodyLength characters, trimmed.
type ReviewWrite struct {
	Rating int    `json:"rating"`
	Body   string `json:"body"`
}

// Page is one page of a list: {"items": [...], "next_cursor": "..." | null}.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// ReviewPage is a page of GET /api/movies/{id}/reviews and GET /api/users/{id}/reviews.
type ReviewPage = Page[Review]

// RatingSummary aggregates the ratings of one movie: the same shape as the
// rating_summary of a movie document.
type RatingSummary struct {
	Average   *float64       `json:"average"` // null when Count is 0
	Count     int            `json:"count"`
	Histogram map[string]int `json:"histogram"` // keys "1".."10", all present
}

// HistogramKeys are the keys of a histogram, in rating order.
var HistogramKeys = [MaxRating]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}

// NewRatingSummary builds the summary of per-star counts (counts[0] is the
// number of 1s, counts[9] of 10s) whose ratings add up to sum.
func NewRatingSummary(counts [MaxRating]int, sum int64) RatingSummary {
	s := RatingSummary{Histogram: make(map[string]int, MaxRating)}
	for i, n := range counts {
		s.Histogram[HistogramKeys[i]] = n
		s.Count += n
	}
	if s.Count > 0 {
		avg := float64(sum) / float64(s.Count)
		s.Average = &avg
	}
	return s
}
