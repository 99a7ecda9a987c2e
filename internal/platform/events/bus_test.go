package events_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/servicetest"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// natsServer runs a real NATS server with JetStream on a free loopback port
// for one test; edit adjusts its options (auth, TLS, a fixed port).
func natsServer(t *testing.T, storeDir string, edit func(*server.Options)) *server.Server {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: storeDir, NoSigs: true, NoLog: true}
	if edit != nil {
		edit(opts)
	}
	srv, err := server.NewServer(opts)
	require.NoError(t, err)
	go srv.Start()
	require.True(t, srv.ReadyForConnections(10*time.Second), "nats-server did not start")
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

func connect(t *testing.T, url string, opts ...events.BusOption) *events.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := events.Connect(ctx, url, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

func loadConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] }, []string{"catalog", "browse"})
	require.NoError(t, err)
	return cfg
}

// Replicas come from the configuration into the stream the bus asks for. A
// single server cannot hold three replicas, so it refuses the stream: the
// count really reaches the server.
func TestStreamReplicasComeFromConfiguration(t *testing.T) {
	t.Parallel()
	srv := natsServer(t, t.TempDir(), nil)
	cfg := loadConfig(t, map[string]string{"MARQUEE_NATS_URL": srv.ClientURL(), "MARQUEE_NATS_REPLICAS": "3"})
	bus := connect(t, cfg.NATSURL, events.Options(cfg, servicetest.Logger(t))...)

	sc := bus.StreamConfig("CATALOG", "catalog.>")
	require.Equal(t, 3, sc.Replicas)
	require.Equal(t, "CATALOG", sc.Name)
	require.Equal(t, []string{"catalog.>"}, sc.Subjects)
	require.Equal(t, events.DedupeWindow, sc.Duplicates)
	err := bus.EnsureStream(context.Background(), "CATALOG", "catalog.>")
	require.ErrorContains(t, err, "3 replicas")

	single := connect(t, srv.ClientURL(), events.Options(loadConfig(t, map[string]string{"MARQUEE_NATS_URL": srv.ClientURL()}), nil)...)
	require.Equal(t, 1, single.StreamConfig("CATALOG", "catalog.>").Replicas)
	require.NoError(t, single.EnsureStream(context.Background(), "CATALOG", "catalog.>"))
	info, err := single.JetStream().Stream(context.Background(), "CATALOG")
	require.NoError(t, err)
	require.Equal(t, 1, info.CachedInfo().Config.Replicas)
}

// A server that admits only an NKey user: the seed file named by
// MARQUEE_NATS_NKEY is what lets the bus in.
func TestBusAuthenticatesWithTheConfiguredNKey(t *testing.T) {
	t.Parallel()
	user, err := nkeys.CreateUser()
	require.NoError(t, err)
	pub, err := user.PublicKey()
	require.NoError(t, err)
	seed, err := user.Seed()
	require.NoError(t, err)
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	require.NoError(t, os.WriteFile(seedFile, seed, 0o600))
	srv := natsServer(t, t.TempDir(), func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = events.Connect(ctx, srv.ClientURL())
	require.ErrorContains(t, err, "Authorization Violation", "without the key the server refuses")

	cfg := loadConfig(t, map[string]string{"MARQUEE_NATS_URL": srv.ClientURL(), "MARQUEE_NATS_NKEY": seedFile})
	bus := connect(t, cfg.NATSURL, events.Options(cfg, nil)...)
	require.NoError(t, bus.EnsureStream(ctx, "CATALOG", "catalog.>"))

	other, err := nkeys.CreateUser()
	require.NoError(t, err)
	otherSeed, err := other.Seed()
	require.NoError(t, err)
	otherFile := filepath.Join(t.TempDir(), "other.nk")
	require.NoError(t, os.WriteFile(otherFile, otherSeed, 0o600))
	_, err = events.Connect(ctx, srv.ClientURL(), events.BusNKey(otherFile))
	require.Error(t, err, "another key is refused")
	_, err = events.Connect(ctx, srv.ClientURL(), events.BusNKey(filepath.Join(t.TempDir(), "missing.nk")))
	require.ErrorContains(t, err, "missing.nk")
}

// A TLS server whose certificate a private CA signed: the bus trusts it only
// with MARQUEE_NATS_CA.
func TestBusTrustsTheConfiguredCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	caFile, serverCert := testCA(t, dir)
	srv := natsServer(t, t.TempDir(), func(o *server.Options) {
		o.TLS, o.TLSTimeout = true, 5
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12}
	})
	url := "tls://" + srv.Addr().String()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := events.Connect(ctx, url)
	require.ErrorContains(t, err, "certificate", "the system roots do not know the CA")

	cfg := loadConfig(t, map[string]string{"MARQUEE_NATS_URL": url, "MARQUEE_NATS_CA": caFile})
	bus := connect(t, cfg.NATSURL, events.Options(cfg, nil)...)
	require.NoError(t, bus.EnsureStream(ctx, "CATALOG", "catalog.>"))
	require.True(t, bus.Conn().TLSRequired())
}

// testCA writes a CA certificate (PEM) and returns its file and a server
// certificate for 127.0.0.1 that it signed.
func testCA(t *testing.T, dir string) (string, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "marquee test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600))

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// syncBuffer is a log destination the NATS client's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The process's logger hears of a lost and a regained connection.
func TestBusLogsDisconnectAndReconnect(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	first := natsServer(t, store, nil)
	port := first.Addr().(*net.TCPAddr).Port
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	bus := connect(t, first.ClientURL(), events.Options(loadConfig(t, map[string]string{"MARQUEE_NATS_URL": first.ClientURL()}), log)...)

	first.Shutdown()
	first.WaitForShutdown()
	require.Eventually(t, func() bool { return bytes.Contains([]byte(logs.String()), []byte("nats disconnected")) },
		servicetest.WaitFor, servicetest.Tick, "no disconnect logged:\n%s", logs.String())

	natsServer(t, store, func(o *server.Options) { o.Port = port })
	require.Eventually(t, func() bool { return bytes.Contains([]byte(logs.String()), []byte("nats reconnected")) },
		servicetest.WaitFor, servicetest.Tick, "no reconnect logged:\n%s", logs.String())
	require.NoError(t, bus.Healthy(context.Background()))
	require.Contains(t, logs.String(), "level=WARN msg=\"nats disconnected\"")
	require.Contains(t, logs.String(), "127.0.0.1:"+strconv.Itoa(port))
}

// Two deployments share one NATS server, each with the same services,
// stream, subjects and consumer names: each consumer sees its own
// deployment's events and never the other's.
func TestDeploymentsSharingANATSServerNeverSeeEachOther(t *testing.T) {
	t.Parallel()
	srv := natsServer(t, t.TempDir(), nil)
	type deployment struct {
		name   string
		db     *sqldb.DB
		outbox *events.Outbox
		bus    *events.Bus
		mu     sync.Mutex
		seen   []string
	}
	ctx := context.Background()
	deployments := []*deployment{{name: "blue"}, {name: "green"}, {name: ""}} // "" is the plain names of today
	for _, d := range deployments {
		d.db = sqldbtest.Open(t, sqldb.SQLite)
		prepare(t, d.db)
		d.outbox = events.NewOutbox(d.db)
		cfg := loadConfig(t, map[string]string{"MARQUEE_NATS_URL": srv.ClientURL(), "MARQUEE_DEPLOYMENT": d.name})
		d.bus = connect(t, srv.ClientURL(), events.Options(cfg, servicetest.Logger(t))...)
		name, subject := events.StreamFor("test")
		require.NoError(t, d.bus.EnsureStream(ctx, name, subject))
		servicetest.Background(t, events.NewRelay(d.db, d.outbox, d.bus, nil).Run)
		servicetest.Background(t, events.NewConsumer(d.db, d.bus, events.Subscription{
			Config: events.ConsumerConfig{Name: "test-deployments", Stream: testStream, FilterSubjects: []string{"test.thing.>"}},
			Handler: func(ctx context.Context, tx *sqldb.Tx, env events.Envelope) error {
				tx.AfterCommit(func() {
					d.mu.Lock()
					defer d.mu.Unlock()
					d.seen = append(d.seen, env.Subject)
				})
				return applyEffect(ctx, tx, env)
			}}, nil).Run)
	}
	// each publishes two events, in turns
	for round := range 2 {
		for _, d := range deployments {
			addEvents(t, ctx, d.db, d.outbox, newEvent(t, fmt.Sprintf("%s-%d", d.name, round)))
		}
	}
	for _, d := range deployments {
		require.Eventually(t, func() bool {
			d.mu.Lock()
			defer d.mu.Unlock()
			return len(d.seen) >= 2
		}, servicetest.WaitFor, servicetest.Tick, "deployment %q never got its events", d.name)
	}
	for _, d := range deployments {
		d.mu.Lock()
		require.Equal(t, []string{d.name + "-0", d.name + "-1"}, d.seen, "deployment %q", d.name)
		d.mu.Unlock()
	}

	// on the server: one stream, subject space and durable per deployment
	js := deployments[2].bus.JetStream()
	for stream, want := range map[string]struct{ subject, durable string }{
		"BLUE_TEST":  {"blue.test.>", "blue-test-deployments"},
		"GREEN_TEST": {"green.test.>", "green-test-deployments"},
		"TEST":       {"test.>", "test-deployments"},
	} {
		st, err := js.Stream(ctx, stream)
		require.NoError(t, err, stream)
		require.Equal(t, []string{want.subject}, st.CachedInfo().Config.Subjects)
		require.Equal(t, uint64(2), st.CachedInfo().State.Msgs, stream)
		_, err = st.Consumer(ctx, want.durable)
		require.NoError(t, err, "durable %s on %s", want.durable, stream)
	}
	_, err := deployments[0].bus.Stream(ctx, testStream)
	require.NoError(t, err, "the bus finds its stream by the name services use")
	_, err = js.Stream(ctx, "PURPLE_TEST")
	require.ErrorIs(t, err, jetstream.ErrStreamNotFound)
}

func TestNames(t *testing.T) {
	t.Parallel()
	plain := events.Names{}
	require.Equal(t, "CATALOG", plain.Stream("CATALOG"))
	require.Equal(t, "catalog.movie.created", plain.Subject("catalog.movie.created"))
	require.Equal(t, "browse-catalog", plain.Durable("browse-catalog"))
	n := events.Names{Deployment: "staging", ConsumerPrefix: "rebuild-"}
	require.Equal(t, "STAGING_CATALOG", n.Stream("CATALOG"))
	require.Equal(t, []string{"staging.catalog.>", "staging.reviews.review.created"}, n.Subjects([]string{"catalog.>", "reviews.review.created"}))
	require.Equal(t, "staging-rebuild-browse-catalog", n.Durable("browse-catalog"))
	require.Nil(t, n.Subjects(nil))
}

// A server in operator mode (decentralised JWT auth) admits the user of the
// credentials file named by MARQUEE_NATS_CREDS.
func TestBusAuthenticatesWithTheConfiguredCredsFile(t *testing.T) {
	t.Parallel()
	operator, err := nkeys.CreateOperator()
	require.NoError(t, err)
	operatorPub, err := operator.PublicKey()
	require.NoError(t, err)
	account, err := nkeys.CreateAccount()
	require.NoError(t, err)
	accountPub, err := account.PublicKey()
	require.NoError(t, err)
	ac := jwt.NewAccountClaims(accountPub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	accountJWT, err := ac.Encode(operator)
	require.NoError(t, err)
	user, err := nkeys.CreateUser()
	require.NoError(t, err)
	userPub, err := user.PublicKey()
	require.NoError(t, err)
	userJWT, err := jwt.NewUserClaims(userPub).Encode(account)
	require.NoError(t, err)
	userSeed, err := user.Seed()
	require.NoError(t, err)
	creds, err := jwt.FormatUserConfig(userJWT, userSeed)
	require.NoError(t, err)
	credsFile := filepath.Join(t.TempDir(), "user.creds")
	require.NoError(t, os.WriteFile(credsFile, creds, 0o600))

	system, err := nkeys.CreateAccount()
	require.NoError(t, err)
	systemPub, err := system.PublicKey()
	require.NoError(t, err)
	systemJWT, err := jwt.NewAccountClaims(systemPub).Encode(operator)
	require.NoError(t, err)

	resolver := &server.MemAccResolver{}
	require.NoError(t, resolver.Store(accountPub, accountJWT))
	require.NoError(t, resolver.Store(systemPub, systemJWT))
	srv := natsServer(t, t.TempDir(), func(o *server.Options) {
		o.TrustedOperators = []*jwt.OperatorClaims{jwt.NewOperatorClaims(operatorPub)}
		o.AccountResolver = resolver
		o.SystemAccount = systemPub
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = events.Connect(ctx, srv.ClientURL())
	require.Error(t, err, "without credentials the server refuses")

	cfg := loadConfig(t, map[string]string{"MARQUEE_NATS_URL": srv.ClientURL(), "MARQUEE_NATS_CREDS": credsFile})
	bus := connect(t, cfg.NATSURL, events.Options(cfg, nil)...)
	require.NoError(t, bus.EnsureStream(ctx, "CATALOG", "catalog.>"))
}
