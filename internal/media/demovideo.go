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
//
// 90 s, not the 60 s of the first version: "Continue watching" lists positions
// between 1 minute and 95 % of the duration (DESIGN.md §4.2), which a 60 s
// clip never has; 90 s leaves 60–85 s to stop in. 480 lines, not 720: the
// longer clip at 720p took 1.5× the CPU, at 480p it takes less than the first
// version (a 360p + 480p ladder), and the demo is made while the server
// fills in and other transcodes wait behind it (BenchmarkDemoVideoCPU).
const (
	demoClipLength = 90 * time.Second
	demoClipHeight = 480
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
	create := errors.Is(err, store.ErrNotFound)
	if create {
		v, err = s.prepareDemoVideo(ctx, movieIDs[0])
	}
	if err != nil {
		return err
	}
	attached := 0
	err = s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if create { // the video, its movies and its job in one transaction
			if err := s.store.CreateVideo(ctx, tx, v); err != nil {
				return err
			}
			if err := s.emitVideo(ctx, tx, v, videoUploaded); err != nil {
				return err
			}
		}
		for _, id := range movieIDs {
			ok, err := s.store.AttachVideo(ctx, tx, id, v.ID, s.now())
			if err != nil {
				return err
			}
			if ok {
				attached++
			}
		}
		return nil
	})
	if err == nil && attached > 0 {
		s.log.Info("demo video attached", "video_id", v.ID, "movies", attached, "state", v.State)
	}
	return err
}

// prepareDemoVideo makes the clip (unless a previous start made it), puts it
// into Storage as the source, and answers the video to record for movieID.
func (s *Service) prepareDemoVideo(ctx context.Context, movieID string) (store.Video, error) {
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
	return v, nil
}
