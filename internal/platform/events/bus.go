package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/platform/config"
)

// Stream defaults. Retention is limits-based (not work-queue) because the
// consumers of several services read the same stream, and a new or rebuilt
// read model replays it from the start.
const (
	// DedupeWindow is how long JetStream remembers Nats-Msg-Id values: a relay
	// that re-publishes an event within it (crash between publish and mark)
	// does not store it twice. The inbox catches anything later.
	DedupeWindow = 2 * time.Minute
	// DefaultStreamMaxAge bounds the stream; events older than this can no
	// longer be replayed into a rebuilt read model.
	DefaultStreamMaxAge = 365 * 24 * time.Hour
)

// Bus is the connection to NATS JetStream, embedded in the process or external.
type Bus struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	srv    *server.Server // nil when connected to an external server
	unlock func()         // releases the embedded store's lock
	closed chan struct{}  // closed by the NATS client once the connection is closed
	once   sync.Once

	replicas int
	natsOpts []nats.Option
	optErr   error // a bad option (unreadable NKey seed), reported by Connect
	log      *slog.Logger
	names    Names
}

// BusOption configures a Bus.
type BusOption func(*Bus)

// BusStreamReplicas sets the replica count of the streams EnsureStream
// creates (3 on a NATS cluster; the embedded server has 1).
func BusStreamReplicas(n int) BusOption { return func(b *Bus) { b.replicas = n } }

// BusNATSOptions adds client options (credentials, TLS, name) to the connection.
func BusNATSOptions(opts ...nats.Option) BusOption {
	return func(b *Bus) { b.natsOpts = append(b.natsOpts, opts...) }
}

// BusLogger routes the embedded server's warnings and errors, and connection
// events (disconnects, reconnects, async errors), to log.
func BusLogger(log *slog.Logger) BusOption { return func(b *Bus) { b.log = log } }

// BusNames namespaces streams, subjects and durable consumers (see Names).
func BusNames(n Names) BusOption { return func(b *Bus) { b.names = n } }

// BusCredentials authenticates with a NATS credentials file (user JWT and NKey seed).
func BusCredentials(file string) BusOption { return BusNATSOptions(nats.UserCredentials(file)) }

// BusNKey authenticates as the NKey user whose seed is in file.
func BusNKey(file string) BusOption {
	return func(b *Bus) {
		opt, err := nats.NkeyOptionFromSeed(file)
		if err != nil {
			b.optErr = errors.Join(b.optErr, fmt.Errorf("nkey seed %s: %w", file, err))
			return
		}
		b.natsOpts = append(b.natsOpts, opt)
	}
}

// BusCA trusts the CA certificates of a PEM file for the server's
// certificate (tls:// URLs, or a server that requires TLS).
func BusCA(file string) BusOption { return BusNATSOptions(nats.RootCAs(file)) }

// Options are the bus options of a process's configuration: its logger,
// names, stream replicas and, for an external server, credentials and CA.
func Options(cfg config.Config, log *slog.Logger) []BusOption {
	opts := []BusOption{BusLogger(log), BusNames(Names{Deployment: cfg.Deployment, ConsumerPrefix: cfg.ConsumerPrefix})}
	if cfg.NATSReplicas > 0 {
		opts = append(opts, BusStreamReplicas(cfg.NATSReplicas))
	}
	if cfg.NATSCreds != "" {
		opts = append(opts, BusCredentials(cfg.NATSCreds))
	}
	if cfg.NATSNKey != "" {
		opts = append(opts, BusNKey(cfg.NATSNKey))
	}
	if cfg.NATSCA != "" {
		opts = append(opts, BusCA(cfg.NATSCA))
	}
	return opts
}

func newBus(opts []BusOption) *Bus {
	b := &Bus{closed: make(chan struct{}), replicas: 1}
	for _, opt := range opts {
		opt(b)
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b
}

// StartEmbedded runs a NATS server with JetStream inside the process, storing
// streams under dir, and connects to it in process. It opens no TCP port:
// nothing outside the process can reach it.
func StartEmbedded(ctx context.Context, dir string, opts ...BusOption) (*Bus, error) {
	b := newBus(opts)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded nats store dir: %w", err)
	}
	unlock, err := lockStore(abs)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			unlock()
		}
	}()
	srv, err := server.NewServer(&server.Options{
		ServerName: "marquee",
		DontListen: true,
		JetStream:  true,
		StoreDir:   abs,
		NoSigs:     true, // the application owns signal handling
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.SetLoggerV2(serverLog{b.log}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(untilDeadline(ctx, 10*time.Second)) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats did not start in time (store %s)", abs)
	}
	if err := b.connect("", nats.InProcessServer(srv)); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("connect to embedded nats: %w", err)
	}
	b.srv, b.unlock, ok = srv, unlock, true
	return b, nil
}

// Connect connects to an external NATS server or cluster (url may list
// several servers, comma separated). The server must be reachable now;
// afterwards the connection is re-established for ever.
func Connect(ctx context.Context, url string, opts ...BusOption) (*Bus, error) {
	b := newBus(opts)
	if b.optErr != nil {
		return nil, fmt.Errorf("connect to nats at %s: %w", redactURL(url), b.optErr)
	}
	err := b.connect(url,
		nats.ReconnectWait(time.Second),
		nats.Timeout(untilDeadline(ctx, 5*time.Second)),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to nats at %s: %w", redactURL(url), err)
	}
	if err := b.Healthy(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *Bus) connect(url string, extra ...nats.Option) error {
	// a lost connection is retried for ever: a NATS outage delays events,
	// it must not leave the process without a bus
	opts := append([]nats.Option{nats.Name("marquee"), nats.DrainTimeout(5 * time.Second), nats.MaxReconnects(-1)}, extra...)
	opts = append(opts, b.natsOpts...)
	// ours go last: Close relies on the closed handler
	opts = append(opts,
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("nats reconnected", "server", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			b.log.Warn("nats async error", "subject", subject, "err", err)
		}),
	)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return err
	}
	b.nc, b.js = nc, js
	return nil
}

// Conn is the underlying NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream is the JetStream context (for tools and tests; services use the
// Outbox to publish and Consumer to subscribe).
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Names is how this bus names streams, subjects and consumers on the server.
func (b *Bus) Names() Names { return b.names }

// StreamFor names the stream of a producing service and the subjects it takes:
// StreamFor("catalog") is ("CATALOG", "catalog.>"). These are the names
// services use; the bus maps them to the server's (Names).
func StreamFor(service string) (name, subject string) {
	return strings.ToUpper(service), service + ".>"
}

// StreamConfig is the configuration EnsureStream gives the server for a
// stream and its subjects (in the names services use): on file,
// limits-based retention, a DedupeWindow for Nats-Msg-Id, the bus's
// replicas and maximum age, and the bus's Names applied.
func (b *Bus) StreamConfig(name string, subjects ...string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:       b.names.Stream(name),
		Subjects:   b.names.Subjects(subjects),
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
		MaxAge:     DefaultStreamMaxAge,
		Duplicates: DedupeWindow,
		Replicas:   b.replicas,
	}
}

// EnsureStream creates the stream, or updates its subjects and limits, so every
// process can call it at start (see StreamConfig).
func (b *Bus) EnsureStream(ctx context.Context, name string, subjects ...string) error {
	if name == "" || len(subjects) == 0 {
		return errors.New("ensure stream: name and at least one subject are required")
	}
	cfg := b.StreamConfig(name, subjects...)
	if _, err := b.js.CreateOrUpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("ensure stream %s (%s, %d replicas): %w", cfg.Name, strings.Join(cfg.Subjects, ", "), cfg.Replicas, err)
	}
	return nil
}

// OrderedConsumer is an ephemeral ordered consumer of a stream (for
// replays and feeds that need no durable position); stream and filter
// subjects are in the names services use.
func (b *Bus) OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	cfg.FilterSubjects = b.names.Subjects(cfg.FilterSubjects)
	return b.js.OrderedConsumer(ctx, b.names.Stream(stream), cfg)
}

// Consumer is a durable consumer by the names services use.
func (b *Bus) Consumer(ctx context.Context, stream, durable string) (jetstream.Consumer, error) {
	return b.js.Consumer(ctx, b.names.Stream(stream), b.names.Durable(durable))
}

// Stream is a stream by the name services use.
func (b *Bus) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	return b.js.Stream(ctx, b.names.Stream(name))
}

// Healthy reports whether the bus is connected and JetStream answers (readiness).
func (b *Bus) Healthy(ctx context.Context) error {
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("nats: %s", st)
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("nats jetstream: %w", err)
	}
	return nil
}

// Close drains the connection (in-flight acks and publishes finish) and shuts
// the embedded server down. Stop relays and consumers first.
func (b *Bus) Close() error {
	var err error
	b.once.Do(func() {
		if derr := b.nc.Drain(); derr == nil {
			select {
			case <-b.closed:
			case <-time.After(10 * time.Second):
				err = errors.New("nats drain timed out")
			}
		}
		b.nc.Close()
		if b.srv != nil {
			b.srv.Shutdown()
			b.srv.WaitForShutdown()
			b.unlock()
		}
	})
	return err
}

// untilDeadline is the time left before ctx's deadline, or def without one.
func untilDeadline(ctx context.Context, def time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return def
}

// redactURL hides passwords and tokens in server URLs for error messages.
func redactURL(url string) string {
	var out []string
	for _, u := range strings.Split(url, ",") {
		if at := strings.LastIndex(u, "@"); at >= 0 {
			if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
				u = u[:scheme+3] + "xxx" + u[at:]
			}
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}

// serverLog adapts the embedded server's logger to slog. Notices (the
// start-up banner) are debug: the application logs its own start.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Noticef(format string, v ...any) {
	l.log.Debug("nats: " + fmt.Sprintf(format, v...))
}
func (l serverLog) Warnf(format string, v ...any)  { l.log.Warn("nats: " + fmt.Sprintf(format, v...)) }
func (l serverLog) Fatalf(format string, v ...any) { l.log.Error("nats: " + fmt.Sprintf(format, v...)) }
func (l serverLog) Errorf(format string, v ...any) { l.log.Error("nats: " + fmt.Sprintf(format, v...)) }
func (l serverLog) Debugf(format string, v ...any) { l.log.Debug("nats: " + fmt.Sprintf(format, v...)) }
func (l serverLog) Tracef(format string, v ...any) {}
