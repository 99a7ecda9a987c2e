package eventstest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a real NATS JetStream server for one test, on a loopback TCP
// port with its store in a temporary directory: several processes (or App
// instances) of a test share it, and nothing else does. It can be stopped
// and started again on the same port and store (an outage).
type Server struct {
	URL  string
	port int
	dir  string
	srv  *server.Server
}

// StartServer starts a server that stops when the test ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("nats test server: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	s := &Server{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), port: port, dir: t.TempDir()}
	s.Start(t)
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server (again).
func (s *Server) Start(t testing.TB) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: s.port, JetStream: true, StoreDir: s.dir, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatalf("nats test server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatalf("nats test server did not start on port %d", s.port)
	}
	s.srv = srv
}

// Stop shuts the server down; clients see an outage until Start.
func (s *Server) Stop() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.srv = nil
	}
}
