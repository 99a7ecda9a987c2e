package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/media/transcode"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// maxDurationSeconds refuses uploads longer than this (six hours).
const maxDurationSeconds = 6 * 60 * 60

// Progress shares of a job: the 360p pass, the rest of the ladder, the pictures.
const (
	shareFirst  = 0.2
	shareLadder = 0.7
)

// sourceInfo is what the probe found.
type sourceInfo struct {
	duration      float64
	width, height int
	codec         string
	src           transcode.Source
}

// probeSource answers the file's facts, or why it is not a playable video.
func (s *Service) probeSource(ctx context.Context, path string) (sourceInfo, string) {
	info, hasVideo, err := probeFile(ctx, path)
	switch {
	case err != nil:
		return info, "unreadable: the file is not a media file ffprobe can read"
	case !hasVideo:
		return info, "no video stream in the file"
	case info.duration > maxDurationSeconds:
		return info, fmt.Sprintf("too long: %.0f s, the limit is %d s", info.duration, maxDurationSeconds)
	case info.height <= 0:
		return info, "no video stream in the file"
	}
	return info, ""
}

// transcode runs (or resumes) the job of one video: 360p alone (the video
// becomes ready and plays), then the rest of the ladder in one run, then the
// poster and the storyboard. Each step's files are in Storage before the
// database says they are there, and the master playlist is replaced (Put is
// atomic) only with rungs whose files are all there: nothing half-published.
// A video already complete, failed, or superseded by a newer upload is left alone.
func (s *Service) transcode(ctx context.Context, videoID string, attempt int) error {
	v, err := s.store.Video(ctx, s.db, videoID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: video %s is not recorded", errPermanent, videoID)
	}
	if err != nil {
		return err
	}
	if v.Complete || v.State == store.StateFailed {
		return nil
	}
	if _, latest, err := s.store.MovieVideos(ctx, s.db, v.MovieID); err == nil && latest != v.ID && v.State != store.StateReady {
		s.log.Info("transcode: a newer upload replaced this one; skipped", "video_id", v.ID)
		return nil
	}
	if s.storage == nil {
		return errors.New("transcoding is not available on this server")
	}
	if v.State != store.StateReady {
		v.State = store.StateProcessing
	}
	v.Attempts = attempt
	if v, err = s.saveVideo(ctx, v, videoProcessing); err != nil {
		return err
	}

	work, err := os.MkdirTemp("", "marquee-transcode-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	src := filepath.Join(work, "source")
	if err := s.storage.Fetch(ctx, sourceKey(v.ID), src); err != nil {
		return fmt.Errorf("fetch the source: %w", err)
	}

	probed, hasVideo, err := probeFile(ctx, src)
	if err != nil || !hasVideo {
		return fmt.Errorf("%w: the stored source cannot be read again: %v", errPermanent, err)
	}
	if len(v.Renditions) == 0 { // 360p alone first: the video plays as soon as it is there
		if v, err = s.encodeStep(ctx, v, src, work, probed.src, true, 0, shareFirst); err != nil {
			return err
		}
	}
	if len(v.Renditions) < 2 { // the rest of the ladder in one run (none for a small source)
		if v, err = s.encodeStep(ctx, v, src, work, probed.src, false, shareFirst, shareLadder); err != nil {
			return err
		}
	}
	pics := filepath.Join(work, "pictures")
	if err := makePictures(ctx, src, pics, probed.src); err != nil {
		return fmt.Errorf("pictures: %w", err)
	}
	for name, typ := range map[string]string{"poster.jpg": "image/jpeg", "storyboard.jpg": "image/jpeg", "thumbnails.vtt": "text/vtt"} {
		if err := s.storage.PutFile(ctx, v.StoragePrefix+name, filepath.Join(pics, name), typ); err != nil {
			return fmt.Errorf("store %s: %w", name, err)
		}
	}
	v.HasPoster, v.HasThumbnails, v.Complete, v.Progress = true, true, true, 1
	_, err = s.saveVideo(ctx, v, videoReady)
	return err
}

// encodeStep makes the rungs of heights, stores their files, swaps in the
// master playlist with them, and records them (the video is ready from the
// first rung on). Progress runs from base to base+share meanwhile.
func (s *Service) encodeStep(ctx context.Context, v store.Video, srcPath, work string, src transcode.Source, first bool, base, share float64) (store.Video, error) {
	out := filepath.Join(work, "rest")
	if first {
		out = filepath.Join(work, "first")
	}
	var lastSaved time.Time
	progress := func(f float64) {
		if time.Since(lastSaved) < 2*time.Second {
			return
		}
		lastSaved = time.Now()
		if err := s.setProgress(ctx, v.ID, base+share*f); err != nil {
			s.log.Warn("transcode: record progress", "video_id", v.ID, "err", err)
		}
	}
	made, err := encodeRungs(ctx, srcPath, out, src, first, progress)
	if err != nil {
		return v, fmt.Errorf("encode: %w", err)
	}
	for _, r := range made {
		dir := filepath.Join(out, renditionName(r.Height))
		if err := s.storeFolder(ctx, dir, v.StoragePrefix+renditionName(r.Height)+"/"); err != nil {
			return v, err
		}
		v.Renditions = append(v.Renditions, r)
		slices.SortFunc(v.Renditions, func(a, b store.Rendition) int { return a.Height - b.Height })
		master := masterPlaylist(v.Renditions)
		if err := s.storage.Put(ctx, v.StoragePrefix+"master.m3u8", bytes.NewReader(master), int64(len(master)), "application/vnd.apple.mpegurl"); err != nil {
			return v, fmt.Errorf("master playlist: %w", err)
		}
	}
	now := s.now()
	v.State, v.Progress = store.StateReady, base+share
	if v.ReadyAt == nil {
		v.ReadyAt = &now
	}
	return s.saveVideoWith(ctx, v, videoReady, func(ctx context.Context, tx *sqldb.Tx) error {
		for _, r := range made {
			if err := s.store.PutRendition(ctx, tx, v.ID, r); err != nil {
				return err
			}
		}
		_, err := s.store.PublishVideo(ctx, tx, v.MovieID, v.ID, now)
		return err
	})
}

// storeFolder puts every file of dir into Storage under prefix (playlists last,
// so a playlist never names a segment that is not there yet).
func (s *Service) storeFolder(ctx context.Context, dir, prefix string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var playlists []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if filepath.Ext(e.Name()) == ".m3u8" {
			playlists = append(playlists, e.Name())
			continue
		}
		if err := s.storage.PutFile(ctx, prefix+e.Name(), filepath.Join(dir, e.Name()), contentType(e.Name())); err != nil {
			return fmt.Errorf("store %s: %w", e.Name(), err)
		}
	}
	for _, name := range playlists {
		if err := s.storage.PutFile(ctx, prefix+name, filepath.Join(dir, name), contentType(name)); err != nil {
			return fmt.Errorf("store %s: %w", name, err)
		}
	}
	return nil
}

func contentType(name string) string {
	switch filepath.Ext(name) {
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".m4s":
		return "video/iso.segment"
	case ".mp4":
		return "video/mp4"
	case ".jpg":
		return "image/jpeg"
	case ".vtt":
		return "text/vtt"
	}
	return "application/octet-stream"
}

// saveVideo records v's new state with its event.
func (s *Service) saveVideo(ctx context.Context, v store.Video, event string) (store.Video, error) {
	return s.saveVideoWith(ctx, v, event, nil)
}

// saveVideoWith records v's new state, what also runs in the transaction, and the event.
func (s *Service) saveVideoWith(ctx context.Context, v store.Video, event string, also func(ctx context.Context, tx *sqldb.Tx) error) (store.Video, error) {
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		cur, err := s.store.Video(ctx, tx, v.ID) // progress is written beside the job: take the stored version
		if err != nil {
			return err
		}
		v.Version = cur.Version
		v.UpdatedAt = s.now()
		if v.Version, err = s.store.UpdateVideo(ctx, tx, v); err != nil {
			return err
		}
		if also != nil {
			if err := also(ctx, tx); err != nil {
				return err
			}
		}
		return s.emitVideo(ctx, tx, v, event)
	})
	return v, err
}

// setProgress records the share of the job done (no event: GET .../video shows it).
func (s *Service) setProgress(ctx context.Context, videoID string, progress float64) error {
	return s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		return s.store.SetProgress(ctx, tx, videoID, progress, s.now())
	})
}

// failVideo ends a video's job with the reason; what it had published (an
// earlier video of the movie keeps playing; its own complete rungs) stays.
func (s *Service) failVideo(ctx context.Context, videoID string, cause error) error {
	v, err := s.store.Video(ctx, s.db, videoID)
	if err != nil {
		return err
	}
	if v.State == store.StateReady {
		// playable already (360p): keep it playing, say why the ladder stopped
		v.Error = "the rest of the ladder failed: " + cause.Error()
		v.Complete = true
		_, err = s.saveVideo(ctx, v, videoReady)
		return err
	}
	v.State, v.Error = store.StateFailed, "transcode failed: "+cause.Error()
	_, err = s.saveVideo(ctx, v, videoFailed)
	return err
}
