package obs

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// BufferedWriter batches log lines so a request does not cost a write
// syscall; it flushes every interval, when the buffer fills, and on Close.
// A crash can lose at most the last interval of log lines.
type BufferedWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// NewBufferedWriter starts the periodic flush.
func NewBufferedWriter(w io.Writer, interval time.Duration) *BufferedWriter {
	b := &BufferedWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.Flush()
			case <-b.stop:
				return
			}
		}
	}()
	return b
}

func (b *BufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Flush writes out what is buffered.
func (b *BufferedWriter) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.buf.Flush()
}

// Close stops the periodic flush and flushes once more.
func (b *BufferedWriter) Close() error {
	close(b.stop)
	<-b.done
	b.Flush()
	return nil
}
