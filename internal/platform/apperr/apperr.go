// Package apperr is the one set of error kinds the services' domain code
// returns: not found, conflict, invalid (naming the fields), unauthenticated,
// forbidden, rate limited and unavailable. Domain code says what went wrong;
// httpx.Error alone decides how that is answered (problem+json, status,
// headers), so no service picks an HTTP status outside its handlers.
package apperr

import (
	"errors"
	"strings"
	"time"
)

// The kinds. errors.Is(err, ErrNotFound) holds for a kind's sentinel and for
// every *Error of that kind.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalid         = errors.New("invalid")
	ErrUnauthenticated = errors.New("authentication required")
	ErrForbidden       = errors.New("forbidden")
	ErrRateLimited     = errors.New("too many requests")
	ErrUnavailable     = errors.New("unavailable")
)

var kinds = []error{ErrNotFound, ErrConflict, ErrInvalid, ErrUnauthenticated, ErrForbidden, ErrRateLimited, ErrUnavailable}

// FieldError names one invalid field and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is an error of one kind with what may be shown to the caller.
type Error struct {
	Kind       error         // one of the kinds above
	Detail     string        // safe to show the caller; empty takes the kind's wording
	Fields     []FieldError  // ErrInvalid: the fields at fault
	RetryAfter time.Duration // ErrRateLimited: when another attempt may succeed
	Cause      error         // matched by errors.Is/As and logged, never shown
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, fe := range e.Fields {
			parts[i] = fe.Field + ": " + fe.Reason
		}
		return "invalid request: " + strings.Join(parts, "; ")
	}
	if e.Detail != "" {
		return e.Detail
	}
	if e.Kind == nil {
		return "error"
	}
	return e.Kind.Error()
}

func (e *Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Kind, e.Cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// KindOf is the kind of err (one of the sentinels), or nil for an error of
// no kind: a failure the caller cannot act on.
func KindOf(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind != nil {
		return e.Kind
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// NotFound says what does not exist ("movie" → "movie not found").
func NotFound(what string) *Error { return &Error{Kind: ErrNotFound, Detail: what + " not found"} }

// Conflict says why the request conflicts with the current state.
func Conflict(detail string) *Error { return &Error{Kind: ErrConflict, Detail: detail} }

// Forbidden says why the caller may not do this.
func Forbidden(detail string) *Error { return &Error{Kind: ErrForbidden, Detail: detail} }

// Unauthenticated says why the caller's credentials are not accepted.
func Unauthenticated(detail string) *Error { return &Error{Kind: ErrUnauthenticated, Detail: detail} }

// RateLimited is an attempt over a limit; another may succeed after retryAfter.
func RateLimited(retryAfter time.Duration) *Error {
	return &Error{Kind: ErrRateLimited, RetryAfter: retryAfter}
}

// Unavailable says what cannot be reached now; a later attempt may succeed.
func Unavailable(detail string) *Error { return &Error{Kind: ErrUnavailable, Detail: detail} }

// Invalid is one invalid field.
func Invalid(field, reason string) *Error {
	return &Error{Kind: ErrInvalid, Fields: []FieldError{{field, reason}}}
}

// WithCause is e with cause attached (for errors.Is and the logs).
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// Validator collects invalid fields; Err returns nil when there are none.
type Validator struct{ fields []FieldError }

// Add records that field is invalid for reason.
func (v *Validator) Add(field, reason string) { v.fields = append(v.fields, FieldError{field, reason}) }

// Check records reason for field when ok is false.
func (v *Validator) Check(ok bool, field, reason string) {
	if !ok {
		v.Add(field, reason)
	}
}

// Err is an ErrInvalid naming the collected fields, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: ErrInvalid, Fields: v.fields}
}
