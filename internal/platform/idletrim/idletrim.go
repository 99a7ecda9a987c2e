// Package idletrim hands the memory of a busy spell back to the operating
// system once the process has gone quiet.
//
// The Go runtime keeps a grown heap mapped until its background scavenger
// slowly returns it, and with no allocation going on no collection runs
// until the forced one every two minutes: after a burst (the demo fill, an
// import, a traffic spike) an idle server would sit on the burst's heap for
// minutes. A soft memory limit (GOMEMLIMIT) would make the collector run
// harder during the busy spell itself, which costs throughput; this costs a
// couple of collections of an idle heap, once per busy→idle transition.
// Nothing in the standard library or a well-kept module does this, hence
// these few lines.
package idletrim

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

const (
	// tick is how often the allocation counter is read.
	tick = 5 * time.Second
	// quietTicks in a row with at most quietBytes allocated each make the
	// process quiet: 10–15 s without real work.
	quietTicks = 2
	quietBytes = 4 << 20 // 0.8 MB/s: an idle server's relays and pollers allocate ~0.1 MB/s
	// busyBytes allocated since the last trim make a trim worth its two collections.
	busyBytes = 64 << 20
)

// allocsMetric counts every byte the heap has handed out since the start.
const allocsMetric = "/gc/heap/allocs:bytes"

// Run trims after every busy spell until ctx ends; release is called first,
// to drop what the process holds outside the Go heap (idle connections).
func Run(ctx context.Context, log *slog.Logger, release func()) {
	t := time.NewTicker(tick)
	defer t.Stop()
	w := watcher{trim: func() { release(); trim(log) }}
	w.observe(allocated())
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.observe(allocated())
		}
	}
}

// watcher decides, from successive readings of the allocation counter,
// when a busy spell has ended.
type watcher struct {
	trim      func()
	started   bool
	last      uint64 // the previous reading
	trimmedAt uint64 // the reading at the last trim (0: the process start)
	quiet     int    // quiet ticks in a row
}

func (w *watcher) observe(total uint64) {
	if !w.started {
		w.started, w.last = true, total
		return
	}
	if total-w.last <= quietBytes {
		w.quiet++
	} else {
		w.quiet = 0
	}
	w.last = total
	if w.quiet >= quietTicks && total-w.trimmedAt >= busyBytes {
		w.trimmedAt = total
		w.trim()
	}
}

func allocated() uint64 {
	s := []metrics.Sample{{Name: allocsMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// trim collects twice, then returns every free page: sync.Pool keeps what
// was put into it through one collection (its victim cache), and the
// largest pools after a burst are the embedded NATS server's 1–8 MB
// message-block buffers.
func trim(log *slog.Logger) {
	before := heapRetained()
	runtime.GC()
	debug.FreeOSMemory()
	log.Debug("returned idle memory to the operating system", "heap_retained_before_mb", before>>20, "heap_retained_mb", heapRetained()>>20)
}

// heapRetained is the heap memory the process holds from the OS: in use or
// free but not yet returned.
func heapRetained() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}, {Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64() + s[2].Value.Uint64()
}
