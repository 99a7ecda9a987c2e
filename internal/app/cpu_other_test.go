//go:build !unix

package app_test

import (
	"testing"
	"time"
)

// cpuTime: this platform has no getrusage, the benchmarks report 0.
func cpuTime(testing.TB) time.Duration { return 0 }
