// Package ratelimit decides whether one more request under a key (an account,
// a client address) is allowed. Both implementations use the generic cell rate
// algorithm (GCRA), a token bucket that keeps a single timestamp per key: a
// key may spend Burst requests at once, and regains one every Period/Burst.
//
// Memory keeps the state in the process (one process, or limits that need not
// be shared); Redis shares it between every process of a site.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Limit is Burst requests per Period: Burst may come at once, after which one
// more is allowed every Period/Burst. A zero Limit allows everything.
type Limit struct {
	Burst  int
	Period time.Duration
}

// Enabled reports whether the limit restricts anything.
func (l Limit) Enabled() bool { return l.Burst > 0 && l.Period > 0 }

// interval is how long it takes to regain one request.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Burst) }

func (l Limit) String() string {
	if !l.Enabled() {
		return "unlimited"
	}
	return fmt.Sprintf("%d per %s", l.Burst, l.Period)
}

// Decision is the answer for one request.
type Decision struct {
	Allowed bool
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// RetryAfter is, when the request is refused, how long until one is allowed again.
	RetryAfter time.Duration
}

// Limiter counts requests per key. Keys of different limits must not collide:
// namespace them ("login:ip:203.0.113.9").
type Limiter interface {
	Allow(ctx context.Context, key string, limit Limit) (Decision, error)
}

// gcra is the algorithm both implementations share. tat is the key's
// "theoretical arrival time" (zero or in the past for a fresh key); it returns
// the decision and the new tat to store (unchanged when refused).
func gcra(now, tat time.Time, l Limit) (Decision, time.Time) {
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval())
	ahead := next.Sub(now) // how far the key has borrowed into the future
	if ahead > l.Period {
		return Decision{Allowed: false, RetryAfter: ahead - l.Period}, tat
	}
	return Decision{Allowed: true, Remaining: int((l.Period - ahead) / l.interval())}, next
}
