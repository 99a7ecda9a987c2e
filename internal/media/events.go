package media

import (
	"context"

	"github.com/marquee-dev/marquee/internal/media/mediaapi"
	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

const (
	videoUploaded   = mediaapi.VideoUploaded
	videoProcessing = mediaapi.VideoProcessing
	videoReady      = mediaapi.VideoReady
	videoFailed     = mediaapi.VideoFailed
)

// emitVideo writes a media.video.* event about v (as it is after the change) to the outbox in tx.
func (s *Service) emitVideo(ctx context.Context, tx *sqldb.Tx, v store.Video, typ string) error {
	current, _, err := s.store.MovieVideos(ctx, tx, v.MovieID)
	if err != nil {
		return err
	}
	env, err := events.New(mediaapi.Source, typ, v.ID, mediaapi.VideoEvent{
		ID: v.ID, MovieID: v.MovieID, State: v.State, Progress: v.Progress, DurationSeconds: v.DurationSeconds,
		Source:     mediaapi.VideoSource{Width: v.SourceWidth, Height: v.SourceHeight, Codec: v.SourceCodec},
		Renditions: renditionsAPI(v.Renditions), Complete: v.Complete, Playing: current == v.ID,
		Error: v.Error, Attempt: v.Attempts, Version: v.Version, UpdatedAt: v.UpdatedAt,
	})
	if err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, env)
}
