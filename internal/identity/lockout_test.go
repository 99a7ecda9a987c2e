package identity_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/identity"
	"github.com/marquee-dev/marquee/internal/identity/identityapi"
)

// loginFrom tries a login as if from the client address addr.
func (h *harness) loginFrom(addr, email, pw string) int {
	h.t.Helper()
	body, err := json.Marshal(identityapi.LoginRequest{Email: email, Password: pw})
	require.NoError(h.t, err)
	r := httptest.NewRequest("POST", "/api/auth/login", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = addr + ":40000"
	w := httptest.NewRecorder()
	h.router.ServeHTTP(w, r)
	return w.Code
}

// Failed logins from one address lock that address out of the account, not
// the owner signing in from another; guesses spread over many addresses
// still run into the account's own, larger budget.
func TestLoginLockoutIsPerAddress(t *testing.T) {
	t.Parallel()
	limits := identity.Limits{}
	limits.LoginPerAccountAddress.Burst, limits.LoginPerAccountAddress.Period = 3, time.Hour
	limits.LoginPerAccount.Burst, limits.LoginPerAccount.Period = 12, time.Hour
	cfg := testConfig()
	cfg.Limits = &limits
	h := newHarness(t, cfg)
	email := uniqueEmail("owner")
	h.register(email, "Owner", goodPass)

	for range 3 {
		require.Equal(t, http.StatusUnauthorized, h.loginFrom("203.0.113.7", email, "wrong-password!"))
	}
	for range 5 { // refused attempts spend nothing of the account's budget
		require.Equal(t, http.StatusTooManyRequests, h.loginFrom("203.0.113.7", email, "wrong-password!"))
	}
	require.Equal(t, http.StatusTooManyRequests, h.loginFrom("203.0.113.7", email, goodPass), "the guessing address stays out")
	require.Equal(t, http.StatusOK, h.loginFrom("198.51.100.20", email, goodPass), "the owner signs in from another address")

	// many addresses, a few guesses each: the account's budget (12, of which
	// 4 are spent) runs out after 8 more, whatever the address
	for i := range 8 {
		require.Equal(t, http.StatusUnauthorized, h.loginFrom(fmt.Sprintf("192.0.2.%d", i), email, "wrong-password!"))
	}
	require.Equal(t, http.StatusTooManyRequests, h.loginFrom("192.0.2.200", email, "wrong-password!"))
	require.Equal(t, http.StatusTooManyRequests, h.loginFrom("198.51.100.20", email, goodPass))
}

// The defaults: what one address gets on one account is a tenth of the
// account's budget, so one address cannot lock the owner out.
func TestDefaultLoginLimits(t *testing.T) {
	t.Parallel()
	d := identity.DefaultLimits
	require.True(t, d.LoginPerAccountAddress.Enabled())
	require.Equal(t, d.LoginPerAccountAddress.Period, d.LoginPerAccount.Period)
	require.GreaterOrEqual(t, d.LoginPerAccount.Burst, 10*d.LoginPerAccountAddress.Burst)
}
