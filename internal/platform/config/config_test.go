package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil), []string{"catalog", "identity"})
	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTPAddr)
	require.Equal(t, []string{"catalog", "identity"}, c.Services)
	require.Equal(t, "sqlite://data/catalog.db", c.DatabaseURLFor("catalog"))
	require.Equal(t, 5*time.Second, c.AuthClockSkew)
	c, err = config.Load(env(map[string]string{"MARQUEE_AUTH_CLOCK_SKEW": "0s"}), []string{"catalog"})
	require.NoError(t, err)
	require.Zero(t, c.AuthClockSkew, "no leeway at all is allowed")
	c, err = config.Load(env(map[string]string{"MARQUEE_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7", "MARQUEE_OPS_ADDR": "127.0.0.1:9090"}), []string{"catalog"})
	require.NoError(t, err)
	require.Len(t, c.TrustedProxies, 2)
	require.Equal(t, "127.0.0.1:9090", c.OpsAddr)
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
		"unknown service": {map[string]string{"MARQUEE_SERVICES": "catalog,nope"}, `unknown service "nope"`},
		"bad addr":        {map[string]string{"MARQUEE_HTTP_ADDR": "8080"}, "MARQUEE_HTTP_ADDR"},
		"bad db url":      {map[string]string{"MARQUEE_DATABASE_URL": "mysql://x"}, "want postgres://"},
		"bad nats url":    {map[string]string{"MARQUEE_NATS_URL": "http://x"}, "MARQUEE_NATS_URL"},
		"bad duration":    {map[string]string{"MARQUEE_SHUTDOWN_TIMEOUT": "soon"}, "MARQUEE_SHUTDOWN_TIMEOUT"},
		"bad service url": {map[string]string{"MARQUEE_CATALOG_URL": "catalog:8080"}, "MARQUEE_CATALOG_URL"},
		"negative skew":   {map[string]string{"MARQUEE_AUTH_CLOCK_SKEW": "-1s"}, "MARQUEE_AUTH_CLOCK_SKEW"},
		"huge skew":       {map[string]string{"MARQUEE_AUTH_CLOCK_SKEW": "1h"}, "MARQUEE_AUTH_CLOCK_SKEW"},
		"bad proxies":     {map[string]string{"MARQUEE_TRUSTED_PROXIES": "10.0.0.0/8,gateway"}, "MARQUEE_TRUSTED_PROXIES"},
		"bad ops addr":    {map[string]string{"MARQUEE_OPS_ADDR": "9090"}, "MARQUEE_OPS_ADDR"},
		"ops addr = http": {map[string]string{"MARQUEE_OPS_ADDR": ":8080"}, "MARQUEE_OPS_ADDR"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tc.env), []string{"catalog"})
			require.ErrorContains(t, err, tc.want)
		})
	}
}
