// Package check tests the deployment files in deploy/ without a container
// engine: the compose file through the compose specification's own loader,
// the Helm chart through `helm template`, the nginx example through `nginx -t`
// and the systemd unit through `systemd-analyze verify`.
//
// It is a module of its own so that the compose loader's dependencies stay
// out of the application's go.mod; `make deploy-check` runs it. A tool that is
// missing skips its test on a laptop and fails it when CI is set.
package check

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// services are the services the marquee binary knows (internal/app.Services).
var services = []string{"identity", "catalog", "reviews", "social", "browse", "billing", "notify", "media", "gateway"}

func TestComposeFileDescribesTheScaledOutShape(t *testing.T) {
	ctx := context.Background()
	opts, err := cli.NewProjectOptions([]string{"../compose.yaml"},
		cli.WithWorkingDirectory(".."), cli.WithEnv([]string{"POSTGRES_PASSWORD=check"}), cli.WithName("marquee"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}

	for _, infra := range []string{"postgres", "nats", "redis", "nginx", "migrate"} {
		if _, ok := project.Services[infra]; !ok {
			t.Errorf("compose.yaml has no %s service", infra)
		}
	}
	if err := mustNotLoad(ctx, "../compose.yaml"); err != nil {
		t.Error(err)
	}

	runs := map[string][]string{} // marquee service → compose services running it
	replicas := map[string]int{}
	for name, svc := range project.Services {
		if len(svc.Command) < 1 || svc.Build == nil || svc.Command[0] != "serve" {
			continue // not a serving marquee process
		}
		if len(svc.Command) != 3 || svc.Command[1] != "--services" {
			t.Errorf("%s: want serve --services LIST, have %v", name, svc.Command)
			continue
		}
		n := 1
		if svc.Deploy != nil && svc.Deploy.Replicas != nil {
			n = *svc.Deploy.Replicas
		}
		for _, s := range strings.Split(svc.Command[2], ",") {
			runs[s] = append(runs[s], name)
			replicas[s] += n
		}
		if svc.HealthCheck == nil || !slices.ContainsFunc(svc.HealthCheck.Test, func(a string) bool { return strings.HasSuffix(a, "/readyz") }) {
			t.Errorf("%s: its health check must ask /readyz, has %v", name, svc.HealthCheck)
		}
		if _, ok := svc.DependsOn["migrate"]; !ok || svc.DependsOn["migrate"].Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s: must wait for the migrate service to complete", name)
		}
		env := svc.Environment
		for _, key := range []string{"MARQUEE_DATABASE_URL", "MARQUEE_NATS_URL", "MARQUEE_REDIS_URL", "MARQUEE_DEPLOYMENT", "MARQUEE_TRUSTED_PROXIES"} {
			if v := env[key]; v == nil || *v == "" {
				t.Errorf("%s: %s is not set", name, key)
			}
		}
		if !strings.Contains(svc.Command[2], "identity") {
			if v := env["MARQUEE_IDENTITY_URL"]; v == nil || *v != "http://identity:8080" {
				t.Errorf("%s: needs MARQUEE_IDENTITY_URL=http://identity:8080 to check tokens", name)
			}
		}
		if strings.Contains(svc.Command[2], "gateway") {
			for _, s := range services {
				if s == "gateway" || s == "identity" {
					continue
				}
				key := "MARQUEE_" + strings.ToUpper(s) + "_URL"
				v := env[key]
				if v == nil {
					t.Errorf("%s: %s is not set", name, key)
					continue
				}
				target := strings.TrimSuffix(strings.TrimPrefix(*v, "http://"), ":8080")
				if cmd := project.Services[target].Command; len(cmd) != 3 || !slices.Contains(strings.Split(cmd[2], ","), s) {
					t.Errorf("%s: %s=%s, which does not run %s", name, key, *v, s)
				}
			}
		}
	}
	for _, s := range services {
		if len(runs[s]) == 0 {
			t.Errorf("no compose service runs %s", s)
		}
	}
	if replicas["identity"] < 2 || replicas["gateway"] < 2 {
		t.Errorf("the shape has two identity processes and two gateways; have %d and %d", replicas["identity"], replicas["gateway"])
	}
	nginx := project.Services["nginx"]
	for _, g := range runs["gateway"] {
		if _, ok := nginx.DependsOn[g]; !ok {
			t.Errorf("nginx does not wait for %s", g)
		}
	}
}

// mustNotLoad checks that the compose file refuses to load without a
// database password rather than starting PostgreSQL with an empty one.
func mustNotLoad(ctx context.Context, file string) error {
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithWorkingDirectory(".."), cli.WithEnv([]string{}), cli.WithName("marquee"))
	if err != nil {
		return err
	}
	if _, err := opts.LoadProject(ctx); err == nil || !strings.Contains(err.Error(), "POSTGRES_PASSWORD") {
		return errors.New("compose.yaml loads without POSTGRES_PASSWORD (want an error naming it), got: " + errString(err))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// need finds a tool, skipping the test without it on a laptop and failing it in CI.
func need(t *testing.T, tool string, where ...string) string {
	t.Helper()
	for _, p := range append([]string{tool}, where...) {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; CI must check the deployment files with it (.ci/run installs it)", tool)
	}
	t.Skipf("%s is not installed", tool)
	return ""
}

func helmTemplate(t *testing.T, helm string, args ...string) ([]map[string]any, error) {
	t.Helper()
	cmd := exec.Command(helm, append([]string{"template", "m", "../helm/marquee"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, errors.New(errOut.String())
	}
	var docs []map[string]any
	dec := yaml.NewDecoder(&out)
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			t.Fatalf("helm template printed invalid YAML: %v", err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// get walks a decoded YAML document: get(doc, "spec", "template", 0, "name").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestHelmChartRendersADeploymentPerGroup(t *testing.T) {
	helm := need(t, "helm", os.ExpandEnv("$HOME/go/bin/helm"))
	docs, err := helmTemplate(t, helm, "-f", "../helm/marquee/ci/external-values.yaml")
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	kinds := map[string]map[string]map[string]any{} // kind → name → doc
	for _, d := range docs {
		kind, _ := d["kind"].(string)
		name, _ := get(d, "metadata", "name").(string)
		if kinds[kind] == nil {
			kinds[kind] = map[string]map[string]any{}
		}
		kinds[kind][name] = d
	}
	groups := map[string]string{"identity": "identity", "catalog": "catalog", "reviews": "reviews-social",
		"social": "reviews-social", "browse": "browse", "billing": "billing-notify", "notify": "billing-notify", "media": "media", "gateway": "gateway"}
	for _, g := range groups {
		name := "m-marquee-" + g
		d := kinds["Deployment"][name]
		if d == nil {
			t.Errorf("no Deployment %s", name)
			continue
		}
		c := get(d, "spec", "template", "spec", "containers", 0)
		if p := get(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
			t.Errorf("%s: readiness probe on %v, want /readyz", name, p)
		}
		if p := get(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
			t.Errorf("%s: liveness probe on %v, want /healthz", name, p)
		}
		if get(d, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: pods must run as non-root", name)
		}
		if get(c, "securityContext", "readOnlyRootFilesystem") != true {
			t.Errorf("%s: the root file system should be read-only", name)
		}
		if kinds["PodDisruptionBudget"][name] == nil {
			t.Errorf("no PodDisruptionBudget for %s", name)
		}
		if kinds["Service"][name] == nil {
			t.Errorf("no Service for %s", name)
		}
		env := map[string]string{}
		for _, e := range get(c, "env").([]any) {
			env[get(e, "name").(string)], _ = get(e, "value").(string)
		}
		if env["MARQUEE_DEPLOYMENT"] == "" || env["MARQUEE_TRUSTED_PROXIES"] != "10.0.0.0/8" || env["MARQUEE_NATS_REPLICAS"] != "3" {
			t.Errorf("%s: MARQUEE_DEPLOYMENT, MARQUEE_TRUSTED_PROXIES or MARQUEE_NATS_REPLICAS missing: %v", name, env)
		}
		if g == "gateway" {
			for svc, group := range groups {
				if svc == "gateway" {
					continue
				}
				want := "http://m-marquee-" + group + ":8080"
				if got := env["MARQUEE_"+strings.ToUpper(svc)+"_URL"]; got != want {
					t.Errorf("gateway: MARQUEE_%s_URL=%q, want %q", strings.ToUpper(svc), got, want)
				}
			}
		}
	}
	for _, g := range []string{"gateway", "browse"} {
		hpa := kinds["HorizontalPodAutoscaler"]["m-marquee-"+g]
		if hpa == nil {
			t.Errorf("no HorizontalPodAutoscaler for %s", g)
			continue
		}
		if _, fixed := get(kinds["Deployment"]["m-marquee-"+g], "spec").(map[string]any)["replicas"]; fixed {
			t.Errorf("%s: an autoscaled Deployment must not fix its replicas (every upgrade would reset them)", g)
		}
	}
	secret := kinds["Secret"]["m-marquee-urls"]
	for _, key := range []string{"MARQUEE_DATABASE_URL", "MARQUEE_NATS_URL", "MARQUEE_REDIS_URL"} {
		if get(secret, "stringData", key) == nil {
			t.Errorf("the Secret has no %s", key)
		}
	}

	// with the URLs in a Secret of the operator's, the chart makes none
	docs, err = helmTemplate(t, helm, "-f", "../helm/marquee/ci/existing-secret-values.yaml")
	if err != nil {
		t.Fatalf("helm template with existingSecret: %v", err)
	}
	for _, d := range docs {
		if d["kind"] == "Secret" || d["kind"] == "HorizontalPodAutoscaler" {
			t.Errorf("existing-secret-values.yaml: unexpected %s %v", d["kind"], get(d, "metadata", "name"))
		}
	}

	// what cannot work is refused with a message naming it
	for args, want := range map[string]string{
		"": "externalDatabase.url is required",
		"--set externalDatabase.url=postgres://x/y,externalNATS.url=nats://n:4222,groups.browse.services={catalog}": "must be in exactly one of .Values.groups",
	} {
		_, err := helmTemplate(t, helm, strings.Fields(args)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("helm template %s: want an error saying %q, got %v", args, want, err)
		}
	}
}

func TestNginxExampleConfigIsValid(t *testing.T) {
	nginx := need(t, "nginx", "/usr/sbin/nginx")
	dir := t.TempDir()
	for _, d := range []string{"marquee", "tls"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	site, err := os.ReadFile("../nginx/marquee.conf")
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := os.ReadFile("../nginx/proxy.conf")
	if err != nil {
		t.Fatal(err)
	}
	// nginx -t resolves upstream names, and gateway-a exists only in compose's network
	conf := strings.NewReplacer("server gateway-a:8080", "server 127.0.0.1:8080", "server gateway-b:8080", "server 127.0.0.1:8081",
		"/var/log/nginx/", dir+"/").Replace(string(site))
	write(t, filepath.Join(dir, "marquee", "marquee.conf"), conf)
	write(t, filepath.Join(dir, "marquee", "proxy.conf"), string(proxy))
	selfSigned(t, filepath.Join(dir, "tls", "marquee.crt"), filepath.Join(dir, "tls", "marquee.key"))
	write(t, filepath.Join(dir, "nginx.conf"), "pid "+dir+"/nginx.pid;\nevents {}\nhttp {\n    include marquee/marquee.conf;\n}\n")
	out, err := exec.Command(nginx, "-t", "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log")).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "test is successful") {
		t.Fatalf("nginx -t said:\n%s", out)
	}
}

func TestSystemdUnitVerifies(t *testing.T) {
	// optional even in CI: systemd is not on every machine that runs the checks
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("../systemd/marquee@.service")
	if err != nil {
		t.Fatal(err)
	}
	// verify wants ExecStart's binary to exist; the rest is checked as written
	dir := t.TempDir()
	path := filepath.Join(dir, "marquee@identity.service")
	write(t, path, strings.ReplaceAll(string(unit), "/usr/local/bin/marquee", "/bin/true"))
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestDockerfileBuildsAStaticNonRootImage(t *testing.T) {
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages []string // the instructions of each stage
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "FROM ") {
			stages = append(stages, "")
		}
		if len(stages) > 0 && line != "" && !strings.HasPrefix(line, "#") {
			stages[len(stages)-1] += line + "\n"
		}
	}
	if len(stages) < 3 {
		t.Fatalf("want a multi-stage build (web, binary, runtime), have %d stages", len(stages))
	}
	final := stages[len(stages)-1]
	for _, want := range []string{"FROM gcr.io/distroless/static", "USER 65532", "HEALTHCHECK", "/healthz", `ENTRYPOINT ["/usr/local/bin/marquee"]`} {
		if !strings.Contains(final, want) {
			t.Errorf("the runtime stage lacks %q", want)
		}
	}
	if strings.Contains(final, "RUN ") {
		t.Errorf("the runtime stage has no shell to RUN anything in")
	}
	if !strings.Contains(string(raw), "CGO_ENABLED=0 go build") {
		t.Errorf("the binary must be built with CGO_ENABLED=0 (static)")
	}
	if !strings.Contains(string(raw), "npm ci") || !strings.Contains(string(raw), "npm run build") {
		t.Errorf("the web app must be built in the image")
	}
	ignore, err := os.ReadFile("../Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, heavy := range []string{".git", "web/node_modules"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), heavy) {
			t.Errorf("Dockerfile.dockerignore must leave %s out of the build context", heavy)
		}
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func selfSigned(t *testing.T, certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, certPath, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	write(t, keyPath, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
}
