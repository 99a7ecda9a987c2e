//go:build !unix

package main

// cpuUsed: this platform has no getrusage.
func cpuUsed() string { return "CPU time unknown" }
