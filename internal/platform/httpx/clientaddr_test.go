package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

func TestClientAddressTrustsOnlyConfiguredProxies(t *testing.T) {
	t.Parallel()
	trusted, err := httpx.ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,::1")
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		trusted httpx.TrustedProxies
		peer    string
		xff     []string
		want    string
	}{
		"no proxy configured: the peer":             {nil, "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		"untrusted peer: forged header ignored":     {trusted, "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		"trusted peer, no header: the peer":         {trusted, "10.1.2.3:4000", nil, "10.1.2.3"},
		"trusted peer: the client it names":         {trusted, "10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		"the rightmost untrusted hop wins":          {trusted, "10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		"several header lines read as one list":     {trusted, "192.0.2.7:80", []string{"6.6.6.6, 198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		"only trusted hops: the leftmost":           {trusted, "10.1.2.3:4000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		"garbage stops the walk":                    {trusted, "10.1.2.3:4000", []string{"198.51.100.1, nonsense, 10.0.0.2"}, "10.0.0.2"},
		"a hop with a port":                         {trusted, "10.1.2.3:4000", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		"IPv6 peer trusted":                         {trusted, "[::1]:8080", []string{"2001:db8::1"}, "2001:db8::1"},
		"IPv4-mapped peer matches its IPv4 network": {trusted, "[::ffff:10.1.2.3]:80", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got string
			h := httpx.ClientAddress(tc.trusted)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = httpx.ClientIP(r).String()
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			require.Equal(t, tc.want, got)
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0.0/8,nope"} {
		_, err := httpx.ParseTrustedProxies(bad)
		require.Error(t, err, bad)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.9:1"
	require.Equal(t, "203.0.113.9", httpx.ClientIP(r).String(), "without the middleware: the peer")
}
