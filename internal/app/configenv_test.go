package app_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/kit"
)

// MARQUEE_REDIS_URL, set in the environment a process reads, makes two
// identity processes share one login limit: the attempts made at A use up
// the account's allowance at B, which has seen none of them.
func TestRedisURLSharesRateLimitsAcrossProcesses(t *testing.T) {
	t.Parallel()
	redisURL := os.Getenv("MARQUEE_TEST_REDIS_URL")
	if redisURL == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MARQUEE_TEST_REDIS_URL is not set; CI must run the Redis tests")
		}
		t.Skip("MARQUEE_TEST_REDIS_URL is not set")
	}
	// a deployment of its own keeps this run's keys apart from other runs on the same Redis
	envFor := func(deployment string) map[string]string {
		return map[string]string{"MARQUEE_REDIS_URL": redisURL, "MARQUEE_DEPLOYMENT": deployment}
	}
	deployment := "t" + uuid.NewString()[:8]
	a, b := start(t, envFor(deployment)), start(t, envFor(deployment))
	email := "limited-" + uuid.NewString()[:8] + "@example.com"
	wrong := map[string]any{"email": email, "password": "not the password at all"}
	for range 10 { // the per-account allowance
		require.Equal(t, 401, a.call(t, "POST", "/api/auth/login", "", wrong, nil))
	}
	require.Equal(t, 429, b.call(t, "POST", "/api/auth/login", "", wrong, nil), "B counts A's attempts")

	other := start(t, envFor("t"+uuid.NewString()[:8])) // another deployment on the same Redis has its own limits
	require.Equal(t, 401, other.call(t, "POST", "/api/auth/login", "", wrong, nil))
}

// MARQUEE_DEPLOYMENT and MARQUEE_CONSUMER_PREFIX, set in the environment,
// name what the process creates on NATS, and events still flow from the
// catalog to browse through the namespaced stream.
func TestDeploymentAndConsumerPrefixNameTheNATSObjects(t *testing.T) {
	t.Parallel()
	p := start(t, map[string]string{"MARQUEE_DEPLOYMENT": "green", "MARQUEE_CONSUMER_PREFIX": "blue-"})
	var actor struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/actors", p.admin(t), map[string]any{"name": "Conrad Veidt"}, &actor))
	p.eventually(t, 200, "GET", "/api/people/"+actor.ID, "", nil, nil)

	ctx := context.Background()
	js := p.app.Bus().JetStream()
	st, err := js.Stream(ctx, "GREEN_CATALOG")
	require.NoError(t, err)
	require.Equal(t, []string{"green.catalog.>"}, st.CachedInfo().Config.Subjects)
	_, err = st.Consumer(ctx, "green-blue-browse-catalog")
	require.NoError(t, err)
	_, err = js.Stream(ctx, "CATALOG")
	require.ErrorIs(t, err, jetstream.ErrStreamNotFound, "nothing under the plain names")
}

// config.Verifiers (the services a process refuses to run without identity's
// keys) are the modules whose OpenAPI documents require a token somewhere:
// an operation whose security has no empty ({}) alternative.
func TestConfigKnowsWhichServicesCheckTokens(t *testing.T) {
	t.Parallel()
	var want []string
	for _, m := range app.Modules {
		if _, issues := m.(kit.Issuer); issues {
			continue // it has its own keys
		}
		var doc struct {
			Security []map[string]any                      `json:"security"`
			Paths    map[string]map[string]json.RawMessage `json:"paths"`
		}
		require.NoError(t, json.Unmarshal(m.OpenAPI(), &doc), m.Name())
		requiresToken := func(security []map[string]any) bool {
			return len(security) > 0 && !slices.ContainsFunc(security, func(s map[string]any) bool { return len(s) == 0 })
		}
		needs := requiresToken(doc.Security)
		for _, ops := range doc.Paths {
			for method, raw := range ops {
				var op struct {
					Security *[]map[string]any `json:"security"`
				}
				if method == "parameters" || json.Unmarshal(raw, &op) != nil || op.Security == nil {
					continue
				}
				needs = needs || requiresToken(*op.Security)
			}
		}
		if needs {
			want = append(want, m.Name())
		}
	}
	require.ElementsMatch(t, want, config.Verifiers)
}
