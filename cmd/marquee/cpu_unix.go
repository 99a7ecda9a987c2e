//go:build unix

package main

import (
	"fmt"
	"syscall"
	"time"
)

// cpuUsed says how much CPU time this process has used so far (user and
// system, ffmpeg and other children excluded): on a shared machine it varies
// less with the load than the wall time.
func cpuUsed() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return "CPU time unknown"
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return fmt.Sprintf("%.1f CPU-s", cpu.Seconds())
}
