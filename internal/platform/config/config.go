// Package config is the one typed configuration of a marquee process, read
// from MARQUEE_* environment variables and validated at start.
//
// Every variable is one row of Vars (vars.go): its name, the form of its
// value, its default, whether it is secret, which services read it, what it
// means, and how it is parsed into Config. That one table drives Load, the
// validation messages, `marquee config` (Settings), the warning about unknown
// MARQUEE_* variables (Unknown) and the README's configuration section
// (README, checked by a test).
//
// Adding a variable: a field in Config, a row in Vars (Secret for keys and
// passwords, UsedBy naming the services that read it), then
// `go generate ./internal/platform/config` to rewrite the README's table.
// A variable without a row is reported as unknown at start, and the README
// test fails when the README names it.
package config

//go:generate go test -run TestREADMEConfiguration -update .

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is everything a marquee process is told from outside.
type Config struct {
	DataDir         string        // MARQUEE_DATA_DIR
	HTTPAddr        string        // MARQUEE_HTTP_ADDR
	OpsAddr         string        // MARQUEE_OPS_ADDR: /metrics and the detail of /readyz; empty serves them on HTTPAddr
	Services        []string      // MARQUEE_SERVICES or --services: which services run here
	Deployment      string        // MARQUEE_DEPLOYMENT: namespace of streams, subjects and durable consumers on NATS
	DatabaseURL     string        // MARQUEE_DATABASE_URL
	NATSURL         string        // MARQUEE_NATS_URL: external NATS; empty embeds a server in the process
	NATSReplicas    int           // MARQUEE_NATS_REPLICAS: replicas of the streams this process creates
	NATSCreds       string        // MARQUEE_NATS_CREDS: a .creds file (user JWT and NKey seed)
	NATSNKey        string        // MARQUEE_NATS_NKEY: a file holding an NKey user seed
	NATSCA          string        // MARQUEE_NATS_CA: PEM file of the CA that signed the NATS server's certificate
	RedisURL        string        // MARQUEE_REDIS_URL: shared rate limits across processes; empty keeps them in process
	ConsumerPrefix  string        // MARQUEE_CONSUMER_PREFIX: prepended to durable consumer names (within the deployment)
	LogLevel        string        // MARQUEE_LOG_LEVEL: debug, info, warn, error
	LogFormat       string        // MARQUEE_LOG_FORMAT: text, json or auto
	AuthIssuer      string        // MARQUEE_AUTH_ISSUER
	AuthAudience    string        // MARQUEE_AUTH_AUDIENCE
	AuthClockSkew   time.Duration // MARQUEE_AUTH_CLOCK_SKEW: leeway allowed on token times
	TrustedProxies  []netip.Prefix
	ShutdownTimeout time.Duration // MARQUEE_SHUTDOWN_TIMEOUT
	// TopRatedMinVotes is m of the top-rated list's weighted rating (MARQUEE_TOP_RATED_MIN_VOTES).
	TopRatedMinVotes int
	RequestTimeout   time.Duration // MARQUEE_REQUEST_TIMEOUT
	HTTPReadTimeout  time.Duration // MARQUEE_HTTP_READ_TIMEOUT: a whole request's; an upload's PATCH: each read of its bytes

	// Billing.
	PublicURL            string // MARQUEE_PUBLIC_URL: where browsers reach the platform (checkout return URLs, links in mails); empty: relative paths, mails use http://localhost:8080
	SandboxWebhookSecret string // MARQUEE_SANDBOX_WEBHOOK_SECRET: signs the sandbox's webhooks (default: generated once, kept in billing's database)
	SandboxWebhookURL    string // MARQUEE_SANDBOX_WEBHOOK_URL: where the sandbox POSTs webhooks (default: billing's handler in process)
	StripeSecretKey      string // MARQUEE_STRIPE_SECRET_KEY: selects Stripe for new orders
	StripeWebhookSecret  string // MARQUEE_STRIPE_WEBHOOK_SECRET: verifies Stripe's webhooks
	StripeAPIBase        string // MARQUEE_STRIPE_API_BASE: another Stripe API address (stripe-mock)

	// Mail (the notify service).
	SMTPURL           string  // MARQUEE_SMTP_URL: smtp://user:pass@host:port; empty writes .eml files under <data dir>/mail
	SMTPRate          float64 // MARQUEE_SMTP_RATE: mails per second one process sends at most (default 200; 0 no limit)
	MailFrom          string  // MARQUEE_MAIL_FROM: the From of every mail (default Marquee <marquee@localhost>)
	UnsubscribeSecret string  // MARQUEE_UNSUBSCRIBE_SECRET: signs unsubscribe links; empty: generated once, kept in notify's database

	// Media.
	UploadMaxBytes       int64         // MARQUEE_UPLOAD_MAX_BYTES: the largest upload accepted (default 20 GiB)
	TranscodeConcurrency int           // MARQUEE_TRANSCODE_CONCURRENCY: transcode jobs one process runs at a time (default 1)
	StreamKeys           [][]byte      // MARQUEE_STREAM_KEYS: stream-token HMAC keys, newest first; nil: media keeps one in its database
	StreamTokenTTL       time.Duration // MARQUEE_STREAM_TOKEN_TTL: lifetime of a stream token (default 6h)
	S3URL                string        // MARQUEE_S3_URL: s3://ACCESS_KEY:SECRET@host:port/bucket; empty keeps files under <data dir>/media

	serviceDatabaseURLs map[string]string // MARQUEE_<SERVICE>_DATABASE_URL
	serviceURLs         map[string]string // MARQUEE_<SERVICE>_URL: where a service run elsewhere is reached
}

// Load reads the configuration for a process that knows the given services.
// Every bad value is reported, each naming its variable; the error then
// carries all of them.
func Load(getenv func(string) string, known []string) (Config, error) {
	c := Config{serviceDatabaseURLs: map[string]string{}, serviceURLs: map[string]string{}}
	var errs []error
	for _, v := range Vars {
		for _, name := range v.names(known) {
			raw := getenv(name.env)
			if raw == "" {
				raw = v.Default
			}
			if raw == "" {
				continue
			}
			if err := v.set(&c, input{service: name.service, known: known}, raw); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name.env, v.show(raw), err))
			}
		}
	}
	if c.Services == nil {
		c.Services = append([]string(nil), known...)
	}
	errs = append(errs, c.check(known)...)
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// check is the validation that involves more than one variable.
func (c *Config) check(known []string) []error {
	var errs []error
	if c.OpsAddr != "" && c.OpsAddr == c.HTTPAddr {
		errs = append(errs, fmt.Errorf("MARQUEE_OPS_ADDR=%q: must differ from MARQUEE_HTTP_ADDR (leave it unset to serve both on one address)", c.OpsAddr))
	}
	if slices.Contains(known, c.Deployment) {
		// its subjects (<deployment>.<service>.>) would overlap those of the plain deployment's stream of that service
		errs = append(errs, fmt.Errorf("MARQUEE_DEPLOYMENT=%q: must not be a service's name", c.Deployment))
	}
	if c.NATSURL == "" {
		for _, v := range []struct {
			name string
			set  bool
		}{{"MARQUEE_NATS_CREDS", c.NATSCreds != ""}, {"MARQUEE_NATS_NKEY", c.NATSNKey != ""}, {"MARQUEE_NATS_CA", c.NATSCA != ""}, {"MARQUEE_NATS_REPLICAS", c.NATSReplicas > 1}} {
			if v.set {
				errs = append(errs, fmt.Errorf("%s: applies to an external NATS server; set MARQUEE_NATS_URL (the embedded server has no clients to authenticate and one replica)", v.name))
			}
		}
	}
	if c.StripeSecretKey != "" && c.StripeWebhookSecret == "" {
		errs = append(errs, errors.New("MARQUEE_STRIPE_SECRET_KEY is set without MARQUEE_STRIPE_WEBHOOK_SECRET: Stripe's webhooks could not be verified"))
	}
	if c.NATSCreds != "" && c.NATSNKey != "" {
		errs = append(errs, errors.New("MARQUEE_NATS_CREDS and MARQUEE_NATS_NKEY: set one of them, not both"))
	}
	return errs
}

// CheckServing is what a serving process needs beyond valid values: a
// service that checks access tokens (catalog, reviews, social) must find the identity service's keys, in this process or at
// MARQUEE_IDENTITY_URL. Without them it would answer 401 to every token.
func (c Config) CheckServing() error {
	if c.Runs("identity") || c.ServiceURL("identity") != "" {
		return nil
	}
	var verifying []string
	for _, s := range Verifiers {
		if c.Runs(s) {
			verifying = append(verifying, s)
		}
	}
	if len(verifying) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: MARQUEE_IDENTITY_URL is not set and identity does not run in this process, so %s could not check access tokens: set MARQUEE_IDENTITY_URL to the identity service's address (or add identity to --services)",
		strings.Join(verifying, ", "))
}

// ParseServices parses a comma list of service names, all of which must be known.
func ParseServices(list string, known []string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(strings.ToLower(s))
		if s == "" {
			continue
		}
		if !slices.Contains(known, s) {
			return nil, fmt.Errorf("unknown service %q (known: %s)", s, strings.Join(known, ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no service named")
	}
	return out, nil
}

// Runs reports whether this process runs the service.
func (c Config) Runs(service string) bool { return slices.Contains(c.Services, service) }

// DatabaseURLFor is where a service keeps its data: its own URL, else the
// shared PostgreSQL database in a schema named after the service, else a
// SQLite file in the data dir.
func (c Config) DatabaseURLFor(service string) string {
	if u := c.serviceDatabaseURLs[service]; u != "" {
		return u
	}
	if c.DatabaseURL != "" {
		if strings.HasPrefix(c.DatabaseURL, "sqlite:") {
			return c.DatabaseURL
		}
		u, err := url.Parse(c.DatabaseURL)
		if err == nil {
			q := u.Query()
			q.Set("search_path", service)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return "sqlite://" + filepath.Join(c.DataDir, service+".db")
}

// RedisPrefix is the start of every Redis key the process writes:
// "marquee:", or "marquee:<deployment>:" so that deployments sharing a Redis
// keep apart, as they do on NATS.
func (c Config) RedisPrefix() string {
	if c.Deployment == "" {
		return "marquee:"
	}
	return "marquee:" + c.Deployment + ":"
}

// ServiceURL is where a service that runs in another process is reached
// (by the gateway, and for identity by every service that checks tokens).
func (c Config) ServiceURL(service string) string { return c.serviceURLs[service] }
