//go:build !unix

package events

// lockStore is a no-op where flock is not available.
func lockStore(string) (func(), error) { return func() {}, nil }
