package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is a Limiter that keeps its state in this process. Idle keys are
// swept once they are back to a full bucket, so memory stays bounded by the
// keys active within the longest Period.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	tats      map[string]time.Time
	lastSweep time.Time
}

// MemoryOption configures a Memory limiter.
type MemoryOption func(*Memory)

// MemoryClock replaces time.Now (tests).
func MemoryClock(now func() time.Time) MemoryOption { return func(m *Memory) { m.now = now } }

// NewMemory returns an empty in-process limiter.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{now: time.Now, tats: map[string]time.Time{}}
	for _, opt := range opts {
		opt(m)
	}
	return m
}

// sweepEvery bounds how often Allow scans for idle keys.
const sweepEvery = time.Minute

// Allow records one request under key and says whether it is allowed.
func (m *Memory) Allow(_ context.Context, key string, limit Limit) (Decision, error) {
	if !limit.Enabled() {
		return Decision{Allowed: true, Remaining: -1}, nil
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.lastSweep) > sweepEvery {
		for k, tat := range m.tats {
			if !tat.After(now) { // bucket full again: same as a fresh key
				delete(m.tats, k)
			}
		}
		m.lastSweep = now
	}
	d, tat := gcra(now, m.tats[key], limit)
	if d.Allowed {
		m.tats[key] = tat
	}
	return d, nil
}

// Len is the number of keys tracked (for tests and metrics).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tats)
}
