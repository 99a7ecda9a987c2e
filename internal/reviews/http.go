package reviews

import (
	"encoding/json"
	"math"
	"net/http"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/idempotency"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/reviews/reviewsapi"
)

// Routes registers the reviews HTTP API on rt. Reads are open to anyone;
// submitting needs a signed-in user; changing a review needs its author
// (deleting: its author or an administrator).
func (s *Service) Routes(rt *httpx.Router) {
	rt.Handle("GET /api/movies/{id}/reviews", auth.Public, s.handleListByMovie)
	rt.Handle("POST /api/movies/{id}/reviews", auth.Signed, idempotency.Wrap(s.db, s.handleSubmit))
	rt.Handle("GET /api/reviews/{id}", auth.Public, s.handleGet)
	rt.Handle("PUT /api/reviews/{id}", auth.Owner, s.handleUpdate)
	rt.Handle("DELETE /api/reviews/{id}", auth.Owner, s.handleDelete)
	rt.Handle("GET /api/users/{id}/reviews", auth.Public, s.handleListByUser)
}

// reviewInput is the body of a review write as sent, so a rating that is not
// an integer is a 422 naming the field (not a JSON decoding error).
type reviewInput struct {
	Rating json.RawMessage `json:"rating"`
	Body   json.RawMessage `json:"body"`
}

func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// decodeReviewWrite reads and validates the body of POST and PUT.
func decodeReviewWrite(w http.ResponseWriter, r *http.Request) (reviewsapi.ReviewWrite, error) {
	var in reviewInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return reviewsapi.ReviewWrite{}, err
	}
	var out reviewsapi.ReviewWrite
	var v apperr.Validator
	if !present(in.Rating) {
		v.Add("rating", "is required ("+ratingReason+")")
	} else {
		var f float64
		if err := json.Unmarshal(in.Rating, &f); err != nil || f != math.Trunc(f) ||
			f < reviewsapi.MinRating || f > reviewsapi.MaxRating {
			v.Add("rating", ratingReason)
		} else {
			out.Rating = int(f)
		}
	}
	if present(in.Body) {
		if err := json.Unmarshal(in.Body, &out.Body); err != nil {
			v.Add("body", "must be a string")
		} else {
			checkBody(&v, &out.Body)
		}
	}
	return out, v.Err()
}

func (s *Service) handleSubmit(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	in, err := decodeReviewWrite(w, r)
	if err != nil {
		return err
	}
	rev, err := s.Submit(r.Context(), caller.UserID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/reviews/"+rev.ID)
	httpx.WriteJSON(w, http.StatusCreated, rev)
	return nil
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	rev, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rev)
	return nil
}

func (s *Service) handleUpdate(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	in, err := decodeReviewWrite(w, r)
	if err != nil {
		return err
	}
	rev, err := s.Update(r.Context(), caller, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rev)
	return nil
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	if err := s.Delete(r.Context(), caller, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func reviewPosition(last reviewsapi.Review) sqldb.Position {
	return sqldb.Position{At: last.CreatedAt, ID: last.ID}
}

func (s *Service) handleListByMovie(w http.ResponseWriter, r *http.Request) error {
	return httpx.ServeNewestFirst(w, r, func(after *sqldb.Position, limit int) ([]reviewsapi.Review, error) {
		return s.ListByMovie(r.Context(), r.PathValue("id"), after, limit)
	}, reviewPosition)
}

func (s *Service) handleListByUser(w http.ResponseWriter, r *http.Request) error {
	return httpx.ServeNewestFirst(w, r, func(after *sqldb.Position, limit int) ([]reviewsapi.Review, error) {
		return s.ListByAuthor(r.Context(), r.PathValue("id"), after, limit)
	}, reviewPosition)
}
