package httpx_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

func TestNewestFirstCursorNamesTheLastItemShown(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)
	items := []sqldb.Position{{At: at.Add(time.Minute), ID: "b"}, {At: at, ID: "a"}, {At: at, ID: "0"}}
	page, err := httpx.NewestFirstPage(items, 2, func(last sqldb.Position) sqldb.Position { return last })
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	require.NotNil(t, page.NextCursor)

	limit, after, err := httpx.ReadNewestFirst(httptest.NewRequest("GET", "/?limit=2&cursor="+*page.NextCursor, nil))
	require.NoError(t, err)
	require.Equal(t, 2, limit)
	require.Equal(t, &sqldb.Position{At: at, ID: "a"}, after)

	limit, after, err = httpx.ReadNewestFirst(httptest.NewRequest("GET", "/", nil))
	require.NoError(t, err)
	require.Equal(t, httpx.DefaultLimit, limit)
	require.Nil(t, after)

	last, err := httpx.NewestFirstPage(items[2:], 2, func(last sqldb.Position) sqldb.Position { return last })
	require.NoError(t, err)
	require.Nil(t, last.NextCursor)

	// a cursor of another list (a bare id, a position without an id) is a 400 naming it
	for _, v := range []any{"a", map[string]string{"t": sqldb.FormatTime(at)}, map[string]string{"t": "yesterday", "i": "a"}} {
		c, err := httpx.EncodeCursor(v)
		require.NoError(t, err)
		_, _, err = httpx.ReadNewestFirst(httptest.NewRequest("GET", "/?cursor="+c, nil))
		var ve *httpx.ValidationError
		require.ErrorAs(t, err, &ve, "%v", v)
		require.Equal(t, "cursor", ve.Errors[0].Field)
	}
}
