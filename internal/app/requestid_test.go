package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A request through a gateway to a service in another process: the client
// gets one X-Request-Id, both processes log the request under it, and the
// trace the client started continues in both.
func TestOneRequestIDAcrossProcesses(t *testing.T) {
	t.Parallel()
	// successful requests are logged at debug
	id := start(t, map[string]string{"MARQUEE_SERVICES": "identity", "MARQUEE_LOG_LEVEL": "debug"})
	gwEnv := map[string]string{"MARQUEE_SERVICES": "gateway", "MARQUEE_LOG_LEVEL": "debug"}
	for _, svc := range []string{"IDENTITY", "CATALOG", "REVIEWS", "SOCIAL", "BROWSE", "BILLING", "NOTIFY", "MEDIA"} {
		gwEnv["MARQUEE_"+svc+"_URL"] = id.url // only identity's routes are called
	}
	gw := start(t, gwEnv)

	get := func(requestID, traceparent string) []string {
		req, err := http.NewRequest("GET", gw.url+"/.well-known/jwks.json", nil)
		require.NoError(t, err)
		if requestID != "" {
			req.Header.Set("X-Request-Id", requestID)
		}
		if traceparent != "" {
			req.Header.Set("traceparent", traceparent)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		return resp.Header.Values("X-Request-Id")
	}
	// requestLines are the access-log lines of a process for one request id
	requestLines := func(p *platform, rid string) []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(p.logs.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "request" && m["request_id"] == rid {
				out = append(out, m)
			}
		}
		return out
	}

	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	got := get("checkout-7.retry_2", "00-"+trace+"-00f067aa0ba902b7-01")
	require.Equal(t, []string{"checkout-7.retry_2"}, got, "one header, the client's plain id")
	for name, p := range map[string]*platform{"gateway": gw, "identity": id} {
		lines := requestLines(p, "checkout-7.retry_2")
		require.Len(t, lines, 1, "%s logs the request under the client's id:\n%s", name, p.logs.String())
		require.Equal(t, trace, lines[0]["trace_id"], name)
		require.Equal(t, "/.well-known/jwks.json", lines[0]["path"], name)
	}

	// an id that is not plain is replaced, in both processes alike
	got = get("drop table; --", "")
	require.Len(t, got, 1)
	require.NotEqual(t, "drop table; --", got[0])
	gwLines, idLines := requestLines(gw, got[0]), requestLines(id, got[0])
	require.Len(t, gwLines, 1)
	require.Len(t, idLines, 1, "the service logs under the gateway's id")
	require.Equal(t, gwLines[0]["trace_id"], idLines[0]["trace_id"], "a trace started by the gateway continues in the service")

	got = get("", "")
	require.Len(t, got, 1, "no id sent: one made, one returned")
	require.Len(t, requestLines(id, got[0]), 1)
}
