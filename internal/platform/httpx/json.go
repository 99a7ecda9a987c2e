package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
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
// ValidationErrors naming the field where the JSON decoder can tell it: a
// field dst does not have, a value of the wrong type, invalid UTF-8 (which
// encoding/json would silently replace). A body that is not declared as
// application/json is a 415.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return &StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes)}
		}
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Invalid(http.StatusBadRequest, "body", "is empty; a JSON object is required")
	}
	if err := requireJSON(r); err != nil {
		return err
	}
	if err := checkUTF8(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var (
			syntaxErr *json.SyntaxError
			typeErr   *json.UnmarshalTypeError
		)
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "body"
			}
			return Invalid(http.StatusBadRequest, field, "must be a "+jsonKind(typeErr.Type.Kind().String()))
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
			return Invalid(http.StatusBadRequest, "body", "is not valid JSON")
		default:
			if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				if n, uerr := strconv.Unquote(name); uerr == nil {
					name = n
				}
				return Invalid(http.StatusBadRequest, name, "is not a known field")
			}
			return Invalid(http.StatusBadRequest, "body", err.Error())
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Invalid(http.StatusBadRequest, "body", "must hold a single JSON object")
	}
	return nil
}

// requireJSON answers 415 unless the body is declared as application/json
// (in UTF-8, the only encoding JSON may use between systems: RFC 8259).
// A missing Content-Type is refused too: guessing is how a form post or a
// text/plain "simple request" from another site would get in.
func requireJSON(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	charset, hasCharset := params["charset"]
	if err != nil || mt != jsonMediaType || (hasCharset && !strings.EqualFold(charset, "utf-8")) {
		return &StatusError{Status: http.StatusUnsupportedMediaType, Detail: "Send the body as application/json."}
	}
	return nil
}

// checkUTF8 refuses invalid UTF-8, which encoding/json would otherwise
// replace with U+FFFD: the stored text would not be what the client sent.
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	at := 0
	for at < len(data) {
		r, size := utf8.DecodeRune(data[at:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		at += size
	}
	return Invalid(http.StatusBadRequest, "body", fmt.Sprintf("is not valid UTF-8 (at byte %d)", at))
}

// decodeStrict decodes a whole JSON document for schema validation:
// numbers kept exact, one value only, UTF-8 checked.
func decodeStrict(data []byte) (any, error) {
	if err := checkUTF8(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, Invalid(http.StatusBadRequest, "body", "is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Invalid(http.StatusBadRequest, "body", "must hold a single JSON value")
	}
	return v, nil
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

// Page sizes of every list (the documents' Limit parameter says the same;
// a test of each service compares them).
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// ParseLimit reads ?limit= (default DefaultLimit, 1..MaxLimit; otherwise a 400 naming "limit").
func ParseLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, Invalid(http.StatusBadRequest, "limit", fmt.Sprintf("must be an integer from 1 to %d", MaxLimit))
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

// DecodeCursor reads ?cursor= into dst (a pointer); ok is false when there
// is none. A cursor that does not decode, or decodes to nothing (null, "",
// {}: no list gives those out), is a 400 naming "cursor".
func DecodeCursor(r *http.Request, dst any) (ok bool, err error) {
	s := r.URL.Query().Get("cursor")
	if s == "" {
		return false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(raw, dst) != nil || reflect.ValueOf(dst).Elem().IsZero() {
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
