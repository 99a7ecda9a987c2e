package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Limiter whose state lives in Redis, shared by every process of a
// site. Each decision is one round trip running a Lua script, so it is atomic
// across processes; the script reads Redis's own clock (TIME), so the
// processes' clocks need not agree. A key expires as soon as its bucket is
// full again.
type Redis struct {
	client redis.Scripter
	prefix string
}

// NewRedis returns a limiter on client; every key is stored under prefix
// (e.g. "marquee:ratelimit:").
func NewRedis(client redis.Scripter, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// gcraScript is gcra() in Lua, in microseconds. Returns {allowed, remaining, retry_after_us}.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nexttat = tat + interval
local ahead = nexttat - now
if ahead > period then
  return {0, 0, ahead - period}
end
redis.call('SET', KEYS[1], string.format('%d', nexttat), 'PX', math.ceil(ahead / 1000))
return {1, math.floor((period - ahead) / interval), 0}
`)

// Allow records one request under key and says whether it is allowed.
func (r *Redis) Allow(ctx context.Context, key string, limit Limit) (Decision, error) {
	if !limit.Enabled() {
		return Decision{Allowed: true, Remaining: -1}, nil
	}
	res, err := gcraScript.Run(ctx, r.client, []string{r.prefix + key},
		limit.interval().Microseconds(), limit.Period.Microseconds()).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if len(res) != 3 {
		return Decision{}, fmt.Errorf("rate limit %s: unexpected script answer %v", key, res)
	}
	return Decision{Allowed: res[0] == 1, Remaining: int(res[1]), RetryAfter: time.Duration(res[2]) * time.Microsecond}, nil
}
