package reviews

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

const ratingReason = "must be an integer from 1 to 10"

// validateReview trims and checks w in place: rating 1..10, body at most
// reviewsapi.MaxBodyLength characters (after trimming; empty is allowed), valid
// UTF-8, no control characters other than line breaks and tabs.
func validateReview(w *reviewsapi.ReviewWrite) error {
	var v apperr.Validator
	if w.Rating < reviewsapi.MinRating || w.Rating > reviewsapi.MaxRating {
		v.Add("rating", ratingReason)
	}
	checkBody(&v, &w.Body)
	return v.Err()
}

func checkBody(v *apperr.Validator, body *string) {
	*body = strings.TrimSpace(*body)
	s := *body
	if !utf8.ValidString(s) {
		v.Add("body", "must be valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > reviewsapi.MaxBodyLength {
		v.Add("body", fmt.Sprintf("must be at most %d characters (it has %d)", reviewsapi.MaxBodyLength, n))
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			v.Add("body", "must not contain control characters other than line breaks and tabs")
			return
		}
	}
}
