package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clientAt is an HTTP client whose connections come from a given loopback
// address, so one test machine can play several clients.
func clientAt(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// Identity runs behind a gateway (a process of its own) that it trusts:
// the per-address limits count each real client, not the gateway, and a
// client cannot pick its own address with a forged X-Forwarded-For.
func TestRateLimitsCountTheRealClientBehindTheGateway(t *testing.T) {
	t.Parallel()
	id := start(t, map[string]string{"MARQUEE_SERVICES": "identity", "MARQUEE_TRUSTED_PROXIES": "127.0.0.1/32"})
	// the gateway trusts 127.0.0.4, standing for the load balancer in front of it
	gwEnv := map[string]string{"MARQUEE_SERVICES": "gateway", "MARQUEE_TRUSTED_PROXIES": "127.0.0.4"}
	for _, svc := range []string{"IDENTITY", "CATALOG", "REVIEWS", "SOCIAL", "BROWSE", "BILLING", "NOTIFY", "MEDIA"} {
		gwEnv["MARQUEE_"+svc+"_URL"] = id.url // only identity's routes are called
	}
	gw := start(t, gwEnv)

	n := 0
	register := func(c *http.Client, base, forged string) int {
		n++
		body, _ := json.Marshal(map[string]any{"email": fmt.Sprintf("limited-%d@example.com", n), "password": "password1234", "display_name": "Limited"})
		req, err := http.NewRequest("POST", base+"/api/auth/register", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if forged != "" {
			req.Header.Set("X-Forwarded-For", forged)
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	alice, bob := clientAt(t, "127.0.0.2"), clientAt(t, "127.0.0.3")
	// every attempt counts, refused or not (a common password: 422)
	for range 20 { // identity's default: 20 registrations per address and hour
		require.Equal(t, 422, register(alice, gw.url, ""))
	}
	require.Equal(t, 429, register(alice, gw.url, ""), "alice has used her attempts")
	require.Equal(t, 429, register(alice, gw.url, "198.51.100.1"), "a forged X-Forwarded-For through the gateway changes nothing")
	require.Equal(t, 429, register(alice, id.url, "198.51.100.2"), "nor sent to identity directly: alice is not a trusted proxy")
	require.Equal(t, 422, register(bob, gw.url, ""), "bob, behind the same gateway, has his own attempts")

	// behind the load balancer too: the gateway passes on the client it names
	lb := clientAt(t, "127.0.0.4")
	for range 20 {
		require.Equal(t, 422, register(lb, gw.url, "198.51.100.7"))
	}
	require.Equal(t, 429, register(lb, gw.url, "198.51.100.7"))
	require.Equal(t, 422, register(lb, gw.url, "198.51.100.8"), "another client behind the load balancer and the gateway")
	require.Equal(t, 429, register(lb, gw.url, "198.51.100.7, 127.0.0.4"), "a trusted hop is skipped")
}
