package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/browse"
)

// errBrowseLive is why `marquee rebuild browse` refuses to run.
var errBrowseLive = errors.New("browse is being served")

// refuseBesideLiveBrowse keeps a rebuild from emptying the read model under
// serving processes (their readers would see it half built): a process that
// runs browse keeps a pull request open on each of browse's durable
// consumers at all times, and a stopped one's requests expire within 5 s. So
// the rebuild may go on only once no browse consumer has had a waiting pull
// request for two looks in a row; it gives up after about 7 s of live ones.
func (a *App) refuseBesideLiveBrowse(ctx context.Context) error {
	u := a.unit("browse")
	quiet := 0
	var live []string
	for range 28 {
		live = live[:0]
		for _, c := range u.consumers {
			cons, err := a.bus.Consumer(ctx, c.Stream(), c.Name())
			if errors.Is(err, jetstream.ErrConsumerNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("rebuild browse: look for live browse processes: %w", err)
			}
			info, err := cons.Info(ctx)
			if err != nil {
				return fmt.Errorf("rebuild browse: look for live browse processes: %w", err)
			}
			if info.NumWaiting > 0 {
				live = append(live, fmt.Sprintf("%s (%d pull requests)", c.Name(), info.NumWaiting))
			}
		}
		if len(live) == 0 {
			if quiet++; quiet == 2 {
				return nil
			}
		} else {
			quiet = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("rebuild browse: %w by other processes (their consumers are pulling: %s); "+
		"the rebuild empties the read model, so stop every process that runs browse first, then start them after it",
		errBrowseLive, strings.Join(live, ", "))
}

// RebuildBrowse replays the event streams into a fresh browse read model,
// once no other process serves browse.
func (a *App) RebuildBrowse(ctx context.Context) error {
	u := a.unit("browse")
	if u == nil || a.bus == nil {
		return errors.New("rebuild browse needs the browse service and the event bus in this process")
	}
	if err := a.refuseBesideLiveBrowse(ctx); err != nil {
		return err
	}
	return browse.Rebuild(ctx, u.db, a.bus, a.log.With("service", "browse"))
}
