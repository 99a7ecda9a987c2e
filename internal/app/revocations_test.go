package app_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/app"
	"github.com/marquee-dev/marquee/internal/identity"

	"github.com/marquee-dev/marquee/internal/platform/events/eventstest"
)

// revocationBound is how soon every process must refuse a revoked token
// (issue 14: 2 s, for demotions, deletions and ended sessions alike).
const revocationBound = 2 * time.Second

// Two identity processes on one PostgreSQL database and one NATS server, as
// an operator runs them behind a load balancer: what one decides (a
// demotion, a deletion, a logout, a new password), the other enforces within
// 2 s, and a restarted process enforces it before it serves its first request.
func TestRevocationsReachEveryIdentityReplica(t *testing.T) {
	t.Parallel()
	nats := eventstest.StartServer(t)
	env := map[string]string{
		"MARQUEE_SERVICES":              "identity",
		"MARQUEE_IDENTITY_DATABASE_URL": postgresURL(t),
		"MARQUEE_NATS_URL":              nats.URL,
	}
	a := start(t, maps.Clone(env))
	b := start(t, maps.Clone(env))

	root := a.admin(t)
	doomedEmail := "doomed-" + time.Now().Format("150405.000000") + "@example.com"
	id, ok := app.Lookup[*identity.Service](a.app)
	require.True(t, ok)
	_, err := id.CreateAdmin(context.Background(), doomedEmail, testPassword, "Doomed")
	require.NoError(t, err)
	doomedOnA, doomedOnB := a.login(t, doomedEmail), b.login(t, doomedEmail)
	var me struct{ ID string }
	require.Equal(t, 200, b.call(t, "GET", "/api/me", doomedOnA, nil, &me))
	for _, p := range []*platform{a, b} {
		for _, tok := range []string{doomedOnA, doomedOnB} {
			require.Equal(t, 200, p.call(t, "GET", "/api/users", tok, nil, nil), "an administrator lists users on either replica")
		}
	}

	// the demotion is decided on A: both refuse every admin token of it
	require.Equal(t, 200, a.call(t, "PUT", "/api/users/"+me.ID, root, map[string]any{"display_name": "Doomed", "role": "user"}, nil))
	refusedWithin(t, revocationBound, "GET", "/api/users", doomedOnA, a, b)
	refusedWithin(t, revocationBound, "GET", "/api/users", doomedOnB, a, b)

	// either replica restarted refuses them from its first request
	b.stop()
	b = start(t, maps.Clone(env))
	require.Equal(t, 401, b.call(t, "GET", "/api/users", doomedOnA, nil, nil), "restarted B replayed the demotion")
	a.stop()
	a = start(t, maps.Clone(env))
	require.Equal(t, 401, a.call(t, "GET", "/api/users", doomedOnB, nil, nil), "restarted A replayed the demotion")
	require.Equal(t, 200, a.call(t, "GET", "/api/users", root, nil, nil), "other administrators keep their powers")

	// a logout on B ends that session's access token on A too, and no other session
	loggedOut, refresh := loginWithRefresh(t, b, doomedEmail)
	other := a.login(t, doomedEmail)
	require.Equal(t, 200, a.call(t, "GET", "/api/me", loggedOut, nil, nil))
	require.Equal(t, 204, b.call(t, "POST", "/api/auth/logout", "", map[string]any{"refresh_token": refresh}, nil))
	refusedWithin(t, revocationBound, "GET", "/api/me", loggedOut, a, b)
	require.Equal(t, 200, a.call(t, "GET", "/api/me", other, nil, nil), "another session of the same user goes on")

	// a new password set on A ends every session on B
	require.Equal(t, 200, a.call(t, "PATCH", "/api/me", other, map[string]any{"password": testPassword + " 2", "current_password": testPassword}, nil))
	refusedWithin(t, revocationBound, "GET", "/api/me", other, b)

	// a deletion on B: A refuses the user's token, and does after a restart
	victim, victimID := a.userWithID(t)
	require.Equal(t, 204, b.call(t, "DELETE", "/api/users/"+victimID, root, nil, nil))
	refusedWithin(t, revocationBound, "GET", "/api/me", victim, a)
	a.stop()
	a = start(t, maps.Clone(env))
	require.Equal(t, 401, a.call(t, "GET", "/api/me", victim, nil, nil))
}

// refusedWithin waits until every platform answers 401 to the token, for at most bound.
func refusedWithin(t *testing.T, bound time.Duration, method, path, token string, ps ...*platform) {
	t.Helper()
	start := time.Now()
	for _, p := range ps {
		for p.call(t, method, path, token, nil, nil) != 401 {
			require.Less(t, time.Since(start), bound, "%s %s still accepted %s after the revocation", method, path, time.Since(start))
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("%s %s refused by %d processes %s after the revocation", method, path, len(ps), time.Since(start).Round(time.Millisecond))
}

func loginWithRefresh(t *testing.T, p *platform, email string) (access, refresh string) {
	t.Helper()
	var tokens struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	require.Equal(t, 200, p.call(t, "POST", "/api/auth/login", "", map[string]any{"email": email, "password": testPassword}, &tokens))
	return tokens.AccessToken, tokens.RefreshToken
}
