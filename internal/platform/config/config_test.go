package config_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var known = []string{"identity", "catalog", "reviews", "social", "browse", "gateway"}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil), []string{"catalog", "identity"})
	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTPAddr)
	require.Equal(t, []string{"catalog", "identity"}, c.Services)
	require.Equal(t, "sqlite://data/catalog.db", c.DatabaseURLFor("catalog"))
	require.Equal(t, 5*time.Second, c.AuthClockSkew)
	require.Equal(t, 1, c.NATSReplicas)
	require.Equal(t, "auto", c.LogFormat)
	require.Equal(t, 25, c.TopRatedMinVotes)
	require.Equal(t, 8*time.Second, c.ShutdownTimeout)
	require.Empty(t, c.Deployment)
	require.Empty(t, c.RedisURL)
}

// The variables that were documented but never read: set in the real
// environment, they reach the configuration.
func TestRedisURLAndConsumerPrefixAreRead(t *testing.T) {
	t.Setenv("MARQUEE_REDIS_URL", "redis://:pw@cache:6379/2")
	t.Setenv("MARQUEE_CONSUMER_PREFIX", "blue-")
	c, err := config.Load(os.Getenv, known)
	require.NoError(t, err)
	require.Equal(t, "redis://:pw@cache:6379/2", c.RedisURL)
	require.Equal(t, "blue-", c.ConsumerPrefix)
}

func TestLoadReadsEveryDeclaredForm(t *testing.T) {
	t.Parallel()
	creds := filepath.Join(t.TempDir(), "user.creds")
	require.NoError(t, os.WriteFile(creds, []byte("x"), 0o600))
	c, err := config.Load(env(map[string]string{
		"MARQUEE_NATS_URL":        "nats://a:4222,nats://b:4222",
		"MARQUEE_NATS_REPLICAS":   "3",
		"MARQUEE_NATS_CREDS":      creds,
		"MARQUEE_NATS_CA":         creds,
		"MARQUEE_DEPLOYMENT":      "staging-2",
		"MARQUEE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,fd00::/8",
		"MARQUEE_OPS_ADDR":        "127.0.0.1:9090",
		"MARQUEE_AUTH_CLOCK_SKEW": "0s",
		"MARQUEE_LOG_FORMAT":      "JSON",
		"MARQUEE_IDENTITY_URL":    "http://identity:8080/",
		"MARQUEE_CATALOG_URL":     "https://catalog.internal",
	}), known)
	require.NoError(t, err)
	require.Equal(t, 3, c.NATSReplicas)
	require.Equal(t, creds, c.NATSCreds)
	require.Equal(t, "staging-2", c.Deployment)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8")}, c.TrustedProxies)
	require.Equal(t, "127.0.0.1:9090", c.OpsAddr)
	require.Equal(t, time.Duration(0), c.AuthClockSkew)
	require.Equal(t, "json", c.LogFormat)
	require.Equal(t, "http://identity:8080", c.ServiceURL("identity"))
	require.Equal(t, "https://catalog.internal", c.ServiceURL("catalog"))
}

func TestDatabaseURLPrecedence(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(map[string]string{
		"MARQUEE_DATABASE_URL":          "postgres://u@db:5432/marquee?sslmode=disable",
		"MARQUEE_IDENTITY_DATABASE_URL": "postgres://u@other/ident",
	}), []string{"catalog", "identity"})
	require.NoError(t, err)
	require.Equal(t, "postgres://u@db:5432/marquee?search_path=catalog&sslmode=disable", c.DatabaseURLFor("catalog"))
	require.Equal(t, "postgres://u@other/ident", c.DatabaseURLFor("identity"))
}

func TestLoadRejectsBadValues(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"unknown service":       {map[string]string{"MARQUEE_SERVICES": "catalog,nope"}, `unknown service "nope"`},
		"bad addr":              {map[string]string{"MARQUEE_HTTP_ADDR": "8080"}, "MARQUEE_HTTP_ADDR"},
		"bad db url":            {map[string]string{"MARQUEE_DATABASE_URL": "mysql://x"}, "want postgres://"},
		"bad nats url":          {map[string]string{"MARQUEE_NATS_URL": "http://x"}, "MARQUEE_NATS_URL"},
		"bad duration":          {map[string]string{"MARQUEE_SHUTDOWN_TIMEOUT": "soon"}, "MARQUEE_SHUTDOWN_TIMEOUT"},
		"bad service url":       {map[string]string{"MARQUEE_CATALOG_URL": "catalog:8080"}, "MARQUEE_CATALOG_URL"},
		"bad redis url":         {map[string]string{"MARQUEE_REDIS_URL": "cache:6379"}, "MARQUEE_REDIS_URL"},
		"bad consumer prefix":   {map[string]string{"MARQUEE_CONSUMER_PREFIX": "a.b"}, "MARQUEE_CONSUMER_PREFIX"},
		"bad deployment":        {map[string]string{"MARQUEE_DEPLOYMENT": "Prod.1"}, "MARQUEE_DEPLOYMENT"},
		"deployment = service":  {map[string]string{"MARQUEE_DEPLOYMENT": "catalog"}, "must not be a service's name"},
		"replicas 0":            {map[string]string{"MARQUEE_NATS_URL": "nats://x:4222", "MARQUEE_NATS_REPLICAS": "0"}, "MARQUEE_NATS_REPLICAS"},
		"replicas embedded":     {map[string]string{"MARQUEE_NATS_REPLICAS": "3"}, "set MARQUEE_NATS_URL"},
		"missing creds file":    {map[string]string{"MARQUEE_NATS_URL": "nats://x:4222", "MARQUEE_NATS_CREDS": "/nonexistent/u.creds"}, "MARQUEE_NATS_CREDS"},
		"creds embedded":        {map[string]string{"MARQUEE_NATS_CA": "/etc/hostname"}, "set MARQUEE_NATS_URL"},
		"bad proxies":           {map[string]string{"MARQUEE_TRUSTED_PROXIES": "10.0.0.0/8,gateway"}, `"gateway": want CIDRs`},
		"ops = http":            {map[string]string{"MARQUEE_OPS_ADDR": ":8080"}, "must differ from MARQUEE_HTTP_ADDR"},
		"negative skew":         {map[string]string{"MARQUEE_AUTH_CLOCK_SKEW": "-1s"}, "MARQUEE_AUTH_CLOCK_SKEW"},
		"huge skew":             {map[string]string{"MARQUEE_AUTH_CLOCK_SKEW": "1h"}, "MARQUEE_AUTH_CLOCK_SKEW"},
		"bad log format":        {map[string]string{"MARQUEE_LOG_FORMAT": "xml"}, "want text, json or auto"},
		"bad log level":         {map[string]string{"MARQUEE_LOG_LEVEL": "loud"}, "MARQUEE_LOG_LEVEL"},
		"bad min votes":         {map[string]string{"MARQUEE_TOP_RATED_MIN_VOTES": "0"}, "from 1 to 1000000"},
		"s3 url without secret": {map[string]string{"MARQUEE_S3_URL": "s3://AKID@minio:9000/media"}, "want s3://ACCESS_KEY:SECRET@host:port/bucket"},
		"s3 url without bucket": {map[string]string{"MARQUEE_S3_URL": "s3://AKID:pw@minio:9000/"}, "want s3://ACCESS_KEY:SECRET@host:port/bucket"},
		"s3 url of http":        {map[string]string{"MARQUEE_S3_URL": "http://AKID:pw@minio:9000/media"}, "MARQUEE_S3_URL"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tc.env), known)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestEveryBadValueIsReportedAndSecretsAreNot(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{
		"MARQUEE_HTTP_ADDR":    "nope",
		"MARQUEE_LOG_LEVEL":    "loud",
		"MARQUEE_DATABASE_URL": "mysql://admin:hunter2@db/x",
	}), known)
	require.ErrorContains(t, err, "MARQUEE_HTTP_ADDR")
	require.ErrorContains(t, err, "MARQUEE_LOG_LEVEL")
	require.ErrorContains(t, err, "MARQUEE_DATABASE_URL")
	require.NotContains(t, err.Error(), "hunter2")
}

func TestCheckServingNeedsTokenKeys(t *testing.T) {
	t.Parallel()
	load := func(m map[string]string) config.Config {
		c, err := config.Load(env(m), known)
		require.NoError(t, err)
		return c
	}
	err := load(map[string]string{"MARQUEE_SERVICES": "catalog,browse"}).CheckServing()
	require.ErrorContains(t, err, "MARQUEE_IDENTITY_URL")
	require.ErrorContains(t, err, "catalog could not check access tokens")

	require.NoError(t, load(map[string]string{"MARQUEE_SERVICES": "identity,catalog"}).CheckServing())
	require.NoError(t, load(map[string]string{"MARQUEE_SERVICES": "reviews", "MARQUEE_IDENTITY_URL": "http://id:8080"}).CheckServing())
	require.NoError(t, load(map[string]string{"MARQUEE_SERVICES": "browse"}).CheckServing(), "browse serves public routes only")
}

func TestUnknownVariablesAreNamed(t *testing.T) {
	t.Parallel()
	got := config.Unknown([]string{
		"MARQUEE_HTTP_ADRR=:80",          // a typo
		"MARQUEE_CATALOG_URL=http://c",   // a per-service variable
		"MARQUEE_NOPE_URL=http://x",      // a service this binary does not know
		"MARQUEE_TEST_NATS_URL=nats://x", // the tests'
		"MARQUEE_BENCH_DATA_DIR=/tmp",
		"MARQUEE_LOG_LEVEL=info",
		"PATH=/bin",
	}, known)
	require.Equal(t, []string{
		"MARQUEE_HTTP_ADRR (did you mean MARQUEE_HTTP_ADDR?)",
		"MARQUEE_NOPE_URL (did you mean MARQUEE_NATS_URL?)",
	}, got)
}

func TestSettingsRedactSecrets(t *testing.T) {
	t.Parallel()
	settings := config.Settings(env(map[string]string{
		"MARQUEE_DATABASE_URL":         "postgres://marquee:hunter2@db:5432/marquee?sslmode=disable",
		"MARQUEE_REDIS_URL":            "redis://:s3cret@cache:6379/0",
		"MARQUEE_NATS_URL":             "nats://tok3n@a:4222,nats://u:pw9@b:4222",
		"MARQUEE_CATALOG_DATABASE_URL": "postgres://x@db/cat?password=pw7",
		"MARQUEE_HTTP_ADDR":            ":9000",
		"MARQUEE_S3_URL":               "s3://AKID:s3cret@minio:9000/media?secure=false",
	}), known)
	got := map[string]config.Setting{}
	for _, s := range settings {
		got[s.Name] = s
	}
	require.Equal(t, "postgres://marquee:xxxxx@db:5432/marquee?sslmode=disable", got["MARQUEE_DATABASE_URL"].Value)
	require.Equal(t, "redis://:xxxxx@cache:6379/0", got["MARQUEE_REDIS_URL"].Value)
	require.Equal(t, "nats://xxxxx@a:4222,nats://u:xxxxx@b:4222", got["MARQUEE_NATS_URL"].Value)
	require.Equal(t, "postgres://x@db/cat?password=xxxxx", got["MARQUEE_CATALOG_DATABASE_URL"].Value)
	require.Equal(t, "s3://AKID:xxxxx@minio:9000/media?secure=false", got["MARQUEE_S3_URL"].Value)
	require.Equal(t, "(hidden)", config.Redact("key:s3cret"), "not a URL: all hidden")
	require.Equal(t, "(hidden)", config.Redact("sk_live_s3cret"))
	require.Equal(t, "sqlite:/var/lib/marquee/x.db", config.Redact("sqlite:/var/lib/marquee/x.db"))
	require.Equal(t, config.Setting{Name: "MARQUEE_HTTP_ADDR", Value: ":9000", Source: "environment", Var: config.Lookup("MARQUEE_HTTP_ADDR")}, got["MARQUEE_HTTP_ADDR"])
	require.Equal(t, "default", got["MARQUEE_DATA_DIR"].Source)
	require.Equal(t, "unset", got["MARQUEE_OPS_ADDR"].Source)
	require.NotContains(t, got, "MARQUEE_REVIEWS_URL", "per-service variables are listed when set")
	for _, s := range settings {
		for _, secret := range []string{"hunter2", "s3cret", "tok3n", "pw9", "pw7"} {
			require.NotContains(t, s.Value, secret, s.Name)
		}
	}
}

// Every row is complete: a variable nobody can read about or validate is not declared.
func TestEveryVariableIsDescribed(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, v := range config.Vars {
		require.True(t, strings.HasPrefix(v.Name, "MARQUEE_"), v.Name)
		require.False(t, seen[v.Name], "declared twice: %s", v.Name)
		seen[v.Name] = true
		require.NotEmpty(t, v.Form, v.Name)
		require.NotEmpty(t, v.Meaning, v.Name)
		require.NotContains(t, v.Meaning, "|", "%s: a | breaks the README's table", v.Name)
		require.Same(t, &config.Vars[slicesIndex(v.Name)], config.Lookup(v.Name))
	}
}

func slicesIndex(name string) int {
	for i, v := range config.Vars {
		if v.Name == name {
			return i
		}
	}
	return -1
}
