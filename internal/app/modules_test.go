package app_test

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
)

// Every registered module is complete: a unique name, an OpenAPI document,
// migrations for both engines; and the services the binary knows are the
// modules plus the gateway.
func TestModulesAreComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	var names []string
	for _, m := range app.Modules {
		name := m.Name()
		require.NotEmpty(t, name)
		require.NotEqual(t, app.Gateway, name)
		require.False(t, seen[name], "%s is registered twice", name)
		seen[name] = true
		names = append(names, name)

		var doc map[string]any
		require.NoError(t, json.Unmarshal(m.OpenAPI(), &doc), name)
		require.Contains(t, doc, "paths", name)
		for _, engine := range []string{"sqlite", "postgres"} {
			files, err := fs.Glob(m.Migrations(), engine+"/*.sql")
			require.NoError(t, err)
			require.NotEmpty(t, files, "%s has no %s migrations", name, engine)
		}
	}
	require.Equal(t, append(names, app.Gateway), app.Services)
}
