package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/marquee-dev/marquee/internal/media/mediaapi"
	"github.com/marquee-dev/marquee/internal/platform/events"
)

// Transcode jobs are the media.video.uploaded events themselves, read by one
// durable pull consumer (media-transcode) that every media process shares:
// JetStream hands each job to one process at a time, so the stream is the
// work queue and the outbox makes "video recorded" and "job queued" one
// transaction. A process takes at most MARQUEE_TRANSCODE_CONCURRENCY jobs
// (one pull per free slot) and, while ffmpeg runs, tells the server every
// few seconds that the job is in progress; a process that dies stops doing
// so and the server hands the job to another process (or the same one,
// restarted) after jobAckWait. The job then resumes from what is recorded:
// renditions already in the database are not made again.
//
// Why not River (DESIGN §6): a transcode runs for minutes to hours; River's
// job leases are fixed at fetch time (no heartbeat to extend them while
// ffmpeg runs), and its SQLite driver is marked "early testing" by its
// authors, while the JetStream consumer is the same code on both shapes.
const (
	ConsumerTranscode = "media-transcode"
	// jobAckWait is how long a job taken by a process that stopped
	// reporting (killed) waits before another process takes it.
	jobAckWait = 30 * time.Second
	// jobMaxAttempts is the retry limit: after it the video fails with the last reason.
	jobMaxAttempts = 3
)

// errPermanent marks a job failure that no retry can fix (a source that
// ffmpeg cannot decode to the end, a missing source).
var errPermanent = errors.New("permanent")

// transcodeWorker runs this process's transcode slots until ctx ends.
func (s *Service) transcodeWorker(ctx context.Context) error {
	if s.bus == nil {
		return nil
	}
	stream, _ := events.StreamFor(mediaapi.Source)
	names := s.bus.Names()
	cons, err := s.bus.JetStream().CreateOrUpdateConsumer(ctx, names.Stream(stream), jetstream.ConsumerConfig{
		Durable:       names.Durable(ConsumerTranscode),
		FilterSubject: names.Subject(mediaapi.VideoUploaded),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       jobAckWait,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		// giving up is decided here (the video fails with its reason); the
		// server's limit is a backstop a little above it
		MaxDeliver: jobMaxAttempts + 2,
	})
	if err != nil {
		return fmt.Errorf("transcode consumer: %w", err)
	}
	slots := max(s.cfg.TranscodeConcurrency, 1)
	var wg sync.WaitGroup
	for range slots {
		wg.Go(func() { s.transcodeSlot(ctx, cons) })
	}
	wg.Wait()
	return nil
}

// transcodeSlot takes one job at a time.
func (s *Service) transcodeSlot(ctx context.Context, cons jetstream.Consumer) {
	for ctx.Err() == nil {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("transcode: fetch a job", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		for msg := range batch.Messages() {
			s.runJob(ctx, msg)
		}
	}
}

// runJob runs one delivery of a job and settles it: ack when done (or when
// there is nothing to do), a delayed retry while attempts remain, else the
// video fails with the reason and the job is acked.
func (s *Service) runJob(ctx context.Context, msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		return
	}
	var env events.Envelope
	var job mediaapi.VideoEvent
	if err := json.Unmarshal(msg.Data(), &env); err != nil {
		s.log.Error("transcode: undecodable job dropped", "err", err)
		_ = msg.Term()
		return
	}
	if err := env.Decode(&job); err != nil || job.ID == "" {
		s.log.Error("transcode: undecodable job dropped", "event_id", env.ID, "err", err)
		_ = msg.Term()
		return
	}
	attempt := int(md.NumDelivered)
	log := s.log.With("video_id", job.ID, "movie_id", job.MovieID, "attempt", attempt)

	jobCtx, stop := context.WithCancel(ctx)
	keepAlive := make(chan struct{})
	go func() { // the job is in progress as long as this process lives
		defer close(keepAlive)
		t := time.NewTicker(jobAckWait / 6)
		defer t.Stop()
		for {
			select {
			case <-jobCtx.Done():
				return
			case <-t.C:
				if err := msg.InProgress(); err != nil {
					log.Warn("transcode: report progress", "err", err)
				}
			}
		}
	}()
	err = s.transcode(jobCtx, job.ID, attempt)
	stop()
	<-keepAlive

	switch {
	case err == nil:
		_ = msg.Ack()
	case ctx.Err() != nil:
		// shutting down: give the job back at once for another process
		_ = msg.Nak()
	case errors.Is(err, errPermanent) || attempt >= jobMaxAttempts:
		log.Error("transcode failed; giving up", "err", err)
		if ferr := s.failVideo(ctx, job.ID, err); ferr != nil {
			log.Error("transcode: record the failure", "err", ferr)
			_ = msg.NakWithDelay(10 * time.Second)
			return
		}
		_ = msg.Ack()
	default:
		log.Warn("transcode failed; will retry", "err", err)
		_ = msg.NakWithDelay(time.Duration(attempt) * 10 * time.Second)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
