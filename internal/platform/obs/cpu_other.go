//go:build !unix

package obs

import "time"

// CPUTime: this platform has no getrusage.
func CPUTime() (cpu time.Duration, ok bool) { return 0, false }
