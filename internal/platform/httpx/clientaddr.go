package httpx

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the addresses whose X-Forwarded-For is believed: the
// reverse proxies and gateways in front of a process (MARQUEE_TRUSTED_PROXIES).
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads a comma list of CIDRs or single addresses
// ("10.0.0.0/8, 192.0.2.7").
func ParseTrustedProxies(list string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", s)
			}
			ip = ip.Unmap()
			out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Contains reports whether ip is a trusted proxy.
func (t TrustedProxies) Contains(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range t {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

type clientKey struct{}

// ClientAddress finds the address of the client a request comes from and
// keeps it for ClientIP: the connection's peer, unless that peer is a trusted
// proxy; then X-Forwarded-For is read from the right, skipping trusted hops,
// and the first untrusted hop is the client (the hops to its left were
// written by whoever the client is, so they prove nothing). A forged header
// from an untrusted peer is ignored.
func ClientAddress(trusted TrustedProxies) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := clientIP(r, trusted)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, ip)))
		})
	}
}

// ClientIP is the request's client address as ClientAddress found it, or
// the connection's peer when no ClientAddress middleware ran. It is the zero
// Addr when the peer address cannot be parsed (not a TCP connection).
func ClientIP(r *http.Request) netip.Addr {
	if ip, ok := r.Context().Value(clientKey{}).(netip.Addr); ok {
		return ip
	}
	return peerIP(r.RemoteAddr)
}

func clientIP(r *http.Request, trusted TrustedProxies) netip.Addr {
	client := peerIP(r.RemoteAddr)
	if len(trusted) == 0 || !client.IsValid() || !trusted.Contains(client) {
		return client
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip := hopIP(strings.TrimSpace(hops[i]))
		if !ip.IsValid() {
			break // garbage: believe nothing to its left
		}
		client = ip
		if !trusted.Contains(ip) {
			break
		}
	}
	return client
}

// peerIP parses the host of a RemoteAddr ("192.0.2.1:1234", "[::1]:80").
func peerIP(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}

// hopIP parses one X-Forwarded-For entry: an address, possibly with a port.
func hopIP(s string) netip.Addr {
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
