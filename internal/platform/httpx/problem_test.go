package httpx_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
)

// Every apperr kind is answered in one place, with its status, headers and
// detail, however deeply the domain error is wrapped.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	cause := errors.New("row 42 missing")
	for name, tc := range map[string]struct {
		err     error
		status  int
		detail  string
		header  [2]string
		fields  int
		problem string
	}{
		"not found":       {apperr.NotFound("movie").WithCause(cause), 404, "movie not found", [2]string{}, 0, ""},
		"bare not found":  {fmt.Errorf("get: %w", apperr.ErrNotFound), 404, "The resource does not exist.", [2]string{}, 0, ""},
		"conflict":        {apperr.Conflict("already taken"), 409, "already taken", [2]string{}, 0, ""},
		"invalid":         {apperr.Invalid("email", "is not an address"), 422, "The request has invalid fields.", [2]string{}, 1, "/problems/validation"},
		"unauthenticated": {apperr.Unauthenticated("bad password"), 401, "bad password", [2]string{"WWW-Authenticate", `Bearer realm="marquee"`}, 0, ""},
		"forbidden":       {fmt.Errorf("op: %w", apperr.Forbidden("not yours")), 403, "not yours", [2]string{}, 0, ""},
		"rate limited":    {apperr.RateLimited(1500 * time.Millisecond), 429, "Too many attempts; try again in 2 seconds.", [2]string{"Retry-After", "2"}, 0, ""},
		"short wait":      {apperr.RateLimited(time.Millisecond), 429, "Too many attempts; try again in 1 seconds.", [2]string{"Retry-After", "1"}, 0, ""},
		"unavailable":     {apperr.Unavailable("search is rebuilding"), 503, "search is rebuilding", [2]string{}, 0, ""},
	} {
		rec := httptest.NewRecorder()
		httpx.Error(rec, httptest.NewRequest("GET", "/x", nil), tc.err)
		p := decodeProblem(t, rec)
		require.Equal(t, tc.status, p.Status, name)
		require.Equal(t, tc.detail, p.Detail, name)
		require.Len(t, p.Errors, tc.fields, name)
		require.NotContains(t, rec.Body.String(), "row 42", "%s: the cause is never shown", name)
		if tc.header[0] != "" {
			require.Equal(t, tc.header[1], rec.Header().Get(tc.header[0]), name)
		}
		if tc.problem != "" {
			require.Equal(t, tc.problem, p.Type, name)
		}
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	require.Nil(t, apperr.KindOf(errors.New("disk full")))
	require.Equal(t, apperr.ErrConflict, apperr.KindOf(fmt.Errorf("x: %w", apperr.Conflict("c"))))
	require.Equal(t, apperr.ErrNotFound, apperr.KindOf(errors.Join(errors.New("a"), httpx.ErrNotFound)))
	err := apperr.NotFound("user").WithCause(cause42)
	require.ErrorIs(t, err, apperr.ErrNotFound)
	require.ErrorIs(t, err, cause42, "the cause still matches")
	require.NotErrorIs(t, err, apperr.ErrConflict)
	var v apperr.Validator
	require.NoError(t, v.Err())
	v.Check(false, "a", "bad")
	v.Check(true, "b", "fine")
	require.Equal(t, "invalid request: a: bad", v.Err().Error())
}

var cause42 = errors.New("row 42")
