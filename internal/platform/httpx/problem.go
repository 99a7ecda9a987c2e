// Package httpx is the HTTP plumbing every service shares: RFC 9457
// problem+json errors, JSON in and out, cursor pagination, middleware and a
// router on which every route declares who may call it.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
)

// The error kinds of package apperr under the names the handlers and the
// typed clients know them by; Error maps every kind to its status.
var (
	ErrNotFound     = apperr.ErrNotFound
	ErrConflict     = apperr.ErrConflict
	ErrUnauthorized = apperr.ErrUnauthenticated
	ErrForbidden    = apperr.ErrForbidden
	ErrRateLimited  = apperr.ErrRateLimited
	ErrUnavailable  = apperr.ErrUnavailable
)

// FieldError names one invalid field and why.
type FieldError = apperr.FieldError

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// ValidationError carries field errors; Status is 400 for malformed requests
// (bad query parameters, unreadable JSON) and 422 for well-formed but invalid content.
type ValidationError struct {
	Status int
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Field + ": " + fe.Reason
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Validator collects field errors; Err returns nil when there are none.
type Validator struct {
	Status int
	errs   []FieldError
}

// Add records that field is invalid for reason.
func (v *Validator) Add(field, reason string) {
	v.errs = append(v.errs, FieldError{Field: field, Reason: reason})
}

// Check records reason for field when ok is false.
func (v *Validator) Check(ok bool, field, reason string) {
	if !ok {
		v.Add(field, reason)
	}
}

// Err is the collected ValidationError, or nil.
func (v *Validator) Err() error {
	if len(v.errs) == 0 {
		return nil
	}
	status := v.Status
	if status == 0 {
		status = http.StatusUnprocessableEntity
	}
	return &ValidationError{Status: status, Errors: v.errs}
}

// Invalid is a one-field ValidationError with the given status.
func Invalid(status int, field, reason string) error {
	return &ValidationError{Status: status, Errors: []FieldError{{Field: field, Reason: reason}}}
}

// StatusError is an error with a status and a message safe to show to clients.
type StatusError struct {
	Status int
	Detail string
	Err    error // the sentinel it stands for, for errors.Is
}

func (e *StatusError) Error() string { return e.Detail }
func (e *StatusError) Unwrap() error { return e.Err }

// Errorf builds an error that Error answers with status and the formatted detail.
func Errorf(status int, format string, args ...any) error {
	return &StatusError{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// NotFound is apperr.NotFound: an error naming what was not found.
func NotFound(what string) error { return apperr.NotFound(what) }

// Conflict is apperr.Conflict.
func Conflict(detail string) error { return apperr.Conflict(detail) }

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if r != nil && p.Instance == "" {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Error answers err as a problem: the one place where errors become
// statuses. Errors of an apperr kind get the kind's status; unknown errors
// become a 500 without internals, the real error logged with the request id.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ve *ValidationError
		se *StatusError
	)
	switch {
	case errors.As(err, &ve):
		detail := "The request has invalid fields."
		if ve.Status == http.StatusBadRequest {
			detail = "The request is malformed."
		}
		WriteProblem(w, r, Problem{Type: "/problems/validation", Title: "Invalid request", Status: ve.Status, Detail: detail, Errors: ve.Errors})
	case errors.As(err, &se):
		WriteProblem(w, r, Problem{Status: se.Status, Detail: se.Detail})
	case apperr.KindOf(err) != nil:
		writeKind(w, r, err)
	case errors.Is(err, context.Canceled):
		// the client went away; nobody reads this answer
		WriteProblem(w, r, Problem{Status: 499, Title: "Client Closed Request"})
	case errors.Is(err, context.DeadlineExceeded):
		WriteProblem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "The request took too long."})
	default:
		LoggerFrom(r.Context()).Error("request failed", "error", err.Error())
		WriteProblem(w, r, Problem{Status: http.StatusInternalServerError, Detail: "Something went wrong on our side; the request id is in the X-Request-Id header."})
	}
}

// kindStatus is the status of each apperr kind, and the detail when the error has none.
var kindStatus = map[error]struct {
	status int
	detail string
}{
	apperr.ErrNotFound:        {http.StatusNotFound, "The resource does not exist."},
	apperr.ErrConflict:        {http.StatusConflict, "The request conflicts with the current state."},
	apperr.ErrInvalid:         {http.StatusUnprocessableEntity, "The request has invalid fields."},
	apperr.ErrUnauthenticated: {http.StatusUnauthorized, "A valid access token is required."},
	apperr.ErrForbidden:       {http.StatusForbidden, "You may not do this."},
	apperr.ErrRateLimited:     {http.StatusTooManyRequests, "Too many attempts; try again later."},
	apperr.ErrUnavailable:     {http.StatusServiceUnavailable, "The service is unavailable; try again later."},
}

func writeKind(w http.ResponseWriter, r *http.Request, err error) {
	kind := apperr.KindOf(err)
	ks := kindStatus[kind]
	p := Problem{Status: ks.status, Detail: ks.detail}
	var e *apperr.Error
	if errors.As(err, &e) {
		if e.Detail != "" {
			p.Detail = e.Detail
		}
		p.Errors = e.Fields
		if e.RetryAfter > 0 {
			secs := max(int(math.Ceil(e.RetryAfter.Seconds())), 1) // whole seconds, rounded up
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			if e.Detail == "" {
				p.Detail = fmt.Sprintf("Too many attempts; try again in %d seconds.", secs)
			}
		}
	}
	switch kind {
	case apperr.ErrInvalid:
		p.Type, p.Title = "/problems/validation", "Invalid request"
	case apperr.ErrUnauthenticated:
		w.Header().Set("WWW-Authenticate", `Bearer realm="marquee"`)
	case apperr.ErrConflict:
		if e == nil {
			p.Detail = err.Error() // a bare conflict's text is its explanation, as before
		}
	}
	WriteProblem(w, r, p)
}

// LoggerFrom returns the request-scoped logger (with the request id), or the default.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*requestLogger); ok {
		return l.get()
	}
	return slog.Default()
}

type loggerKey struct{}
