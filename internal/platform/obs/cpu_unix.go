//go:build unix

package obs

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user and system) this process has used so far,
// ffmpeg and other children excluded; ok is false where the platform cannot
// tell. On a shared machine it varies less with the load than the wall time.
func CPUTime() (cpu time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
