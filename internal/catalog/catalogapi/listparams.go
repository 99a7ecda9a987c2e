package catalogapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// MovieSorts are the sorts of a movie list (?sort=), each with its default
// order: true for descending.
var MovieSorts = map[string]bool{"title": false, "year": true, "rating": true, "popularity": true, "created": true}

// MaxQueryLen is the longest ?q= a list takes, in characters.
const MaxQueryLen = 200

// ReadMovieList reads the filters, sort and order of a movie list request
// (the browse service's GET /api/movies and the catalog's admin list),
// adding a field error to v for each value out of bounds. Sort and Order
// are always set (title and its default order when absent); Genre is
// trimmed, not checked; IncludeDeleted, Limit and Cursor are the caller's.
func ReadMovieList(r *http.Request, v *httpx.Validator) MovieListParams {
	qv := r.URL.Query()
	var p MovieListParams
	p.Q = strings.TrimSpace(qv.Get("q"))
	if utf8.RuneCountInString(p.Q) > MaxQueryLen {
		v.Add("q", fmt.Sprintf("must be at most %d characters", MaxQueryLen))
	}
	p.Genre = strings.TrimSpace(qv.Get("genre"))
	p.YearFrom = httpx.ParseYear(v, qv, "year_from")
	p.YearTo = httpx.ParseYear(v, qv, "year_to")
	if p.YearFrom != 0 && p.YearTo != 0 && p.YearTo < p.YearFrom {
		v.Add("year_to", "must not be before year_from")
	}
	if p.Person = strings.TrimSpace(qv.Get("person")); p.Person != "" && !httpx.IsUUID(p.Person) {
		v.Add("person", "must be a person id")
	}
	if rm := qv.Get("rating_min"); rm != "" {
		f, err := strconv.ParseFloat(rm, 64)
		if err != nil || !(f >= 0 && f <= 10) { // NaN fails both comparisons
			v.Add("rating_min", "must be a number from 0 to 10")
		}
		p.RatingMin = f
	}
	if av := qv.Get("available"); av != "" {
		b, err := strconv.ParseBool(av)
		if err != nil {
			v.Add("available", "must be true or false")
		} else {
			p.Available = &b
		}
	}
	if p.Sort = qv.Get("sort"); p.Sort == "" {
		p.Sort = "title"
	}
	desc, ok := MovieSorts[p.Sort]
	if !ok {
		v.Add("sort", "must be one of title, year, rating, popularity, created")
	}
	_, p.Order = httpx.ParseOrder(v, qv.Get("order"), desc)
	return p
}
