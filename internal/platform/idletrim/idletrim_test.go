package idletrim

import (
	"log/slog"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The watcher is fed allocation-counter readings one tick apart.
func TestWatcherTrimsOncePerBusySpell(t *testing.T) {
	trims := 0
	w := watcher{trim: func() { trims++ }}
	total := uint64(0)
	step := func(allocated uint64) { total += allocated; w.observe(total) }

	step(0) // the first reading only sets the baseline
	step(1 << 20)
	step(1 << 20)
	assert.Equal(t, 0, trims, "quiet from the start: nothing grew, nothing to hand back")

	for range 5 {
		step(100 << 20) // busy
	}
	step(1 << 20)
	assert.Equal(t, 0, trims, "one quiet tick is a pause, not the end of the spell")
	step(1 << 20)
	assert.Equal(t, 1, trims, "two quiet ticks after a busy spell trim")
	for range 10 {
		step(1 << 20)
	}
	assert.Equal(t, 1, trims, "staying idle does not trim again")

	step(100 << 20)
	step(2 << 20)
	step(50 << 20) // the spell resumes before two quiet ticks passed
	step(0)
	assert.Equal(t, 1, trims)
	step(0)
	assert.Equal(t, 2, trims, "the next busy→idle transition trims again")

	// a steady trickle below the quiet rate adds up to a trim's worth now and then
	for range 31 {
		step(2 << 20)
	}
	assert.Equal(t, 2, trims)
	step(2 << 20)
	assert.Equal(t, 3, trims)
}

func TestTrimReturnsFreeHeapToTheOS(t *testing.T) {
	burst()
	runtime.GC() // the burst's 64 MB are free now, but still held from the OS

	trim(slog.New(slog.DiscardHandler))

	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	assert.Less(t, s[0].Value.Uint64(), uint64(8<<20), "free heap pages not returned")
}

var sink []byte

// burst allocates 64 MB that are garbage once it returns.
func burst() {
	for range 64 {
		sink = make([]byte, 1<<20)
	}
	sink = nil
}
