package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
)

func TestClient(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	tight := identity.Limits{}
	tight.LoginPerAccount.Burst, tight.LoginPerAccount.Period = 3, time.Hour
	cfg.Limits = &tight
	h := newHarness(t, cfg)
	ctx := context.Background()
	c := identityapi.NewClient(h.srv.URL+"/", nil)
	admin := h.admin()
	adminClient := c.WithToken(admin.AccessToken)

	email := uniqueEmail("client")
	me, err := c.Register(ctx, identityapi.RegisterRequest{Email: email, Password: goodPass, DisplayName: "Client"})
	require.NoError(t, err)
	_, err = c.Register(ctx, identityapi.RegisterRequest{Email: "bad", Password: "short", DisplayName: " "})
	var apiErr *identityapi.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 422, apiErr.Status)
	require.Len(t, apiErr.Errors, 3)

	tok, err := c.Login(ctx, email, goodPass)
	require.NoError(t, err)
	require.Equal(t, me, tok.User)
	tok, err = c.Refresh(ctx, tok.RefreshToken)
	require.NoError(t, err)
	user := c.WithToken(tok.AccessToken)
	got, err := user.Me(ctx)
	require.NoError(t, err)
	require.Equal(t, me.ID, got.ID)
	got, err = user.UpdateMe(ctx, identityapi.UpdateMeRequest{DisplayName: ptr("Client 2")})
	require.NoError(t, err)
	require.Equal(t, "Client 2", got.DisplayName)
	got, err = user.UpdateUser(ctx, me.ID, identityapi.UpdateUserRequest{DisplayName: "Client 3"})
	require.NoError(t, err)
	require.Equal(t, "Client 3", got.DisplayName)
	pub, err := c.GetUser(ctx, me.ID)
	require.NoError(t, err)
	require.Equal(t, "Client 3", pub.DisplayName)

	page, err := adminClient.ListUsers(ctx, identityapi.UserListParams{Q: "client", Limit: 10, IncludeDeleted: true})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	_, err = user.ListUsers(ctx, identityapi.UserListParams{})
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 403, apiErr.Status)

	require.NoError(t, c.Logout(ctx, tok.RefreshToken))
	_, err = c.Refresh(ctx, tok.RefreshToken)
	require.ErrorIs(t, err, identityapi.ErrUnauthorized)

	other := h.user("Other")
	require.NoError(t, adminClient.DeleteUser(ctx, other.User.ID))
	_, err = c.GetUser(ctx, other.User.ID)
	require.ErrorIs(t, err, identityapi.ErrNotFound)
	require.NoError(t, user.DeleteMe(ctx))
	_, err = user.Me(ctx)
	require.ErrorIs(t, err, identityapi.ErrUnauthorized)

	victim := uniqueEmail("victim")
	_, err = c.Register(ctx, identityapi.RegisterRequest{Email: victim, Password: goodPass, DisplayName: "V"})
	require.NoError(t, err)
	for range 3 {
		_, err = c.Login(ctx, victim, "wrong-wrong-wrong")
		require.ErrorIs(t, err, identityapi.ErrUnauthorized)
	}
	_, err = c.Login(ctx, victim, goodPass)
	require.ErrorIs(t, err, identityapi.ErrRateLimited)
	require.ErrorAs(t, err, &apiErr)
	require.Positive(t, apiErr.RetryAfter)
}
