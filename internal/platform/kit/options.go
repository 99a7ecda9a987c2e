package kit

import "log/slog"

// Options is a service's option values: its defaults with opts applied in order.
func Options[O any, F ~func(*O)](defaults O, opts []F) O {
	for _, opt := range opts {
		opt(&defaults)
	}
	return defaults
}

// Logger is the logger a service was given, or slog.Default() when none was
// (tests and tools build services without one).
func Logger(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.Default()
	}
	return log
}
