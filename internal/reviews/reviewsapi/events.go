package reviewsapi

import "time"

// Source is the envelope source of every reviews event; the JetStream stream
// REVIEWS takes the subjects reviews.>.
const Source = "reviews"

// Event types (envelope type = NATS subject).
const (
	// ReviewSubmitted: a review was written (envelope subject: the review id).
	ReviewSubmitted = "reviews.review.submitted"
	// ReviewUpdated: its rating or body changed (a PUT that changes nothing emits nothing).
	ReviewUpdated = "reviews.review.updated"
	// ReviewDeleted: the review is gone (by its author, an administrator, or
	// because the author's account was deleted); DeletedAt is set.
	ReviewDeleted = "reviews.review.deleted"
	// MovieRatingChanged: the rating summary of a movie changed (envelope
	// subject: the movie id). Written in the same transaction as the review
	// change that caused it.
	MovieRatingChanged = "reviews.movie.rating_changed"
)

// ReviewEvent is the data of every reviews.review.* event: the review after
// the change. Version starts at 1 and grows by one on every change (the
// deletion included), so consumers keep the highest version per review id,
// drop older events that arrive late, and keep a tombstone for deleted ones
// (a late "updated" must not bring a deleted review back).
type ReviewEvent struct {
	ID                string     `json:"id"`
	MovieID           string     `json:"movie_id"`
	MovieTitle        string     `json:"movie_title"` // the title known to the reviews service at that time ("" if none yet)
	AuthorID          string     `json:"author_id"`
	AuthorDisplayName string     `json:"author_display_name"` // the author's name at that time ("" if not known yet)
	Rating            int        `json:"rating"`
	Body              string     `json:"body"`
	Version           int64      `json:"version"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	DeletedAt         *time.Time `json:"deleted_at"`
}

// RatingChangedEvent is the data of reviews.movie.rating_changed: the whole
// rating summary of the movie after the change. Version is per movie, +1 on
// every change of its summary, so consumers keep the highest and drop older
// events that arrive late.
type RatingChangedEvent struct {
	MovieID   string         `json:"movie_id"`
	Average   *float64       `json:"average"` // null when Count is 0
	Count     int            `json:"count"`
	Sum       int64          `json:"sum"`       // sum of all ratings (Average = Sum / Count)
	Histogram map[string]int `json:"histogram"` // "1".."10", all present
	Version   int64          `json:"version"`
}

// Summary is the rating summary the event carries.
func (e RatingChangedEvent) Summary() RatingSummary {
	return RatingSummary{Average: e.Average, Count: e.Count, Histogram: e.Histogram}
}
