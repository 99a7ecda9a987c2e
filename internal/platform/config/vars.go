package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The table is written by hand rather than with struct tags (caarlos0/env):
// each row also carries what the README and `marquee config` show (the form
// of the value, who reads it, what it means, whether it is secret), and the
// per-service rows (MARQUEE_<SERVICE>_URL) expand over the services this
// binary knows, which tags on fixed fields cannot express.

// Var is one row of the configuration table.
type Var struct {
	// Name is the variable; "<SERVICE>" in it stands for each known service's
	// name in upper case (MARQUEE_<SERVICE>_URL is MARQUEE_CATALOG_URL, ...).
	Name string
	// Form is how the value is written: "duration", "host:port", "URL", ...
	Form string
	// Default is the value an unset variable takes, as it would be written.
	Default string
	// Unset says what leaving it unset means when there is no Default.
	Unset string
	// Secret values are redacted by `marquee config` and in error messages
	// (a URL keeps everything but its password).
	Secret bool
	// UsedBy lists the services that read it; empty means every process.
	UsedBy []string
	// Meaning is one line for the README and `marquee config`.
	Meaning string
	// set parses and validates a non-empty value into c; its error says what is wanted.
	set func(c *Config, in input, raw string) error
}

// input is what a parser knows besides the value.
type input struct {
	service string   // the service of a <SERVICE> row
	known   []string // the services this binary knows
}

// Verifiers are the services that require an access token on some of their
// routes, and so need identity's keys (internal/app's tests derive the list
// from the OpenAPI documents and fail when it differs). A new service with
// such routes adds itself here.
var Verifiers = []string{"catalog", "reviews", "social", "billing", "notify", "media"}

// Vars is every MARQUEE_* variable a marquee process reads. MARQUEE_TEST_*
// and MARQUEE_BENCH_* are read by tests and benchmarks only.
var Vars = []Var{
	{Name: "MARQUEE_DATA_DIR", Form: "path", Default: "./data",
		Meaning: "SQLite files and the embedded NATS store",
		set:     func(c *Config, _ input, v string) error { c.DataDir = v; return nil }},
	{Name: "MARQUEE_HTTP_ADDR", Form: "host:port", Default: ":8080",
		Meaning: "where HTTP listens",
		set:     func(c *Config, _ input, v string) error { return hostPort(&c.HTTPAddr, v) }},
	{Name: "MARQUEE_OPS_ADDR", Form: "host:port", Unset: "on `MARQUEE_HTTP_ADDR`",
		Meaning: "a separate listener for `/metrics` and the per-dependency detail of `/readyz`, so the public port need not expose them",
		set:     func(c *Config, _ input, v string) error { return hostPort(&c.OpsAddr, v) }},
	{Name: "MARQUEE_SERVICES", Form: "list", Unset: "all",
		Meaning: "services run by this process (`--services` overrides)",
		set: func(c *Config, in input, v string) (err error) {
			c.Services, err = ParseServices(v, in.known)
			return err
		}},
	{Name: "MARQUEE_DEPLOYMENT", Form: "name", Unset: "plain names",
		Meaning: "namespaces the NATS streams, subjects and durable consumers, so deployments sharing a NATS server never see each other's events",
		set: func(c *Config, _ input, v string) error {
			if !deploymentName.MatchString(v) {
				return errors.New("want lower-case letters, digits and '-' (at most 32, not starting or ending with '-')")
			}
			c.Deployment = v
			return nil
		}},
	{Name: "MARQUEE_DATABASE_URL", Form: "URL", Secret: true, Unset: "SQLite in the data dir",
		Meaning: "`postgres://…`: every service moves to PostgreSQL, one schema each",
		set:     func(c *Config, _ input, v string) error { return databaseURL(&c.DatabaseURL, v) }},
	{Name: "MARQUEE_<SERVICE>_DATABASE_URL", Form: "URL", Secret: true, Unset: "`MARQUEE_DATABASE_URL`",
		Meaning: "one service's own database (`postgres://…` or `sqlite:PATH`)",
		set: func(c *Config, in input, v string) error {
			var u string
			err := databaseURL(&u, v)
			c.serviceDatabaseURLs[in.service] = u
			return err
		}},
	{Name: "MARQUEE_NATS_URL", Form: "URL list", Secret: true, Unset: "embedded",
		Meaning: "an external NATS JetStream server or cluster (`nats://…` or `tls://…`, comma separated)",
		set: func(c *Config, _ input, v string) error {
			for _, u := range strings.Split(v, ",") {
				p, err := url.Parse(strings.TrimSpace(u))
				if err != nil || (p.Scheme != "nats" && p.Scheme != "tls") || p.Host == "" {
					return errors.New("want nats://host:port (or tls://), comma separated")
				}
			}
			c.NATSURL = v
			return nil
		}},
	{Name: "MARQUEE_NATS_REPLICAS", Form: "1-5", Default: "1",
		Meaning: "replicas of the streams this process creates (3 on a NATS cluster)",
		set:     func(c *Config, _ input, v string) error { return number(&c.NATSReplicas, v, 1, 5) }},
	{Name: "MARQUEE_NATS_CREDS", Form: "file",
		Meaning: "a NATS credentials file (user JWT and NKey seed) to connect with",
		set:     func(c *Config, _ input, v string) error { return file(&c.NATSCreds, v) }},
	{Name: "MARQUEE_NATS_NKEY", Form: "file",
		Meaning: "a file holding the NKey user seed to connect with",
		set:     func(c *Config, _ input, v string) error { return file(&c.NATSNKey, v) }},
	{Name: "MARQUEE_NATS_CA", Form: "file", Unset: "system roots",
		Meaning: "PEM file of the CA that signed the NATS server's certificate",
		set:     func(c *Config, _ input, v string) error { return file(&c.NATSCA, v) }},
	{Name: "MARQUEE_CONSUMER_PREFIX", Form: "name",
		Meaning: "prefix of durable consumer names inside the deployment: a second set of positions on the same events (separate deployments use `MARQUEE_DEPLOYMENT`)",
		set: func(c *Config, _ input, v string) error {
			if !consumerPrefix.MatchString(v) {
				return errors.New("want letters, digits, '-' and '_' (at most 64)")
			}
			c.ConsumerPrefix = v
			return nil
		}},
	{Name: "MARQUEE_REDIS_URL", Form: "URL", Secret: true, Unset: "in process", UsedBy: []string{"identity"},
		Meaning: "`redis://…`: login and register rate limits shared by every identity process",
		set: func(c *Config, _ input, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
				return errors.New("want redis://host:port/db (or rediss://)")
			}
			c.RedisURL = v
			return nil
		}},
	{Name: "MARQUEE_PUBLIC_URL", Form: "URL", Unset: "relative paths (checkout); http://localhost:<port> (e-mail links)", UsedBy: []string{"billing", "notify"},
		Meaning: "where browsers reach the platform: checkout return addresses and links in e-mails",
		set:     func(c *Config, _ input, v string) error { return absoluteURL(&c.PublicURL, v) }},
	{Name: "MARQUEE_SANDBOX_WEBHOOK_SECRET", Form: "text", Secret: true, Unset: "generated once, kept in billing's database", UsedBy: []string{"billing"},
		Meaning: "signs the sandbox payment provider's webhooks (`Marquee-Signature`)",
		set:     func(c *Config, _ input, v string) error { c.SandboxWebhookSecret = v; return nil }},
	{Name: "MARQUEE_SANDBOX_WEBHOOK_URL", Form: "URL", Unset: "billing's own handler", UsedBy: []string{"billing"},
		Meaning: "where the sandbox provider sends its webhooks",
		set:     func(c *Config, _ input, v string) error { return absoluteURL(&c.SandboxWebhookURL, v) }},
	{Name: "MARQUEE_STRIPE_SECRET_KEY", Form: "text", Secret: true, Unset: "the sandbox provider", UsedBy: []string{"billing"},
		Meaning: "selects Stripe for new orders (needs `MARQUEE_STRIPE_WEBHOOK_SECRET`)",
		set:     func(c *Config, _ input, v string) error { c.StripeSecretKey = v; return nil }},
	{Name: "MARQUEE_STRIPE_WEBHOOK_SECRET", Form: "text", Secret: true, UsedBy: []string{"billing"},
		Meaning: "verifies Stripe's webhooks",
		set:     func(c *Config, _ input, v string) error { c.StripeWebhookSecret = v; return nil }},
	{Name: "MARQUEE_STRIPE_API_BASE", Form: "URL", Unset: "Stripe's API", UsedBy: []string{"billing"},
		Meaning: "another Stripe API address (stripe-mock in tests)",
		set:     func(c *Config, _ input, v string) error { return absoluteURL(&c.StripeAPIBase, v) }},
	{Name: "MARQUEE_SMTP_URL", Form: "URL", Secret: true, Unset: "`.eml` files under the data dir", UsedBy: []string{"notify"},
		Meaning: "`smtp://user:pass@host:port`: where mail is sent (STARTTLS when offered)",
		set: func(c *Config, _ input, v string) error {
			if u, err := url.Parse(v); err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
				return errors.New("want smtp://user:pass@host:port")
			}
			c.SMTPURL = v
			return nil
		}},
	{Name: "MARQUEE_SMTP_RATE", Form: "mails/s", Default: "200", UsedBy: []string{"notify"},
		Meaning: "the most mails per second one process sends (0: no limit)",
		set: func(c *Config, _ input, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1e6 {
				return errors.New("want mails per second, 0 for no limit")
			}
			c.SMTPRate = f
			return nil
		}},
	{Name: "MARQUEE_MAIL_FROM", Form: "address", Unset: "Marquee <marquee@localhost>", UsedBy: []string{"notify"},
		Meaning: "the From of every mail",
		set:     func(c *Config, _ input, v string) error { c.MailFrom = v; return nil }},
	{Name: "MARQUEE_UNSUBSCRIBE_SECRET", Form: "text", Secret: true, Unset: "generated once, kept in notify's database", UsedBy: []string{"notify"},
		Meaning: "signs the one-click unsubscribe links in mails (at least 16 characters)",
		set: func(c *Config, _ input, v string) error {
			if len(v) < 16 {
				return errors.New("want at least 16 characters")
			}
			c.UnsubscribeSecret = v
			return nil
		}},
	{Name: "MARQUEE_UPLOAD_MAX_BYTES", Form: "bytes", Default: "21474836480", UsedBy: []string{"media"},
		Meaning: "the largest video upload accepted (20 GiB by default)",
		set: func(c *Config, _ input, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return errors.New("want a positive number of bytes")
			}
			c.UploadMaxBytes = n
			return nil
		}},
	{Name: "MARQUEE_TRANSCODE_CONCURRENCY", Form: "1-64", Default: "1", UsedBy: []string{"media"},
		Meaning: "how many transcode jobs one process runs at a time",
		set:     func(c *Config, _ input, v string) error { return number(&c.TranscodeConcurrency, v, 1, 64) }},
	{Name: "MARQUEE_STREAM_KEYS", Form: "base64url list", Secret: true, Unset: "generated once, kept in media's database", UsedBy: []string{"media"},
		Meaning: "HMAC keys of stream tokens (32+ bytes each, comma-separated, newest first): the first signs, all verify; keep a retired key one token lifetime",
		set: func(c *Config, _ input, v string) error {
			c.StreamKeys = nil
			for part := range strings.SplitSeq(v, ",") {
				key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(part), "="))
				if err != nil || len(key) < 32 {
					return errors.New("want comma-separated base64url keys of at least 32 bytes each")
				}
				c.StreamKeys = append(c.StreamKeys, key)
			}
			return nil
		}},
	{Name: "MARQUEE_STREAM_TOKEN_TTL", Form: "duration", Default: "6h", UsedBy: []string{"media"},
		Meaning: "how long a stream (manifest) URL works: longer than a film; revocations are kept as long",
		set: func(c *Config, _ input, v string) error {
			return duration(&c.StreamTokenTTL, v, time.Minute, 48*time.Hour, "want a duration from 1m to 48h, such as 6h")
		}},
	{Name: "MARQUEE_TOKEN", Form: "text", Secret: true, Unset: "`--email` and `--password` sign in", UsedBy: []string{"`marquee upload`"},
		Meaning: "an administrator's access token for `marquee upload` (which reads it itself; no server does)",
		set:     func(*Config, input, string) error { return nil }},
	{Name: "MARQUEE_S3_URL", Form: "URL", Secret: true, Unset: "files under `<data dir>/media`", UsedBy: []string{"media"},
		Meaning: "`s3://ACCESS_KEY:SECRET@host:port/bucket[/prefix][?secure=false&region=…]`: videos kept in an S3 bucket (created when missing)",
		set: func(c *Config, _ input, v string) error {
			// the full parse (secure, region) is internal/media/storage's; this catches the typos
			const want = "want s3://ACCESS_KEY:SECRET@host:port/bucket"
			u, err := url.Parse(v)
			if err != nil {
				return errors.New(want)
			}
			if _, hasSecret := u.User.Password(); u.Scheme != "s3" || u.Host == "" || u.User.Username() == "" || !hasSecret || strings.Trim(u.Path, "/") == "" {
				return errors.New(want)
			}
			c.S3URL = v
			return nil
		}},
	{Name: "MARQUEE_IDENTITY_URL", Form: "URL", UsedBy: append([]string{"gateway"}, Verifiers...),
		Meaning: "where the identity service runs when not in this process: its keys check access tokens (required then by " + strings.Join(Verifiers, ", ") + ")",
		set:     func(c *Config, _ input, v string) error { return serviceURL(c, "identity", v) }},
	{Name: "MARQUEE_<SERVICE>_URL", Form: "URL", UsedBy: []string{"gateway"},
		Meaning: "where the gateway reaches a service run in another process",
		set:     func(c *Config, in input, v string) error { return serviceURL(c, in.service, v) }},
	{Name: "MARQUEE_AUTH_ISSUER", Form: "text", Default: "marquee",
		Meaning: "the `iss` access tokens carry",
		set:     func(c *Config, _ input, v string) error { c.AuthIssuer = v; return nil }},
	{Name: "MARQUEE_AUTH_AUDIENCE", Form: "text", Default: "marquee",
		Meaning: "the `aud` access tokens carry",
		set:     func(c *Config, _ input, v string) error { c.AuthAudience = v; return nil }},
	{Name: "MARQUEE_AUTH_CLOCK_SKEW", Form: "duration", Default: "5s",
		Meaning: "the most leeway allowed on a token's times for clocks that differ (0 to 5m)",
		set: func(c *Config, _ input, v string) error {
			return duration(&c.AuthClockSkew, v, 0, 5*time.Minute, "want a duration from 0s to 5m, such as 5s")
		}},
	{Name: "MARQUEE_TRUSTED_PROXIES", Form: "CIDR list", Unset: "none",
		Meaning: "proxies whose `X-Forwarded-For` gives the client's address (comma separated CIDRs or addresses)",
		set: func(c *Config, _ input, v string) error {
			for _, s := range strings.Split(v, ",") {
				s = strings.TrimSpace(s)
				if s == "" {
					continue
				}
				p, err := netip.ParsePrefix(s)
				if err != nil {
					a, aerr := netip.ParseAddr(s)
					if aerr != nil {
						return fmt.Errorf("%q: want CIDRs such as 10.0.0.0/8 or addresses, comma separated", s)
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
				c.TrustedProxies = append(c.TrustedProxies, p.Masked())
			}
			return nil
		}},
	{Name: "MARQUEE_TOP_RATED_MIN_VOTES", Form: "1-1000000", Default: "25", UsedBy: []string{"browse"},
		Meaning: "`m` of the top-rated weighted rating v/(v+m)·R + m/(v+m)·C",
		set:     func(c *Config, _ input, v string) error { return number(&c.TopRatedMinVotes, v, 1, 1_000_000) }},
	{Name: "MARQUEE_LOG_LEVEL", Form: "debug\\|info\\|warn\\|error", Default: "info",
		Meaning: "the least important log records written",
		set: func(c *Config, _ input, v string) error {
			return oneOf(&c.LogLevel, v, "debug", "info", "warn", "error")
		}},
	{Name: "MARQUEE_LOG_FORMAT", Form: "text\\|json\\|auto", Default: "auto",
		Meaning: "log records as text or JSON lines on stdout; auto is text on a terminal, else JSON",
		set:     func(c *Config, _ input, v string) error { return oneOf(&c.LogFormat, v, "text", "json", "auto") }},
	{Name: "MARQUEE_REQUEST_TIMEOUT", Form: "duration", Default: "30s",
		Meaning: "the deadline of one HTTP request",
		set: func(c *Config, _ input, v string) error {
			return duration(&c.RequestTimeout, v, time.Nanosecond, 0, "want a positive duration such as 30s")
		}},
	{Name: "MARQUEE_HTTP_READ_TIMEOUT", Form: "duration", Default: "60s",
		Meaning: "the time a client has to send a whole request; an upload's PATCH instead runs as long as its bytes keep coming, each read within this time",
		set: func(c *Config, _ input, v string) error {
			return duration(&c.HTTPReadTimeout, v, time.Millisecond, 0, "want a positive duration such as 60s")
		}},
	{Name: "MARQUEE_SHUTDOWN_TIMEOUT", Form: "duration", Default: "8s",
		Meaning: "the budget of a graceful stop (the whole stop must fit in 10s)",
		set: func(c *Config, _ input, v string) error {
			return duration(&c.ShutdownTimeout, v, time.Nanosecond, 0, "want a positive duration such as 8s")
		}},
}

var (
	deploymentName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)
	consumerPrefix = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Lookup is the row of a variable (a per-service one by its pattern, or by
// an expanded name such as MARQUEE_CATALOG_URL), or nil.
func Lookup(name string) *Var {
	for i := range Vars {
		if Vars[i].Name == name {
			return &Vars[i]
		}
	}
	for i := range Vars {
		if pre, post, ok := strings.Cut(Vars[i].Name, "<SERVICE>"); ok &&
			len(name) > len(pre)+len(post) && strings.HasPrefix(name, pre) && strings.HasSuffix(name, post) {
			return &Vars[i]
		}
	}
	return nil
}

// envName is one concrete variable of a row.
type envName struct{ env, service string }

// names are the concrete variables of v: itself, or one per known service
// for a <SERVICE> row (except where another row names that variable).
func (v *Var) names(known []string) []envName {
	pre, post, ok := strings.Cut(v.Name, "<SERVICE>")
	if !ok {
		return []envName{{env: v.Name}}
	}
	var out []envName
	for _, s := range known {
		name := pre + strings.ToUpper(s) + post
		if slices.ContainsFunc(Vars, func(o Var) bool { return o.Name == name }) {
			continue
		}
		out = append(out, envName{env: name, service: s})
	}
	return out
}

// show is the value as it may be printed: secrets redacted.
func (v *Var) show(raw string) string {
	if !v.Secret || raw == "" {
		return raw
	}
	var out []string
	for _, part := range strings.Split(raw, ",") {
		out = append(out, Redact(part))
	}
	return strings.Join(out, ",")
}

// Redact keeps what helps to recognise a URL (scheme, host, path, user
// name) and hides its password, and any password or token in the query.
func Redact(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Scheme != "sqlite") {
		return "(hidden)" // not a URL with a host: all of it may be the secret (an API key, "user:password")
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		} else if u.Scheme == "nats" || u.Scheme == "tls" {
			u.User = url.User("xxxxx") // nats://TOKEN@host: the user part is the token
		}
	}
	q := u.Query()
	for k := range q {
		if lk := strings.ToLower(k); strings.Contains(lk, "password") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") {
			q.Set(k, "xxxxx")
		}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Setting is one variable's effective value, as `marquee config` prints it.
type Setting struct {
	Name   string
	Value  string // secrets redacted; empty when unset
	Source string // "environment", "default" or "unset"
	Var    *Var
}

// Settings lists every variable of the table with its effective value
// (per-service variables only when set), whether or not the values are valid.
func Settings(getenv func(string) string, known []string) []Setting {
	var out []Setting
	for i := range Vars {
		v := &Vars[i]
		for _, n := range v.names(known) {
			s := Setting{Name: n.env, Var: v, Source: "unset"}
			switch raw := getenv(n.env); {
			case raw != "":
				s.Value, s.Source = v.show(raw), "environment"
			case n.service != "":
				continue
			case v.Default != "":
				s.Value, s.Source = v.Default, "default"
			}
			out = append(out, s)
		}
	}
	return out
}

// Unknown lists the MARQUEE_* variables of environ (KEY=VALUE entries) that
// no row declares, each with the declared name it most resembles, if any:
// a misspelt variable must not pass silently. MARQUEE_TEST_* and
// MARQUEE_BENCH_* belong to the tests.
func Unknown(environ []string, known []string) []string {
	declared := map[string]bool{}
	for i := range Vars {
		for _, n := range Vars[i].names(known) {
			declared[n.env] = true
		}
	}
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "MARQUEE_") || strings.HasPrefix(k, "MARQUEE_TEST_") || strings.HasPrefix(k, "MARQUEE_BENCH_") || declared[k] {
			continue
		}
		if near := nearest(k, declared); near != "" {
			k += " (did you mean " + near + "?)"
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// nearest is the declared name within a small edit distance of name.
func nearest(name string, declared map[string]bool) string {
	best, bestD := "", 4
	for d := range declared {
		if dist := editDistance(name, d); dist < bestD || (dist == bestD && d < best) {
			best, bestD = d, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// README is the configuration table of README.md (between its
// <!-- config:begin --> and <!-- config:end --> markers).
func README() string {
	var b strings.Builder
	b.WriteString("| variable | value | default | read by | meaning |\n|---|---|---|---|---|\n")
	for _, v := range Vars {
		form := v.Form
		if v.Secret {
			form += " (secret)"
		}
		def := "—"
		switch {
		case v.Default != "":
			def = "`" + v.Default + "`"
		case v.Unset != "":
			def = "— (" + v.Unset + ")"
		}
		usedBy := "every process"
		if len(v.UsedBy) > 0 {
			usedBy = strings.Join(v.UsedBy, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", v.Name, form, def, usedBy, v.Meaning)
	}
	return b.String()
}

func hostPort(dst *string, v string) error {
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return errors.New("want host:port such as :8080")
	}
	*dst = v
	return nil
}

func databaseURL(dst *string, v string) error {
	if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") && !strings.HasPrefix(v, "sqlite:") {
		return errors.New("want postgres://... or sqlite:PATH")
	}
	*dst = v
	return nil
}

func serviceURL(c *Config, service, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http(s) URL of the service")
	}
	c.serviceURLs[service] = strings.TrimRight(v, "/")
	return nil
}

func number(dst *int, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("want a whole number from %d to %d", lo, hi)
	}
	*dst = n
	return nil
}

// duration parses v into dst; hi 0 means no upper bound.
func duration(dst *time.Duration, v string, lo, hi time.Duration, want string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || (hi > 0 && d > hi) {
		return errors.New(want)
	}
	*dst = d
	return nil
}

func oneOf(dst *string, v string, allowed ...string) error {
	v = strings.ToLower(v)
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("want %s or %s", strings.Join(allowed[:len(allowed)-1], ", "), allowed[len(allowed)-1])
	}
	*dst = v
	return nil
}

// file checks that v names a readable regular file: a missing credential
// stops the process at start, not at its first reconnect.
func file(dst *string, v string) error {
	f, err := os.Open(v)
	if err != nil {
		return fmt.Errorf("want a readable file: %w", errors.Unwrap(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return errors.New("want a readable file")
	}
	*dst = v
	return nil
}

func absoluteURL(dst *string, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http(s) URL")
	}
	*dst = strings.TrimRight(v, "/")
	return nil
}
