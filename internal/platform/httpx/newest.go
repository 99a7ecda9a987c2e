package httpx

import (
	"net/http"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// newestCursor is a sqldb.Position as clients hold it (inside the opaque cursor).
type newestCursor struct {
	At string `json:"t"`
	ID string `json:"i"`
}

// ReadNewestFirst reads ?limit= and ?cursor= of a newest-first list; after
// is nil on the first page. A cursor that is not a position is a 400 naming "cursor".
func ReadNewestFirst(r *http.Request) (limit int, after *sqldb.Position, err error) {
	if limit, err = ParseLimit(r); err != nil {
		return 0, nil, err
	}
	var c newestCursor
	ok, err := DecodeCursor(r, &c)
	if err != nil || !ok {
		return limit, nil, err
	}
	t, perr := sqldb.ParseTime(c.At)
	if perr != nil || c.ID == "" {
		return 0, nil, Invalid(http.StatusBadRequest, "cursor", "is not a cursor this list gave out")
	}
	return limit, &sqldb.Position{At: t, ID: c.ID}, nil
}

// NewestFirstPage is NewPage for a newest-first list read with
// ReadNewestFirst: the next cursor holds the position of the last item shown.
func NewestFirstPage[T any](items []T, limit int, positionOf func(last T) sqldb.Position) (Page[T], error) {
	return NewPage(items, limit, func(last T) any {
		p := positionOf(last)
		return newestCursor{At: sqldb.FormatTime(p.At), ID: p.ID}
	})
}

// ServeNewestFirst answers a newest-first list: it reads ?limit= and
// ?cursor=, asks list for up to limit+1 items after the position, and writes
// the page.
func ServeNewestFirst[T any](w http.ResponseWriter, r *http.Request, list func(after *sqldb.Position, limit int) ([]T, error), positionOf func(last T) sqldb.Position) error {
	limit, after, err := ReadNewestFirst(r)
	if err != nil {
		return err
	}
	items, err := list(after, limit+1)
	if err != nil {
		return err
	}
	page, err := NewestFirstPage(items, limit, positionOf)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}
