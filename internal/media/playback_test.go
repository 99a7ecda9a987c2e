package media

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/media/stream"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

// playbackService is a media service on db with a ready video of a movie.
func playbackService(t *testing.T, db *sqldb.DB) (*Service, store.Video) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, kit.Migrate(ctx, db, Module))
	s, err := New(db, events.NewOutbox(db), nil, nil, config.Config{}, nil)
	require.NoError(t, err)
	s.play, err = newPlayback(ctx, s, config.Config{StreamTokenTTL: time.Hour})
	require.NoError(t, err)
	now := s.now()
	v := store.Video{ID: uuid.NewString(), MovieID: uuid.NewString(), State: store.StateReady, DurationSeconds: 600,
		StoragePrefix: "videos/x/", CreatedAt: now, UpdatedAt: now, ReadyAt: &now}
	v.StoragePrefix = "videos/" + v.ID + "/"
	require.NoError(t, s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if _, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: v.MovieID, Title: "Film", Version: 1}); err != nil {
			return err
		}
		if err := s.store.CreateVideo(ctx, tx, v); err != nil {
			return err
		}
		if err := s.store.SetLatestVideo(ctx, tx, v.MovieID, v.ID, now); err != nil {
			return err
		}
		_, err := s.store.PublishVideo(ctx, tx, v.MovieID, v.ID, now)
		return err
	}))
	got, err := s.readyVideo(ctx, v.MovieID)
	require.NoError(t, err)
	return s, got
}

// Eight screens press Play at once on a two-screen plan: exactly two get a
// lease, the others see the two active sessions; ending one frees its slot
// and revokes its token; a lease not renewed for 45 s frees its slot.
func TestStreamLeaseLimit(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		s, video := playbackService(t, db)
		ctx := context.Background()
		user := uuid.NewString()

		var wg sync.WaitGroup
		answers := make([]playAnswer, 8)
		errs := make([]error, 8)
		for i := range answers {
			wg.Go(func() { answers[i], errs[i] = s.Play(ctx, user, video, 720, 2) })
		}
		wg.Wait()
		var granted []playAnswer
		for i, err := range errs {
			var limit *errStreamLimit
			switch {
			case err == nil:
				granted = append(granted, answers[i])
			case errors.As(err, &limit):
				require.Len(t, limit.active, 2, "the refusal lists the active sessions")
			default:
				require.NoError(t, err)
			}
		}
		require.Len(t, granted, 2, "exactly the plan's number of screens")

		first := granted[0]
		token := strings.TrimSuffix(strings.TrimPrefix(first.ManifestURL, "/stream/"), "/"+stream.MasterName)
		c, err := s.play.gate.Check(token)
		require.NoError(t, err)
		require.Equal(t, 720, c.MaxHeight)
		require.Equal(t, video.ID, c.VideoID.String())

		sess, err := s.store.Session(ctx, db, first.SessionID)
		require.NoError(t, err)
		require.NoError(t, s.endSession(ctx, sess, endStopped))
		require.NoError(t, s.endSession(ctx, sess, endStopped), "ending twice changes nothing")
		_, err = s.play.gate.Check(token)
		require.ErrorIs(t, err, stream.ErrRevoked)
		var published int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE subject = ?`, stream.SessionEnded).Scan(&published))
		require.Equal(t, 1, published, "one event per ended session")

		_, err = s.Play(ctx, user, video, 720, 2)
		require.NoError(t, err, "the ended session freed its slot")
		_, err = s.Play(ctx, user, video, 720, 2)
		require.Error(t, err)

		later := time.Now().Add(leaseTTL + time.Second)
		s.opts.now = func() time.Time { return later }
		_, err = s.Play(ctx, user, video, 720, 2)
		require.NoError(t, err, "leases not renewed for 45 s are over")
		_, err = s.Play(ctx, uuid.NewString(), video, 720, 1)
		require.NoError(t, err, "another user's leases are their own")
	})
}

// Positions come back as resume points; continue watching lists those
// between a minute and 95 %, newest first, page by page.
func TestWatchPositions(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		s, video := playbackService(t, db)
		ctx := context.Background()
		user := uuid.NewString()
		ans, err := s.Play(ctx, user, video, 1080, 1)
		require.NoError(t, err)
		require.Zero(t, ans.ResumePositionSeconds)

		base := time.Now().UTC()
		save := func(movie string, pos float64, at time.Duration) {
			require.NoError(t, s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
				if _, err := s.store.ApplyMovie(ctx, tx, store.Movie{ID: movie, Title: "T " + movie[:4], Version: 1}); err != nil {
					return err
				}
				return s.store.SavePosition(ctx, tx, user, movie, pos, 1000, sqldb.Timestamp(base.Add(at)))
			}))
		}
		a, b, c, early, done := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
		save(a, 100, 1*time.Second)
		save(b, 500, 3*time.Second)
		save(c, 950, 2*time.Second)
		save(early, 59, 4*time.Second)
		save(done, 951, 5*time.Second)
		page, err := s.store.ContinueWatching(ctx, db, user, continueMinPosition, continueMaxShare, nil, 2)
		require.NoError(t, err)
		require.Len(t, page, 2)
		require.Equal(t, []string{b, c}, []string{page[0].MovieID, page[1].MovieID})
		rest, err := s.store.ContinueWatching(ctx, db, user, continueMinPosition, continueMaxShare, &sqldb.Position{At: page[1].UpdatedAt, ID: page[1].MovieID}, 2)
		require.NoError(t, err)
		require.Len(t, rest, 1)
		require.Equal(t, a, rest[0].MovieID)

		require.NoError(t, s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			return s.store.SavePosition(ctx, tx, user, video.MovieID, 321.5, 600, s.now())
		}))
		again, err := s.Play(context.Background(), uuid.NewString(), video, 1080, 1)
		require.NoError(t, err)
		require.Zero(t, again.ResumePositionSeconds, "positions are per user")
		s.opts.now = func() time.Time { return time.Now().Add(time.Minute) }
		mine, err := s.Play(ctx, user, video, 1080, 1)
		require.NoError(t, err)
		require.Equal(t, 321.5, mine.ResumePositionSeconds)
	})
}

// Every media process on a database signs with the key the first one stored.
func TestStreamKeyKeptInDatabase(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		a, video := playbackService(t, db)
		b, err := New(db, events.NewOutbox(db), nil, nil, config.Config{}, nil)
		require.NoError(t, err)
		b.play, err = newPlayback(context.Background(), b, config.Config{StreamTokenTTL: time.Hour})
		require.NoError(t, err)
		ans, err := a.Play(context.Background(), uuid.NewString(), video, 480, 1)
		require.NoError(t, err)
		token := strings.TrimSuffix(strings.TrimPrefix(ans.ManifestURL, "/stream/"), "/"+stream.MasterName)
		_, err = b.play.gate.Check(token)
		require.NoError(t, err)
	})
}
