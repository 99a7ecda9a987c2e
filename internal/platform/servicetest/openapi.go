package servicetest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/openapicheck"
)

// RunCheckingEveryOperation runs a package's tests (m.Run) and, after a full
// run that passed, fails it when some operation of the checker's OpenAPI
// document never had an answer checked against it, so a route cannot go
// untested. It returns the exit code for TestMain.
func RunCheckingEveryOperation(m *testing.M, checker func() (*openapicheck.Checker, error)) int {
	code := m.Run()
	if code != 0 || flag.Lookup("test.run").Value.String() != "" {
		return code
	}
	c, err := checker()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, op := range c.Operations() {
		if c.Checked(op) == 0 {
			fmt.Fprintf(os.Stderr, "openapi: no test checked an answer of %s against the document\n", op)
			code = 1
		}
	}
	return code
}

// OpenAPIComponents returns an OpenAPI document's components by kind and
// name: the gateway merges every service's, and refuses two differing
// definitions under one name.
func OpenAPIComponents(t testing.TB, spec []byte) map[string]map[string]any {
	t.Helper()
	var doc struct {
		Components map[string]map[string]any `json:"components"`
	}
	require.NoError(t, json.Unmarshal(spec, &doc))
	return doc.Components
}

// RequireSameComponents checks that the components spec shares with each
// of the other documents (paths to their openapi.json) are defined alike,
// as the gateway requires, and returns spec's components.
func RequireSameComponents(t testing.TB, spec []byte, others ...string) map[string]map[string]any {
	t.Helper()
	ours := OpenAPIComponents(t, spec)
	for _, other := range others {
		raw, err := os.ReadFile(other)
		require.NoError(t, err)
		theirs := OpenAPIComponents(t, raw)
		for kind, entries := range ours {
			for name, def := range entries {
				if prev, ok := theirs[kind][name]; ok {
					require.Equal(t, prev, def, "components/%s/%s differs from %s", kind, name, other)
				}
			}
		}
	}
	return ours
}

// RequireRoutesMatchDocument checks that the router serves exactly the
// document's operations, so neither can drift from the other, that each
// route declares the access the test expects of it, and that its security
// entry in the document says the same (RequireAccessMatchesSecurity).
func RequireRoutesMatchDocument(t testing.TB, routes []httpx.RouteInfo, c *openapicheck.Checker, access map[string]auth.Access) {
	t.Helper()
	var fromRouter []string
	for _, r := range routes {
		fromRouter = append(fromRouter, r.Pattern)
		require.Equal(t, access[r.Pattern], r.Access, r.Pattern)
	}
	RequireAccessMatchesSecurity(t, routes, c)
	fromSpec := c.Operations()
	sort.Strings(fromSpec)
	require.Equal(t, fromRouter, fromSpec)
}

// RequireAccessMatchesSecurity checks each route's access rule against its
// operation's security entry: Public routes (tokens never read) have
// security: [], Anyone routes (a token is optional) offer {} beside
// bearerAuth, and every other rule requires bearerAuth.
func RequireAccessMatchesSecurity(t testing.TB, routes []httpx.RouteInfo, c *openapicheck.Checker) {
	t.Helper()
	for _, r := range routes {
		want := "required"
		switch r.Access {
		case auth.Public:
			want = "public"
		case auth.Anyone:
			want = "optional"
		}
		require.Equal(t, want, c.TokenUse(r.Pattern), "route %s (access %s): its security entry in the document", r.Pattern, r.Access)
	}
}
