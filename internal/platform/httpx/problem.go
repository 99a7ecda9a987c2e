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
	"net/http"
	"strings"
)

// Sentinel errors that handlers and services return; Error maps them to statuses.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrUnauthorized = errors.New("authentication required")
	ErrForbidden    = errors.New("forbidden")
	ErrRateLimited  = errors.New("too many requests")
)

// FieldError names one invalid field and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

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
func (v *Validator) Add(field, reason string) { v.errs = append(v.errs, FieldError{field, reason}) }

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
	return &ValidationError{Status: status, Errors: []FieldError{{field, reason}}}
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

// NotFound is a 404 error naming what was not found.
func NotFound(what string) error {
	return &StatusError{Status: http.StatusNotFound, Detail: what + " not found", Err: ErrNotFound}
}

// Conflict is a 409 error.
func Conflict(detail string) error {
	return &StatusError{Status: http.StatusConflict, Detail: detail, Err: ErrConflict}
}

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

// Error answers err as a problem. Unknown errors become a 500 without
// internals; the real error is logged with the request id.
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
	case errors.Is(err, ErrNotFound):
		WriteProblem(w, r, Problem{Status: http.StatusNotFound, Detail: "The resource does not exist."})
	case errors.Is(err, ErrUnauthorized):
		w.Header().Set("WWW-Authenticate", `Bearer realm="marquee"`)
		WriteProblem(w, r, Problem{Status: http.StatusUnauthorized, Detail: "A valid access token is required."})
	case errors.Is(err, ErrForbidden):
		WriteProblem(w, r, Problem{Status: http.StatusForbidden, Detail: "You may not do this."})
	case errors.Is(err, ErrConflict):
		WriteProblem(w, r, Problem{Status: http.StatusConflict, Detail: err.Error()})
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

// LoggerFrom returns the request-scoped logger (with the request id), or the default.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

type loggerKey struct{}
