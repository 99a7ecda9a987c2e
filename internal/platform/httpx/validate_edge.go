package httpx

import (
	"fmt"
	"net/http"
)

// MaxHeaderBytes bounds the request line (with its query) and the headers
// of a request: more is a 431 problem. The server itself reads up to
// ServerMaxHeaderBytes, so that what lies between gets a problem document
// from Harden instead of net/http's plain-text 431; past that (1 MiB of
// headers, which no client of this API sends) net/http answers alone.
const (
	MaxHeaderBytes       = 64 << 10
	ServerMaxHeaderBytes = 1 << 20
)

// The headers every answer carries: no MIME sniffing, no Referer (the web
// app's pages set their own, same-origin, policy), and a policy that lets a response load
// nothing and be framed by nobody. HTML pages replace the policy with their
// own, which must keep frame-ancestors 'none'.
const (
	defaultCSP     = "default-src 'none'; frame-ancestors 'none'"
	referrerPolicy = "no-referrer"
)

// Harden sets the security headers on every response and answers requests
// with oversized headers or query with a 431 problem.
func Harden(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", referrerPolicy)
		h.Set("Content-Security-Policy", defaultCSP)
		if n := headerBytes(r); n > MaxHeaderBytes {
			w.Header().Set("Connection", "close")
			WriteProblem(w, r, Problem{Status: http.StatusRequestHeaderFieldsTooLarge,
				Detail: fmt.Sprintf("The request line and headers take %d bytes; at most %d are accepted.", n, MaxHeaderBytes)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes counts the request as net/http does against MaxHeaderBytes:
// the request line and every header line.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
