package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
)

type readyAnswer struct {
	Code   int
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func getReady(t *testing.T, url string) readyAnswer {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	var r readyAnswer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	r.Code = resp.StatusCode
	return r
}

func getText(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// A NATS outage degrades a process but leaves it ready: reads, writes and
// logins go on (events wait in the outbox), /readyz and a metric say so.
func TestANATSOutageDegradesButDoesNotFailReadiness(t *testing.T) {
	t.Parallel()
	nats := eventstest.StartServer(t)
	p := start(t, map[string]string{"MARQUEE_NATS_URL": nats.URL})
	admin := p.admin(t)
	r := getReady(t, p.url)
	require.Equal(t, 200, r.Code)
	require.Equal(t, "ready", r.Status)
	require.Equal(t, "ok", r.Checks["nats"])

	nats.Stop()
	require.Eventually(t, func() bool { return getReady(t, p.url).Status == "degraded" }, 10*time.Second, 50*time.Millisecond)
	r = getReady(t, p.url)
	require.Equal(t, 200, r.Code, "still ready: %v", r.Checks)
	require.True(t, strings.HasPrefix(r.Checks["nats"], "degraded: "), r.Checks["nats"])
	require.Equal(t, "ok", r.Checks["database:catalog"])
	_, metrics := getText(t, p.url+"/metrics")
	require.Contains(t, metrics, `marquee_dependency_up{dependency="nats"} 0`)
	require.Contains(t, metrics, `marquee_dependency_up{dependency="database:catalog"} 1`)
	var actor struct{ ID string }
	require.Equal(t, 201, p.call(t, "POST", "/api/actors", admin, map[string]any{"name": "Written During The Outage"}, &actor), "writes commit to the outbox")
	require.Equal(t, 200, p.call(t, "GET", "/api/genres", "", nil, nil))
	p.user(t) // register and log in

	nats.Start(t)
	require.Eventually(t, func() bool { return getReady(t, p.url).Status == "ready" }, 20*time.Second, 100*time.Millisecond)
	p.eventually(t, 200, "GET", "/api/people/"+actor.ID, "", nil, nil) // the outbox drained into browse
}

// A gateway is ready only while the services it routes to are.
func TestGatewayReadinessFollowsItsBackends(t *testing.T) {
	t.Parallel()
	id := start(t, map[string]string{"MARQUEE_SERVICES": "identity"})
	gwEnv := map[string]string{"MARQUEE_SERVICES": "gateway"}
	for _, svc := range []string{"IDENTITY", "CATALOG", "REVIEWS", "SOCIAL", "BROWSE", "BILLING", "NOTIFY", "MEDIA"} {
		gwEnv["MARQUEE_"+svc+"_URL"] = id.url
	}
	gw := start(t, gwEnv)
	r := getReady(t, gw.url)
	require.Equal(t, 200, r.Code, "%v", r.Checks)
	for _, svc := range []string{"identity", "catalog", "reviews", "social", "browse"} {
		require.Equal(t, "ok", r.Checks["service:"+svc])
	}
	id.stop()
	r = getReady(t, gw.url)
	require.Equal(t, 503, r.Code)
	require.Equal(t, "unavailable", r.Status)
	require.Contains(t, r.Checks["service:identity"], "unreachable")
}

// With MARQUEE_OPS_ADDR the metrics and the readiness detail move there;
// the public port keeps a bare /readyz for load balancers.
func TestOpsAddressKeepsMetricsAndDetailOffThePublicPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	opsAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := start(t, map[string]string{"MARQUEE_OPS_ADDR": opsAddr})
	ops := fmt.Sprintf("http://%s", opsAddr)
	require.Equal(t, 200, p.call(t, "GET", "/api/genres", "", nil, nil))

	r := getReady(t, p.url)
	require.Equal(t, 200, r.Code)
	require.Equal(t, "ready", r.Status)
	require.Empty(t, r.Checks, "no detail on the public port")
	code, _ := getText(t, p.url+"/metrics")
	require.Equal(t, 404, code)

	r = getReady(t, ops)
	require.Equal(t, 200, r.Code)
	require.Equal(t, "ok", r.Checks["database:identity"])
	require.Equal(t, "ok", r.Checks["nats"])
	code, metrics := getText(t, ops+"/metrics")
	require.Equal(t, 200, code)
	require.Contains(t, metrics, `marquee_http_requests_total{code="200",method="GET",route="GET /api/genres"} 1`)
	code, _ = getText(t, ops+"/healthz")
	require.Equal(t, 200, code)
}
