package httpx

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/platform/auth"
)

// IsUUID reports whether s is a UUID in its canonical 36-character form
// (every id the platform hands out).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// ParseOrder reads ?order= (asc or desc; empty takes def: true for desc)
// and returns it with its name, adding a field error for anything else.
func ParseOrder(v *Validator, s string, def bool) (desc bool, name string) {
	switch s {
	case "":
		desc = def
	case "asc":
		desc = false
	case "desc":
		desc = true
	default:
		v.Add("order", "must be asc or desc")
		desc = def
	}
	if desc {
		return true, "desc"
	}
	return false, "asc"
}

// The years a year filter accepts.
const (
	MinYear = 1800
	MaxYear = 3000
)

// ParseYear reads a year filter from the query values (0 when absent),
// adding a field error when it is not a year from MinYear to MaxYear.
func ParseYear(v *Validator, qv map[string][]string, field string) int {
	vals := qv[field]
	if len(vals) == 0 || vals[0] == "" {
		return 0
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil || n < MinYear || n > MaxYear {
		v.Add(field, fmt.Sprintf("must be a year from %d to %d", MinYear, MaxYear))
		return 0
	}
	return n
}

// IsAdmin reports whether the request's caller is an administrator.
func IsAdmin(r *http.Request) bool {
	p, ok := auth.FromContext(r.Context())
	return ok && p.IsAdmin()
}

// IncludeDeleted reads ?include_deleted= (a boolean, else a field error). It
// is true only for administrators: for anyone else deleted documents stay
// invisible.
func IncludeDeleted(r *http.Request, v *Validator) bool {
	s := r.URL.Query().Get("include_deleted")
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.Add("include_deleted", "must be true or false")
		return false
	}
	return b && IsAdmin(r)
}
