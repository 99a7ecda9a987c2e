package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
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

// ReadFrom keeps the server's own ReadFrom in reach: http.ServeContent copies
// a file with io.Copy, which on the server's writer is sendfile, and through
// a wrapper without ReadFrom a copy through user space (3× the CPU time per
// 1 MiB segment, see docs/BENCHMARKS.md).
func (s *statusRecorder) ReadFrom(r io.Reader) (int64, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := io.Copy(s.ResponseWriter, r)
	s.bytes += int(n)
	return n, err
}

// SlowRequest is the duration from which a request is logged as a warning.
const SlowRequest = time.Second

// Observe gives each request an id (X-Request-Id, kept from the client or
// the gateway when short and plain), trace context (W3C traceparent: the
// caller's trace continued, or a new one), a request-scoped logger with both,
// one JSON access-log line and the route metrics. Calls to other services
// carry the id and the trace on (see Propagate), so the log lines of one
// request join by request_id across processes.
func Observe(log *slog.Logger, m *obs.Metrics) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := r.Header.Get(RequestIDHeader)
			if !plainRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set(RequestIDHeader, id)
			tr := continueTrace(r.Header.Get(TraceparentHeader))
			reqLog := &requestLogger{base: log, id: id, traceID: tr.traceID}
			route := new(string)
			ctx := context.WithValue(r.Context(), loggerKey{}, reqLog)
			ctx = context.WithValue(ctx, requestKey{}, requestInfo{id: id, trace: tr})
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
			if !log.Enabled(r.Context(), level) {
				return
			}
			reqLog.get().LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", *route),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("remote", r.RemoteAddr), slog.String("client", ClientIP(r).String()))
		})
	}
}

// requestLogger is a request's logger, with its id and trace, made on first
// use: most requests log nothing (a segment served is a debug line), and
// making it costs a few µs of the budget of a /stream request.
type requestLogger struct {
	once        sync.Once
	base        *slog.Logger
	id, traceID string
	log         *slog.Logger
}

func (l *requestLogger) get() *slog.Logger {
	l.once.Do(func() { l.log = l.base.With("request_id", l.id, "trace_id", l.traceID) })
	return l.log
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

// Headers that carry a request across processes.
const (
	RequestIDHeader   = "X-Request-Id"
	TraceparentHeader = "traceparent" // W3C Trace Context
)

// plainRequestID reports whether a client's request id may be kept: 1 to 64
// letters, digits, '-', '_' or '.'. Anything else (spaces, quotes, control
// characters, a novel) would end up in logs and other services' headers.
func plainRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

type requestKey struct{}

type requestInfo struct {
	id    string
	trace trace
}

// trace is this hop's W3C trace context: the trace it belongs to, the span
// id it hands to the calls it makes, and the caller's flags.
type trace struct {
	traceID string // 32 lower-case hex digits
	spanID  string // 16 lower-case hex digits
	flags   string // 2 hex digits
}

// continueTrace continues the caller's trace (a valid version-00 traceparent)
// with a new span id for this hop, or starts a new, unsampled trace.
func continueTrace(header string) trace {
	t := trace{spanID: randomHex(8), flags: "00"}
	parts := strings.Split(strings.TrimSpace(header), "-")
	if len(parts) == 4 && parts[0] == "00" && isHex(parts[1], 32) && isHex(parts[2], 16) && isHex(parts[3], 2) &&
		strings.Trim(parts[1], "0") != "" && strings.Trim(parts[2], "0") != "" {
		t.traceID, t.flags = parts[1], parts[3]
		return t
	}
	t.traceID = randomHex(16)
	return t
}

func (t trace) header() string { return "00-" + t.traceID + "-" + t.spanID + "-" + t.flags }

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// randomHex is n random bytes in hex; trace ids need uniqueness, not secrecy,
// so the fast generator will do.
func randomHex(n int) string {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := mrand.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v >> (8 * (j - i)))
		}
	}
	return hex.EncodeToString(b)
}

// RequestID is the id Observe gave the request ("" outside a request).
func RequestID(ctx context.Context) string {
	info, _ := ctx.Value(requestKey{}).(requestInfo)
	return info.id
}

// Propagate puts the request's id and trace context on an outgoing request
// to another service (the gateway's proxy and the typed clients call it), so
// the callee logs under the same id and continues the trace. Outside a
// request it does nothing.
func Propagate(ctx context.Context, h http.Header) {
	info, ok := ctx.Value(requestKey{}).(requestInfo)
	if !ok {
		return
	}
	h.Set(RequestIDHeader, info.id)
	h.Set(TraceparentHeader, info.trace.header())
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

// Timeout bounds how long a handler's context lives. An upload's PATCH is
// bounded by its progress instead (see UploadProgress): a film on a slow
// link takes hours.
func Timeout(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isUploadChunk(r) {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// tusChunk is the media type of a tus PATCH body: an upload's bytes, which
// the upload handler limits itself (to the length the upload declared, at
// most its configured maximum).
const tusChunk = "application/offset+octet-stream"

// LimitBody caps every request body at n bytes; uploads (tus PATCH) route
// around it with their own limit.
func LimitBody(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isUploadChunk(r) {
				next.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > n {
				WriteProblem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the request body is too large"})
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// isUploadChunk reports whether r is a tus PATCH carrying an upload's bytes.
func isUploadChunk(r *http.Request) bool {
	return r.Method == http.MethodPatch && r.Header.Get("Content-Type") == tusChunk
}

// UploadProgress lets an upload's PATCH last as long as its bytes keep
// coming, in place of the server's read timeout for the whole request: each
// read of the body must arrive within idle, and the answer may be written
// until 2×idle after the last one (what tusd does with its NetworkTimeout in
// the process that stores the bytes; a gateway that only passes them on
// needs the same). A client that stalls for idle is cut, and its upload
// resumes from the offset the server kept. Other requests keep the server's
// timeouts. It must see the server's ResponseWriter (or wrappers with Unwrap).
func UploadProgress(idle time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isUploadChunk(r) && r.Body != nil && r.Body != http.NoBody {
				b := &progressBody{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: idle}
				b.extend()
				r.Body = b
				r = r.WithContext(context.WithValue(r.Context(), progressKey{}, b))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// progressBody moves the connection's deadlines on with every read that brings bytes.
type progressBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.received()
	} else if n > 0 {
		b.extend()
	}
	return n, err
}

// received lifts the deadlines once every byte has arrived: the answer may
// take a while (the upload is checked and stored before it), and net/http,
// reading ahead for the next request meanwhile, would cancel this request's
// context when a read deadline passed. The answer is a few headers.
func (b *progressBody) received() {
	_ = b.rc.SetReadDeadline(time.Time{})
	_ = b.rc.SetWriteDeadline(time.Time{})
}

type progressKey struct{}

// UploadReceived tells the connection of an upload's PATCH (see
// UploadProgress) that its bytes have all arrived, as reading the body to
// its end does; for handlers that set deadlines of their own after that
// (tusd moves them on after its last read too).
func UploadReceived(ctx context.Context) {
	if b, ok := ctx.Value(progressKey{}).(*progressBody); ok {
		b.received()
	}
}

func (b *progressBody) extend() {
	now := time.Now()
	// ErrNotSupported (a writer that cannot reach the connection) leaves the server's timeouts
	_ = b.rc.SetReadDeadline(now.Add(b.idle))
	_ = b.rc.SetWriteDeadline(now.Add(2 * b.idle))
}

// DefaultReadTimeout is the server's read timeout when none is configured.
const DefaultReadTimeout = 60 * time.Second

// NewServer returns an http.Server with timeouts that stop slow clients
// holding connections; readTimeout (0: DefaultReadTimeout) is the time a
// client has to send a whole request.
func NewServer(addr string, h http.Handler, readTimeout time.Duration) *http.Server {
	if readTimeout <= 0 {
		readTimeout = DefaultReadTimeout
	}
	return &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: min(5*time.Second, readTimeout),
		ReadTimeout:       readTimeout,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    ServerMaxHeaderBytes, // Harden answers past MaxHeaderBytes with a problem
	}
}
