package media

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/auth/authtest"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// call sends a request to h with token and decodes a JSON answer into out.
func call(t *testing.T, h http.Handler, method, path, token string, body any, out any) int {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		require.NoError(t, json.NewEncoder(&buf).Encode(body))
	}
	req := httptest.NewRequest(method, path, &buf)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if out != nil && rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), out), rec.Body.String())
	}
	return rec.Code
}

// The playback routes over HTTP: play fails closed (503) when billing cannot
// be reached and answers 404 without a ready video; heartbeats and ends are
// the owner's; an ended session is gone (410).
func TestPlaybackRoutes(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		s, video := playbackService(t, db)
		// billing at an address where nothing listens: unreachable, for real
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		require.NoError(t, ln.Close())
		s.play.billing = billingapi.NewClient("http://"+ln.Addr().String(), nil)

		minter := authtest.New(t)
		rt := httpx.NewRouter(minter.Verifier())
		s.Routes(rt)
		require.NoError(t, rt.ValidateRequests(OpenAPI))
		ownerID := uuid.NewString()
		owner, other := minter.Token(t, ownerID, auth.RoleUser), minter.User(t)

		var problem map[string]any
		require.Equal(t, 503, call(t, rt, "POST", "/api/movies/"+video.MovieID+"/play", owner, nil, &problem), "billing unreachable: refused")
		require.Equal(t, 404, call(t, rt, "POST", "/api/movies/"+uuid.NewString()+"/play", owner, nil, nil), "no such movie")
		require.Equal(t, 401, call(t, rt, "POST", "/api/movies/"+video.MovieID+"/play", "", nil, nil))

		ans, err := s.Play(context.Background(), ownerID, video, 720, 2)
		require.NoError(t, err)
		path := "/api/playback/" + ans.SessionID
		var beat map[string]any
		require.Equal(t, 200, call(t, rt, "PUT", path, owner, map[string]any{"position_seconds": 125.5}, &beat))
		require.Equal(t, 125.5, beat["position_seconds"])
		require.Equal(t, 403, call(t, rt, "PUT", path, other, map[string]any{"position_seconds": 1}, nil), "another user's session")
		require.Equal(t, 422, call(t, rt, "PUT", path, owner, map[string]any{"position_seconds": -1}, &problem))
		require.Contains(t, problem["errors"], map[string]any{"field": "position_seconds", "reason": "must be a number of at least 0"})
		require.Equal(t, 422, call(t, rt, "PUT", path, owner, map[string]any{}, nil), "required")
		require.Equal(t, 400, call(t, rt, "PUT", path, owner, map[string]any{"position": 1}, nil), "closed schema")
		require.Equal(t, 422, call(t, rt, "PUT", path, owner, map[string]any{"position_seconds": 99999}, nil), "past the end")

		var list struct {
			Items []struct {
				Movie struct {
					ID, Title string
				}
				PositionSeconds float64 `json:"position_seconds"`
			}
		}
		require.Equal(t, 200, call(t, rt, "GET", "/api/me/continue-watching", owner, nil, &list))
		require.Len(t, list.Items, 1)
		require.Equal(t, video.MovieID, list.Items[0].Movie.ID)
		require.Equal(t, 125.5, list.Items[0].PositionSeconds)
		require.Equal(t, 200, call(t, rt, "GET", "/api/me/continue-watching", other, nil, &list))
		require.Empty(t, list.Items, "positions are per user")

		require.Equal(t, 403, call(t, rt, "DELETE", path, other, nil, nil))
		require.Equal(t, 204, call(t, rt, "DELETE", path, owner, nil, nil))
		require.Equal(t, 204, call(t, rt, "DELETE", path, owner, nil, nil), "ending twice is fine")
		require.Equal(t, 410, call(t, rt, "PUT", path, owner, map[string]any{"position_seconds": 130}, nil))
		require.Equal(t, 404, call(t, rt, "PUT", "/api/playback/"+uuid.NewString(), owner, map[string]any{"position_seconds": 1}, nil))
	})
}
