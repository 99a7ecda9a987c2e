package obs_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/platform/obs"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestBufferedWriterFlushesPeriodicallyAndOnClose(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	w := obs.NewBufferedWriter(&out, 20*time.Millisecond)
	_, _ = w.Write([]byte("one\n"))
	require.Eventually(t, func() bool { return out.String() == "one\n" }, 2*time.Second, 5*time.Millisecond)
	_, _ = w.Write([]byte("two\n"))
	require.NoError(t, w.Close())
	require.Equal(t, "one\ntwo\n", out.String())
}
