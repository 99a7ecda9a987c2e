// Package config is the one typed configuration of a marquee process, read
// from MARQUEE_* environment variables and validated at start.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is everything a marquee process is told from outside.
type Config struct {
	DataDir         string        // MARQUEE_DATA_DIR: SQLite files, embedded NATS store, media (default ./data)
	HTTPAddr        string        // MARQUEE_HTTP_ADDR (default :8080)
	Services        []string      // MARQUEE_SERVICES or --services: which services run here (default all)
	DatabaseURL     string        // MARQUEE_DATABASE_URL: postgres://... for every service (one schema each)
	NATSURL         string        // MARQUEE_NATS_URL: external NATS; empty embeds a server in the process
	RedisURL        string        // MARQUEE_REDIS_URL: shared rate limits across processes; empty keeps them in process
	ConsumerPrefix  string        // MARQUEE_CONSUMER_PREFIX: prepended to durable consumer names, so deployments sharing a NATS server keep their own positions
	LogLevel        string        // MARQUEE_LOG_LEVEL: debug, info, warn, error (default info)
	AuthIssuer      string        // MARQUEE_AUTH_ISSUER: the iss of access tokens (default marquee)
	AuthAudience    string        // MARQUEE_AUTH_AUDIENCE: the aud of access tokens (default marquee)
	ShutdownTimeout time.Duration // MARQUEE_SHUTDOWN_TIMEOUT (default 8s; the whole stop must fit in 10s)
	// TopRatedMinVotes is m of the top-rated list's weighted rating (MARQUEE_TOP_RATED_MIN_VOTES, default 25).
	TopRatedMinVotes int
	RequestTimeout   time.Duration // MARQUEE_REQUEST_TIMEOUT (default 30s)

	// Mail (the notify service).
	PublicURL         string  // MARQUEE_PUBLIC_URL: the site's address for links in mails (default http://localhost:<port of HTTP_ADDR>)
	SMTPURL           string  // MARQUEE_SMTP_URL: smtp://user:pass@host:port; empty writes .eml files under <data dir>/mail
	SMTPRate          float64 // MARQUEE_SMTP_RATE: mails per second one process sends at most (default 200; 0 no limit)
	MailFrom          string  // MARQUEE_MAIL_FROM: the From of every mail (default Marquee <marquee@localhost>)
	UnsubscribeSecret string  // MARQUEE_UNSUBSCRIBE_SECRET: signs unsubscribe links; empty: generated once, kept in notify's database

	serviceDatabaseURLs map[string]string // MARQUEE_<SERVICE>_DATABASE_URL
	serviceURLs         map[string]string // MARQUEE_<SERVICE>_URL: where the gateway reaches a service run elsewhere
}

// Load reads the configuration for a process that knows the given services.
func Load(getenv func(string) string, known []string) (Config, error) {
	c := Config{
		DataDir:             or(getenv("MARQUEE_DATA_DIR"), "./data"),
		HTTPAddr:            or(getenv("MARQUEE_HTTP_ADDR"), ":8080"),
		DatabaseURL:         getenv("MARQUEE_DATABASE_URL"),
		NATSURL:             getenv("MARQUEE_NATS_URL"),
		LogLevel:            or(getenv("MARQUEE_LOG_LEVEL"), "info"),
		AuthIssuer:          or(getenv("MARQUEE_AUTH_ISSUER"), "marquee"),
		AuthAudience:        or(getenv("MARQUEE_AUTH_AUDIENCE"), "marquee"),
		serviceDatabaseURLs: map[string]string{},
		serviceURLs:         map[string]string{},
	}
	var errs []error
	var err error
	if c.ShutdownTimeout, err = duration(getenv, "MARQUEE_SHUTDOWN_TIMEOUT", 8*time.Second); err != nil {
		errs = append(errs, err)
	}
	if c.RequestTimeout, err = duration(getenv, "MARQUEE_REQUEST_TIMEOUT", 30*time.Second); err != nil {
		errs = append(errs, err)
	}
	c.TopRatedMinVotes = 25
	if v := getenv("MARQUEE_TOP_RATED_MIN_VOTES"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 1_000_000 {
			errs = append(errs, fmt.Errorf("MARQUEE_TOP_RATED_MIN_VOTES=%q: want a whole number from 1 to 1000000", v))
		} else {
			c.TopRatedMinVotes = n
		}
	}
	errs = append(errs, c.loadMail(getenv)...)
	for _, s := range known {
		key := strings.ToUpper(s)
		if v := getenv("MARQUEE_" + key + "_DATABASE_URL"); v != "" {
			c.serviceDatabaseURLs[s] = v
		}
		if v := getenv("MARQUEE_" + key + "_URL"); v != "" {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("MARQUEE_%s_URL=%q: want an http(s) URL of the service", key, v))
			}
			c.serviceURLs[s] = strings.TrimRight(v, "/")
		}
	}
	if s := getenv("MARQUEE_SERVICES"); s != "" {
		if c.Services, err = ParseServices(s, known); err != nil {
			errs = append(errs, err)
		}
	} else {
		c.Services = append([]string(nil), known...)
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("MARQUEE_HTTP_ADDR=%q: want host:port such as :8080", c.HTTPAddr))
	}
	for _, u := range append([]string{c.DatabaseURL}, values(c.serviceDatabaseURLs)...) {
		if u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "sqlite:") {
			errs = append(errs, fmt.Errorf("database URL %q: want postgres://... or sqlite:PATH", u))
		}
	}
	if c.NATSURL != "" && !strings.HasPrefix(c.NATSURL, "nats://") && !strings.HasPrefix(c.NATSURL, "tls://") {
		errs = append(errs, fmt.Errorf("MARQUEE_NATS_URL=%q: want nats://host:port", c.NATSURL))
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		errs = append(errs, fmt.Errorf("MARQUEE_REDIS_URL=%q: want redis://host:port/db", c.RedisURL))
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, strings.ToLower(c.LogLevel)) {
		errs = append(errs, fmt.Errorf("MARQUEE_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
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

// ServiceURL is where the gateway reaches a service that runs in another process.
func (c Config) ServiceURL(service string) string { return c.serviceURLs[service] }

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func duration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 10s", key, v)
	}
	return d, nil
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// loadMail reads the notify service's variables.
func (c *Config) loadMail(getenv func(string) string) []error {
	var errs []error
	c.SMTPURL = getenv("MARQUEE_SMTP_URL")
	c.MailFrom = getenv("MARQUEE_MAIL_FROM")
	c.UnsubscribeSecret = getenv("MARQUEE_UNSUBSCRIBE_SECRET")
	c.PublicURL = getenv("MARQUEE_PUBLIC_URL")
	if c.PublicURL == "" {
		_, port, _ := net.SplitHostPort(c.HTTPAddr)
		c.PublicURL = "http://localhost:" + or(port, "8080")
	} else if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("MARQUEE_PUBLIC_URL=%q: want the site's http(s) address such as https://marquee.example", c.PublicURL))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
			errs = append(errs, errors.New("MARQUEE_SMTP_URL: want smtp://user:pass@host:port"))
		}
	}
	c.SMTPRate = 200
	if v := getenv("MARQUEE_SMTP_RATE"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 || f > 1e6 {
			errs = append(errs, fmt.Errorf("MARQUEE_SMTP_RATE=%q: want mails per second, 0 for no limit", v))
		} else {
			c.SMTPRate = f
		}
	}
	if c.UnsubscribeSecret != "" && len(c.UnsubscribeSecret) < 16 {
		errs = append(errs, errors.New("MARQUEE_UNSUBSCRIBE_SECRET: want at least 16 characters"))
	}
	return errs
}
