//go:build unix

package events

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockStore takes an exclusive lock on the embedded server's store dir. The
// NATS file store has no lock of its own, and two processes writing one store
// corrupt it, so a second `marquee serve` on the same data dir must fail fast.
func lockStore(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "marquee.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("nats store %s is in use by another process", dir)
		}
		return nil, err
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}
