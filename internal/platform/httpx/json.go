package httpx

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MaxBodyBytes bounds a JSON request body.
const MaxBodyBytes = 1 << 20

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteProblem(w, nil, Problem{Status: http.StatusInternalServerError, Detail: "response could not be encoded"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// DecodeJSON reads one JSON object from the body into dst. Errors are 400
// ValidationErrors naming the field where the JSON decoder can tell it.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasSuffix(strings.Split(ct, ";")[0], "+json") {
		return &StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send the body as application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err := dec.Decode(dst); err != nil {
		var (
			syntaxErr *json.SyntaxError
			typeErr   *json.UnmarshalTypeError
			maxErr    *http.MaxBytesError
		)
		switch {
		case errors.As(err, &maxErr):
			return &StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes)}
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "body"
			}
			return Invalid(http.StatusBadRequest, field, "must be a "+jsonKind(typeErr.Type.Kind().String()))
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
			return Invalid(http.StatusBadRequest, "body", "is not valid JSON")
		case errors.Is(err, io.EOF):
			return Invalid(http.StatusBadRequest, "body", "is empty; a JSON object is required")
		default:
			return Invalid(http.StatusBadRequest, "body", err.Error())
		}
	}
	if dec.More() {
		return Invalid(http.StatusBadRequest, "body", "must hold a single JSON object")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "uint", "uint64", "float64", "float32":
		return "number"
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	}
	return k
}

// Page is the list answer of DESIGN.md §4.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// NewPage builds a page; items may hold limit+1 rows: the extra one means
// there is a next page, whose cursor cursorOf makes from the last item shown.
func NewPage[T any](items []T, limit int, cursorOf func(last T) any) (Page[T], error) {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) > limit {
		p.Items = items[:limit]
		c, err := EncodeCursor(cursorOf(p.Items[limit-1]))
		if err != nil {
			return p, err
		}
		p.NextCursor = &c
	}
	return p, nil
}

// ParseLimit reads ?limit= (default 20, 1..100; otherwise a 400 naming "limit").
func ParseLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100 {
		return 0, Invalid(http.StatusBadRequest, "limit", "must be an integer from 1 to 100")
	}
	return n, nil
}

// EncodeCursor makes an opaque cursor from a position value.
func EncodeCursor(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// DecodeCursor reads ?cursor= into dst; ok is false when there is none. A
// cursor that does not decode is a 400 naming "cursor".
func DecodeCursor(r *http.Request, dst any) (ok bool, err error) {
	s := r.URL.Query().Get("cursor")
	if s == "" {
		return false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(raw, dst) != nil {
		return false, Invalid(http.StatusBadRequest, "cursor", "is not a cursor this list gave out")
	}
	return true, nil
}

// SortedCursor is the position in a keyset-paginated list: the sort and
// order it belongs to, and the sort key of the last item shown.
type SortedCursor struct {
	Sort  string   `json:"s"`
	Order string   `json:"o"`
	Key   []string `json:"k"`
}

// ReadSortedCursor decodes ?cursor= into a key; nil when there is none. A
// cursor from a list with another sort or order is a 400 naming "cursor".
func ReadSortedCursor(r *http.Request, sort, order string) ([]string, error) {
	var c SortedCursor
	ok, err := DecodeCursor(r, &c)
	if err != nil || !ok {
		return nil, err
	}
	if c.Sort != sort || c.Order != order || len(c.Key) == 0 {
		return nil, Invalid(http.StatusBadRequest, "cursor", "belongs to a list with another sort or order")
	}
	return c.Key, nil
}
