package app

import (
	"context"
	"errors"

	"github.com/marquee-dev/marquee/internal/browse"
)

// RebuildBrowse replays the event streams into a fresh browse read model.
func (a *App) RebuildBrowse(ctx context.Context) error {
	u := a.unit("browse")
	if u == nil || a.bus == nil {
		return errors.New("rebuild browse needs the browse service and the event bus in this process")
	}
	return browse.Rebuild(ctx, u.db, a.bus, a.log.With("service", "browse"))
}
