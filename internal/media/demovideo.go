package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// The demo video: one clip of ffmpeg's test picture with a tone, made and
// transcoded once, that every demo movie given to AttachDemoVideo plays (the
// movies point at the same video's renditions through movie_videos).
const (
	demoClipLength = 60 * time.Second
	demoClipHeight = 720
)

// demoVideoID is the same in every data dir, so a restart finds the video it made.
var demoVideoID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://marquee.dev/demo/video")).String()

// AttachDemoVideo makes the demo video (the first time: the clip under
// <data dir>/demo, then a transcode job like an upload's) and has each of
// movieIDs play it, unless the movie has a video of its own. Idempotent: a
// later call finds the video and attaches only the movies that lack it.
func (s *Service) AttachDemoVideo(ctx context.Context, movieIDs []string) error {
	if len(movieIDs) == 0 {
		return nil
	}
	v, err := s.store.Video(ctx, s.db, demoVideoID)
	if errors.Is(err, store.ErrNotFound) {
		v, err = s.createDemoVideo(ctx, movieIDs[0])
	}
	if err != nil {
		return err
	}
	attached := 0
	err = s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		for _, id := range movieIDs {
			ok, err := s.store.AttachVideo(ctx, tx, id, v.ID, v.State == store.StateReady, s.now())
			if err != nil {
				return err
			}
			if ok {
				attached++
			}
		}
		return nil
	})
	if attached > 0 {
		s.log.Info("demo video attached", "video_id", v.ID, "movies", attached, "state", v.State)
	}
	return err
}

// createDemoVideo makes the clip and records the demo video of movieID with its job.
func (s *Service) createDemoVideo(ctx context.Context, movieID string) (store.Video, error) {
	clip := filepath.Join(s.cfg.DataDir, "demo", "demo-video.mp4")
	if _, err := os.Stat(clip); err != nil {
		if err := os.MkdirAll(filepath.Dir(clip), 0o755); err != nil {
			return store.Video{}, err
		}
		started := time.Now()
		if err := transcode.MakeDemoClip(ctx, clip, demoClipLength, demoClipHeight); err != nil {
			return store.Video{}, fmt.Errorf("make the demo clip: %w", err)
		}
		s.log.Info("demo clip made", "path", clip, "seconds", time.Since(started).Seconds())
	}
	info, reason := s.probeSource(ctx, clip)
	if reason != "" {
		return store.Video{}, fmt.Errorf("the demo clip %s: %s", clip, reason)
	}
	now := s.now()
	v := store.Video{ID: demoVideoID, MovieID: movieID, State: store.StateUploaded, StoragePrefix: "videos/" + demoVideoID + "/",
		DurationSeconds: info.duration, SourceWidth: info.width, SourceHeight: info.height, SourceCodec: info.codec,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.storage.PutFile(ctx, sourceKey(v.ID), clip, "video/mp4"); err != nil {
		return store.Video{}, fmt.Errorf("store the demo clip: %w", err)
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if err := s.store.CreateVideo(ctx, tx, v); err != nil {
			return err
		}
		if _, err := s.store.AttachVideo(ctx, tx, movieID, v.ID, false, now); err != nil {
			return err
		}
		return s.emitVideo(ctx, tx, v, videoUploaded) // the transcode job
	})
	return v, err
}
