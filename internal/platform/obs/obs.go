// Package obs sets up structured logging and Prometheus metrics.
package obs

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewLogger returns a JSON slog logger at the named level (debug, info, warn, error).
func NewLogger(w io.Writer, level string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: parseLevel(level)}))
}

// NewLoggerFormat returns a logger at the named level writing JSON lines, or
// for format "text" plain key=value lines with a short local time for people
// reading a terminal. "auto" (or "") is text when terminal is true.
func NewLoggerFormat(w io.Writer, level, format string, terminal bool) *slog.Logger {
	format = strings.ToLower(format)
	if format == "text" || ((format == "" || format == "auto") && terminal) {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: parseLevel(level),
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					return slog.String(slog.TimeKey, a.Value.Time().Local().Format(time.TimeOnly))
				}
				return a
			}}))
	}
	return NewLogger(w, level)
}

// IsTerminal reports whether w is a terminal (a character device), where
// people rather than log collectors read the output.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func parseLevel(level string) slog.Level {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return l
}

// Metrics is the process's metric registry with the HTTP metrics every route records.
type Metrics struct {
	Registry        *prometheus.Registry
	HTTPRequests    *prometheus.CounterVec
	HTTPDuration    *prometheus.HistogramVec
	EventsPublished *prometheus.CounterVec
	EventsHandled   *prometheus.CounterVec
}

// NewMetrics returns a fresh registry with Go runtime and process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "marquee_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "marquee_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		EventsPublished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "marquee_events_published_total", Help: "Events the outbox relay published, by service.",
		}, []string{"service"}),
		EventsHandled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "marquee_events_handled_total", Help: "Events consumers handled, by consumer and outcome.",
		}, []string{"consumer", "outcome"}),
	}
	reg.MustRegister(m.HTTPRequests, m.HTTPDuration, m.EventsPublished, m.EventsHandled)
	return m
}

// Gauge registers a gauge whose value fn computes at scrape time.
func (m *Metrics) Gauge(name, help string, labels prometheus.Labels, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, fn))
}
