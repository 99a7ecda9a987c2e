package media

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-dev/marquee/internal/billing/billingapi"
	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/media/stream"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/config"
	"github.com/marquee-dev/marquee/internal/platform/events"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/kit"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Lease rules (DESIGN §4.2): the player heartbeats at least every 15 s; a
// lease not renewed for leaseTTL has ended and frees its slot.
const leaseTTL = 45 * time.Second

// Continue watching lists positions from a minute in to 95 % of the film.
const (
	continueMinPosition = 60
	continueMaxShare    = 0.95
)

// Why a session ended (store's end_reason, the event's reason).
const (
	endStopped = "stopped"
	endExpired = "expired"
)

// playback is the part of the service that hands out stream leases.
type playback struct {
	gate     *stream.Gate
	billing  *billingapi.Client
	prefixes sync.Map // video id → storage prefix
}

// newPlayback makes the key ring (MARQUEE_STREAM_KEYS, else the key kept in
// media's database, made once by whichever process comes first) and the gate.
// Until callBillingThrough, billing is asked at an address nobody answers:
// playback is refused (fail closed), as in commands that serve nothing.
func newPlayback(ctx context.Context, s *Service, cfg config.Config) (*playback, error) {
	keys := cfg.StreamKeys
	if len(keys) == 0 {
		key := make([]byte, stream.MinKeyLen)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			return s.store.AddFirstStreamKey(ctx, tx, key, s.now())
		}); err != nil {
			return nil, fmt.Errorf("stream keys: %w", err)
		}
		var err error
		if keys, err = s.store.StreamKeys(ctx, s.db); err != nil {
			return nil, fmt.Errorf("stream keys: %w", err)
		}
	}
	ring, err := stream.NewRing(keys...)
	if err != nil {
		return nil, err
	}
	ttl := cfg.StreamTokenTTL
	if ttl <= 0 {
		ttl = 6 * time.Hour
	}
	return &playback{gate: stream.NewGate(ring, ttl), billing: billingapi.NewClient(kit.APIBase, nil)}, nil
}

// callBillingThrough makes playback ask billing through the process's
// gateway (kit.Env.API), wherever billing runs.
func (p *playback) callBillingThrough(api *http.Client) {
	p.billing = billingapi.NewClient(kit.APIBase, api)
}

// playbackRoutes registers play, heartbeat, end and continue-watching.
func (s *Service) playbackRoutes(rt *httpx.Router) {
	rt.Handle("POST /api/movies/{id}/play", auth.Signed, s.handlePlay)
	rt.Handle("PUT /api/playback/{id}", auth.Signed, s.handleHeartbeat)
	rt.Handle("DELETE /api/playback/{id}", auth.Signed, s.handleEndPlayback)
	rt.Handle("GET /api/me/continue-watching", auth.Signed, s.handleContinueWatching)
	var files stream.Files // nil: refused after the token check
	if s.storage != nil {
		files = s.storage
	}
	streamFiles := stream.NewHandler(s.play.gate, files, s.videoPrefix)
	rt.HandleRaw(stream.TopPattern, auth.Public, streamFiles)
	rt.HandleRaw(stream.RenditionPattern, auth.Public, streamFiles)
}

// videoPrefix is where a video's files are kept. A video's prefix never
// changes, so each process asks the database once per video.
func (s *Service) videoPrefix(ctx context.Context, id uuid.UUID) (string, error) {
	if p, ok := s.play.prefixes.Load(id); ok {
		return p.(string), nil
	}
	v, err := s.store.Video(ctx, s.db, id.String())
	if errors.Is(err, store.ErrNotFound) {
		return "", apperr.NotFound("video")
	}
	if err != nil {
		return "", err
	}
	s.play.prefixes.Store(id, v.StoragePrefix)
	return v.StoragePrefix, nil
}

type playAnswer struct {
	SessionID             string    `json:"session_id"`
	ManifestURL           string    `json:"manifest_url"`
	ExpiresAt             time.Time `json:"expires_at"`
	MaxHeight             int       `json:"max_height"`
	ResumePositionSeconds float64   `json:"resume_position_seconds"`
}

type activeSession struct {
	SessionID  string    `json:"session_id"`
	MovieID    string    `json:"movie_id"`
	StartedAt  time.Time `json:"started_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// errStreamLimit is the 409 of a play beyond the plan's screens.
type errStreamLimit struct{ active []activeSession }

func (e *errStreamLimit) Error() string { return "stream limit reached" }

func (s *Service) handlePlay(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	movieID := r.PathValue("id")
	if _, err := uuid.Parse(movieID); err != nil {
		return apperr.NotFound("movie")
	}
	if m, err := s.store.Movie(r.Context(), s.db, movieID); err != nil || m.Deleted {
		return apperr.NotFound("movie")
	}
	decision, err := s.play.billing.WithToken(httpx.AccessToken(r)).CanWatch(r.Context(), movieID)
	if err != nil {
		s.log.Warn("billing did not answer: playback refused", "error", err.Error())
		return apperr.Unavailable("cannot check your subscription right now; try again shortly").WithCause(err)
	}
	switch decision.Decision {
	case billingapi.NoSubscription:
		return &httpx.StatusError{Status: http.StatusPaymentRequired, Detail: "a subscription is needed to watch", Err: errors.New(decision.Decision)}
	case billingapi.NotInPlan:
		return apperr.Forbidden("your plan does not offer this movie")
	}
	video, err := s.readyVideo(r.Context(), movieID)
	if err != nil {
		return err
	}
	ans, err := s.Play(r.Context(), caller.UserID, video, decision.MaxHeight, decision.MaxStreams)
	var limit *errStreamLimit
	if errors.As(err, &limit) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusConflict)
		return json.NewEncoder(w).Encode(map[string]any{
			"type": "about:blank", "title": "Conflict", "status": http.StatusConflict, "instance": r.URL.Path,
			"detail":          "stream limit reached: stop another screen to watch here",
			"active_sessions": limit.active,
		})
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, ans)
	return nil
}

// readyVideo is the video a movie plays, or 404.
func (s *Service) readyVideo(ctx context.Context, movieID string) (store.Video, error) {
	m, err := s.store.Movie(ctx, s.db, movieID)
	if err != nil || m.Deleted {
		return store.Video{}, apperr.NotFound("movie")
	}
	current, _, err := s.store.MovieVideos(ctx, s.db, movieID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && current == "") {
		return store.Video{}, apperr.NotFound("a ready video of this movie")
	}
	if err != nil {
		return store.Video{}, err
	}
	return s.store.Video(ctx, s.db, current)
}

// Play takes a stream lease of the user on video when fewer than maxStreams
// are active (the check and the insert are one transaction under the user's
// lease lock) and signs its manifest URL.
func (s *Service) Play(ctx context.Context, userID string, video store.Video, maxHeight, maxStreams int) (playAnswer, error) {
	now := s.now()
	sess := store.PlaybackSession{
		ID: uuid.NewString(), UserID: userID, MovieID: video.MovieID, VideoID: video.ID, MaxHeight: maxHeight,
		StartedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.play.gate.TTL()),
	}
	var resume float64
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		if err := s.store.LockLeases(ctx, tx, userID); err != nil {
			return err
		}
		active, err := s.store.ActiveSessions(ctx, tx, userID, now.Add(-leaseTTL))
		if err != nil {
			return err
		}
		if len(active) >= maxStreams {
			out := make([]activeSession, len(active))
			for i, a := range active {
				out[i] = activeSession{SessionID: a.ID, MovieID: a.MovieID, StartedAt: a.StartedAt, LastSeenAt: a.LastSeenAt}
			}
			return &errStreamLimit{active: out}
		}
		if resume, err = s.store.Position(ctx, tx, userID, video.MovieID); err != nil {
			return err
		}
		sess.PositionSeconds = resume
		return s.store.CreateSession(ctx, tx, sess)
	})
	if err != nil {
		return playAnswer{}, err
	}
	token := s.play.gate.Ring().Sign(stream.Claims{
		SessionID: uuid.MustParse(sess.ID), UserID: uuid.MustParse(userID), MovieID: uuid.MustParse(video.MovieID),
		VideoID: uuid.MustParse(video.ID), MaxHeight: maxHeight, Expires: sess.ExpiresAt,
	})
	return playAnswer{SessionID: sess.ID, ManifestURL: "/stream/" + token + "/" + stream.MasterName,
		ExpiresAt: sess.ExpiresAt, MaxHeight: maxHeight, ResumePositionSeconds: resume}, nil
}

// ownSession is the session of the path, or why the caller may not touch it.
func (s *Service) ownSession(r *http.Request) (store.PlaybackSession, error) {
	caller, err := httpx.Caller(r)
	if err != nil {
		return store.PlaybackSession{}, err
	}
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil {
		return store.PlaybackSession{}, apperr.NotFound("playback session")
	}
	sess, err := s.store.Session(r.Context(), s.db, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.PlaybackSession{}, apperr.NotFound("playback session")
	}
	if err != nil {
		return store.PlaybackSession{}, err
	}
	if sess.UserID != caller.UserID {
		return store.PlaybackSession{}, apperr.Forbidden("this playback session is another user's")
	}
	return sess, nil
}

var errSessionGone = errors.New("playback session ended")

func (s *Service) handleHeartbeat(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.ownSession(r)
	if err != nil {
		return err
	}
	var in struct {
		PositionSeconds *float64 `json:"position_seconds"`
	}
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	switch {
	case in.PositionSeconds == nil:
		return apperr.Invalid("position_seconds", "is required")
	case *in.PositionSeconds < 0:
		return apperr.Invalid("position_seconds", "must be a number of at least 0")
	}
	position := *in.PositionSeconds
	now := s.now()
	gone := &httpx.StatusError{Status: http.StatusGone, Detail: "the playback session has ended; press Play again", Err: errSessionGone}
	if sess.EndedAt != nil || now.Sub(sess.LastSeenAt) > leaseTTL {
		return gone
	}
	video, err := s.store.Video(r.Context(), s.db, sess.VideoID)
	if err != nil {
		return err
	}
	if video.DurationSeconds > 0 && position > video.DurationSeconds+1 {
		return apperr.Invalid("position_seconds", fmt.Sprintf("past the end of the video (%.0f s)", video.DurationSeconds))
	}
	err = s.store.InTx(r.Context(), func(ctx context.Context, tx *sqldb.Tx) error {
		renewed, err := s.store.RenewSession(ctx, tx, sess.ID, position, now)
		if err != nil {
			return err
		}
		if !renewed {
			return gone
		}
		return s.store.SavePosition(ctx, tx, sess.UserID, sess.MovieID, position, video.DurationSeconds, now)
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"session_id": sess.ID, "position_seconds": position, "expires_at": now.Add(leaseTTL)})
	return nil
}

func (s *Service) handleEndPlayback(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.ownSession(r)
	if err != nil {
		return err
	}
	if err := s.endSession(r.Context(), sess, endStopped); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// endSession ends a session with its event (which revokes its token in
// every process serving /stream); ending an ended session changes nothing.
func (s *Service) endSession(ctx context.Context, sess store.PlaybackSession, reason string) error {
	now := s.now()
	err := s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		ended, err := s.store.EndSession(ctx, tx, sess.ID, reason, now)
		if err != nil || !ended {
			return err
		}
		env, err := events.New("media", stream.SessionEnded, sess.ID, stream.SessionEndedEvent{
			SessionID: sess.ID, UserID: sess.UserID, MovieID: sess.MovieID, EndedAt: now, Reason: reason})
		if err != nil {
			return err
		}
		return s.outbox.Add(ctx, tx, env)
	})
	if err != nil {
		return err
	}
	s.play.gate.RevokeSession(sess.ID, now) // here at once; elsewhere through the event
	return nil
}

// endStaleLeases ends the leases not renewed for leaseTTL, so their tokens
// stop working too; it runs every few seconds in each media process.
func (s *Service) endStaleLeases(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		stale, err := s.store.StaleSessions(ctx, s.db, s.now().Add(-leaseTTL), 100)
		if err != nil {
			s.log.Warn("list stale playback sessions", "error", err.Error())
			continue
		}
		for _, sess := range stale {
			if err := s.endSession(ctx, sess, endExpired); err != nil {
				s.log.Warn("end a stale playback session", "session", sess.ID, "error", err.Error())
			}
		}
	}
}

type continueItem struct {
	Movie struct {
		ID        string  `json:"id"`
		Title     string  `json:"title"`
		PosterURL *string `json:"poster_url"`
	} `json:"movie"`
	PositionSeconds float64   `json:"position_seconds"`
	DurationSeconds float64   `json:"duration_seconds"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func (s *Service) handleContinueWatching(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpx.Caller(r)
	if err != nil {
		return err
	}
	limit, after, err := httpx.ReadNewestFirst(r)
	if err != nil {
		return err
	}
	rows, err := s.store.ContinueWatching(r.Context(), s.db, caller.UserID, continueMinPosition, continueMaxShare, after, limit+1)
	if err != nil {
		return err
	}
	page, err := httpx.NewestFirstPage(rows, limit, func(last store.WatchPosition) sqldb.Position {
		return sqldb.Position{At: last.UpdatedAt, ID: last.MovieID}
	})
	if err != nil {
		return err
	}
	items := make([]continueItem, len(page.Items))
	for i, row := range page.Items {
		items[i].Movie.ID, items[i].Movie.Title, items[i].Movie.PosterURL = row.MovieID, row.Title, row.PosterURL
		items[i].PositionSeconds, items[i].DurationSeconds, items[i].UpdatedAt = row.PositionSeconds, row.DurationSeconds, row.UpdatedAt
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.Page[continueItem]{Items: items, NextCursor: page.NextCursor})
	return nil
}
