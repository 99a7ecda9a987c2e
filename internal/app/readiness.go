package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Readiness says whether a load balancer should send this process traffic:
// it is ready when it can serve its own routes, that is when its databases
// answer and, for a gateway, the services it routes to are ready. NATS is
// reported but does not decide: during an outage writes still commit to the
// outbox and reads, writes and logins work; events wait. Status is "ready",
// "degraded" (ready, but NATS is down) or "unavailable".
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func (a *App) readiness(ctx context.Context) readiness {
	ctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	checks := map[string]string{}
	ok, degraded := true, false
	for _, u := range a.units {
		if err := u.db.Ping(ctx); err != nil {
			ok, checks["database:"+u.name] = false, err.Error()
		} else {
			checks["database:"+u.name] = "ok"
		}
	}
	if a.cfg.Runs(Gateway) {
		for svc, err := range a.gateway.CheckRemotes(ctx) {
			if err != nil {
				ok, checks["service:"+svc] = false, err.Error()
			} else {
				checks["service:"+svc] = "ok"
			}
		}
	}
	if a.bus != nil {
		if err := a.bus.Healthy(ctx); err != nil {
			degraded, checks["nats"] = true, "degraded: "+err.Error()
		} else {
			checks["nats"] = "ok"
		}
	}
	r := readiness{Status: "ready", Checks: checks}
	switch {
	case !ok:
		r.Status = "unavailable"
	case degraded:
		r.Status = "degraded"
	}
	return r
}

// readyHandler answers /readyz: 200 when ready (or degraded), else 503;
// with detail, the result of each check (on the public port only when no
// ops address keeps it private).
func (a *App) readyHandler(detail bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := a.readiness(r.Context())
		status := http.StatusOK
		if res.Status == "unavailable" {
			status = http.StatusServiceUnavailable
		}
		if !detail {
			res.Checks = nil
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, status, res)
	})
}

// registerDependencyMetrics exports marquee_dependency_up{dependency} (1 up,
// 0 down), checked at scrape time: NATS and each database.
func (a *App) registerDependencyMetrics() {
	gauge := func(dependency string, check func(context.Context) error) {
		a.metrics.Gauge("marquee_dependency_up", "Whether a dependency answers (1) or not (0), checked at scrape time.",
			prometheus.Labels{"dependency": dependency}, func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				if check(ctx) != nil {
					return 0
				}
				return 1
			})
	}
	if a.bus != nil {
		gauge("nats", a.bus.Healthy)
	}
	for _, u := range a.units {
		gauge("database:"+u.name, u.db.Ping)
	}
}

// serveOps serves /healthz, the detailed /readyz and /metrics on
// MARQUEE_OPS_ADDR, an address a public load balancer need not reach.
func (a *App) serveOps() (stop func(), err error) {
	ln, err := net.Listen("tcp", a.cfg.OpsAddr)
	if err != nil {
		return nil, fmt.Errorf("MARQUEE_OPS_ADDR: listen on %s: %w", a.cfg.OpsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	mux.Handle("GET /readyz", a.readyHandler(true))
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.Registry, promhttp.HandlerOpts{}))
	srv := httpx.NewServer(ln.Addr().String(), httpx.Chain(mux, httpx.Recover), a.cfg.HTTPReadTimeout)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("ops server stopped", "addr", ln.Addr().String(), "error", err.Error())
		}
	}()
	a.log.Info("ops endpoints serving", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
