package httpx

import (
	"strconv"

	"github.com/google/uuid"
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

// ParseYear reads a year filter from the query values (0 when absent),
// adding a field error when it is not a year from 1800 to 3000.
func ParseYear(v *Validator, qv map[string][]string, field string) int {
	vals := qv[field]
	if len(vals) == 0 || vals[0] == "" {
		return 0
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil || n < 1800 || n > 3000 {
		v.Add(field, "must be a year from 1800 to 3000")
		return 0
	}
	return n
}
