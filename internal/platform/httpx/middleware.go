package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/marquee-dev/marquee/internal/platform/obs"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middleware so the first listed is the outermost.
func Chain(h http.Handler, mw ...Middleware) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// statusRecorder remembers the status and size a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// SlowRequest is the duration from which a request is logged as a warning.
const SlowRequest = time.Second

// Observe gives each request an id (X-Request-Id, kept from the client when
// sane), a request-scoped logger, one JSON access-log line and the route metrics.
func Observe(log *slog.Logger, m *obs.Metrics) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := r.Header.Get("X-Request-Id")
			if id == "" || len(id) > 64 {
				id = newRequestID()
			}
			w.Header().Set("X-Request-Id", id)
			reqLog := log.With("request_id", id)
			route := new(string)
			ctx := context.WithValue(r.Context(), loggerKey{}, reqLog)
			r = r.WithContext(context.WithValue(ctx, routeKey{}, route))
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			elapsed := time.Since(start)
			if *route == "" {
				*route = "unmatched"
			}
			if m != nil {
				m.HTTPRequests.WithLabelValues(*route, r.Method, strconv.Itoa(rec.status)).Inc()
				m.HTTPDuration.WithLabelValues(*route, r.Method).Observe(elapsed.Seconds())
			}
			// Successful requests are routine (debug); failures and slow ones are news.
			level := slog.LevelDebug
			switch {
			case rec.status >= 500:
				level = slog.LevelError
			case elapsed >= SlowRequest:
				level = slog.LevelWarn
			case rec.status >= 400:
				level = slog.LevelInfo
			}
			reqLog.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", *route),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("remote", r.RemoteAddr))
		})
	}
}

type routeKey struct{}

// RecordRoute tells Observe which route pattern matched. The mux sets
// r.Pattern on the request it hands down, which middleware above it (holding
// an earlier copy of the request) cannot see; handlers call this instead.
func RecordRoute(r *http.Request) {
	if p, ok := r.Context().Value(routeKey{}).(*string); ok && r.Pattern != "" {
		*p = r.Pattern
	}
}

// Routed wraps a handler registered on a plain ServeMux so its pattern is recorded.
func Routed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		RecordRoute(r)
		h.ServeHTTP(w, r)
	})
}

// Request ids are a random per-process prefix and a counter: unique across
// processes, and far cheaper per request than reading the random source.
var (
	requestPrefix  = randomPrefix()
	requestCounter atomic.Uint64
)

func randomPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newRequestID() string {
	return requestPrefix + "-" + strconv.FormatUint(requestCounter.Add(1), 36)
}

// Recover turns a panic into a 500 problem without internals; the panic is logged.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				LoggerFrom(r.Context()).Error("panic in handler", "panic", p)
				WriteProblem(w, r, Problem{Status: http.StatusInternalServerError, Detail: "Something went wrong on our side; the request id is in the X-Request-Id header."})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Timeout bounds how long a handler's context lives.
func Timeout(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// LimitBody caps every request body at n bytes (uploads route around it with their own limit).
func LimitBody(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				WriteProblem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the request body is too large"})
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// NewServer returns an http.Server with timeouts that stop slow clients holding connections.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}
