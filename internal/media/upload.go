package media

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tus/tusd/v2/pkg/filelocker"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	expslog "golang.org/x/exp/slog"

	"github.com/marquee-dev/marquee/internal/media/store"
	"github.com/marquee-dev/marquee/internal/platform/apperr"
	"github.com/marquee-dev/marquee/internal/platform/auth"
	"github.com/marquee-dev/marquee/internal/platform/httpx"
	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// Uploads speak tus 1.0 through tusd (creation, creation-with-upload,
// termination, checksum). tusd keeps the bytes and offsets in a file store
// under <data dir>/uploads, so an upload resumes on the process that
// received its first bytes (processes sharing that folder share uploads);
// the uploads table binds each upload to its movie. When the last byte
// arrives (tusd's pre-finish hook, before the PATCH is answered) the file is
// probed and either refused (the video fails with the reason, no event) or
// moved into Storage with its video row and its job in one transaction.

// uploadsBase is where uploads live; tusd answers Location: <base><id>.
const uploadsBase = "/api/uploads/"

// uploadRequest is what the upload routes learned before handing the request to tusd.
type uploadRequest struct {
	movieID string
	userID  string
}

type uploadRequestKey struct{}

func newUploadHandler(s *Service) (*tusd.UnroutedHandler, *tusd.StoreComposer, error) {
	dir := filepath.Join(s.cfg.DataDir, "uploads")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("uploads folder: %w", err)
	}
	composer := tusd.NewStoreComposer()
	filestore.New(dir).UseIn(composer)
	filelocker.New(dir).UseIn(composer)
	maxSize := s.cfg.UploadMaxBytes
	if maxSize <= 0 {
		maxSize = 20 << 30
	}
	h, err := tusd.NewUnroutedHandler(tusd.Config{
		BasePath:                   uploadsBase,
		StoreComposer:              composer,
		MaxSize:                    maxSize,
		DisableDownload:            true,
		DisableConcatenation:       true,
		Logger:                     expslog.New(expslog.NewTextHandler(io.Discard, nil)), // the access log already has every request
		PreUploadCreateCallback:    s.beforeUpload,
		PreFinishResponseCallback:  s.uploadReceived,
		PreUploadTerminateCallback: s.beforeAbandon,
		// a PATCH lasts as long as its bytes keep coming: each read within
		// the server's read timeout (0: tusd's 60 s, the server's default too)
		NetworkTimeout: s.cfg.HTTPReadTimeout,
	})
	return h, composer, err
}

// uploadRoutes registers the tus routes. Each checks what only media knows
// (the movie exists, the upload exists) and hands the request to tusd.
func (s *Service) uploadRoutes(rt *httpx.Router) {
	tus := func(h http.HandlerFunc) http.Handler { return tusProblems(s.uploads.Middleware(h)) }
	create, head, patch, del := tus(s.uploads.PostFile), tus(s.uploads.HeadFile), tus(s.uploads.PatchFile), tus(s.uploads.DelFile)
	rt.Handle("POST /api/movies/{id}/uploads", auth.Admin, func(w http.ResponseWriter, r *http.Request) error {
		caller, err := httpx.Caller(r)
		if err != nil {
			return err
		}
		movieID := r.PathValue("id")
		if m, err := s.store.Movie(r.Context(), s.db, movieID); err != nil || m.Deleted {
			return apperr.NotFound("movie")
		}
		ctx := context.WithValue(r.Context(), uploadRequestKey{}, uploadRequest{movieID: movieID, userID: caller.UserID})
		create.ServeHTTP(w, r.WithContext(ctx))
		return nil
	})
	known := func(h http.Handler) httpx.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error {
			u, err := s.store.Upload(r.Context(), s.db, r.PathValue("id"))
			if err != nil {
				return apperr.NotFound("upload")
			}
			if r.Method == http.MethodHead && u.State == store.UploadReceiving && s.finishIfComplete(r.Context(), u.ID) {
				// its bytes were all there: completed now, or by another request
				if u, err = s.store.Upload(r.Context(), s.db, u.ID); err != nil {
					return apperr.NotFound("upload")
				}
			}
			if u.State == store.UploadCompleting || u.State == store.UploadCompleted {
				// tusd may have forgotten it (its files go once the source is
				// in Storage): every byte is here, whatever the request
				return answerReceived(w, r, u)
			}
			if r.Method == http.MethodPatch {
				// bytes are coming: the expiry sweep leaves it be
				s.touchUpload(r.Context(), u.ID)
				defer s.touchUpload(r.Context(), u.ID)
			}
			// tusd's unrouted handler takes the upload id as the whole path
			r2 := r.Clone(r.Context())
			r2.URL.Path = u.ID
			if r.Method != http.MethodHead {
				h.ServeHTTP(w, r2)
				return nil
			}
			// a HEAD racing the completion may find tusd's files gone (they
			// go once the upload is recorded complete): ask the row again
			rec := &headRecorder{header: http.Header{}}
			h.ServeHTTP(rec, r2)
			if rec.status == http.StatusNotFound {
				if u, err := s.store.Upload(r.Context(), s.db, u.ID); err == nil && (u.State == store.UploadCompleting || u.State == store.UploadCompleted) {
					return answerReceived(w, r, u)
				}
			}
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(cmp.Or(rec.status, http.StatusOK))
			return nil
		}
	}
	rt.Handle("HEAD /api/uploads/{id}", auth.Admin, known(head))
	rt.Handle("PATCH /api/uploads/{id}", auth.Admin, known(patch))
	rt.Handle("DELETE /api/uploads/{id}", auth.Admin, known(del))
}

// beforeUpload records the upload (a UUIDv7 id) with its movie and uploader.
func (s *Service) beforeUpload(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	req, ok := hook.Context.Value(uploadRequestKey{}).(uploadRequest)
	if !ok {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusd.NewError("ERR_NO_MOVIE", "uploads start at /api/movies/{id}/uploads", http.StatusNotFound)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, err
	}
	now := s.now()
	meta := tusd.MetaData{"movie_id": req.movieID}
	name := hook.Upload.MetaData["filename"]
	if name != "" {
		meta["filename"] = name
	}
	err = s.store.InTx(hook.Context, func(ctx context.Context, tx *sqldb.Tx) error {
		return s.store.CreateUpload(ctx, tx, store.Upload{ID: id.String(), MovieID: req.movieID, UserID: req.userID,
			Size: hook.Upload.Size, Filename: name, State: store.UploadReceiving, CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, err
	}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{ID: id.String(), MetaData: meta}, nil
}

// beforeAbandon marks a receiving upload abandoned (tusd then deletes its
// bytes); one being completed keeps its bytes.
func (s *Service) beforeAbandon(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	var abandoned bool
	err := s.store.InTx(hook.Context, func(ctx context.Context, tx *sqldb.Tx) (err error) {
		abandoned, err = s.store.FinishUpload(ctx, tx, hook.Upload.ID, store.UploadReceiving, store.UploadAbandoned, "", s.now())
		return err
	})
	if err == nil && !abandoned {
		err = tusd.NewError("ERR_UPLOAD_COMPLETE", "the upload is complete: it can no longer be abandoned", http.StatusConflict)
	}
	return tusd.HTTPResponse{}, err
}

// uploadReceived runs when the last byte has arrived, before the PATCH is
// answered. The completion goes on if the client leaves meanwhile: its
// HEAD then finds the upload complete, or being completed.
func (s *Service) uploadReceived(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	// probing and storing a film takes longer than a read timeout; tusd
	// has just moved the connection's deadlines on, which would cancel
	// the request (and this work) when they pass
	httpx.UploadReceived(hook.Context)
	path := hook.Upload.Storage["Path"]
	if err := s.completeUpload(context.WithoutCancel(hook.Context), hook.Upload.ID, path); err != nil {
		s.log.Error("upload received but not processed; a HEAD retries", "upload_id", hook.Upload.ID, "err", err)
		return tusd.HTTPResponse{}, tusd.NewError("ERR_PROCESSING", "the upload arrived but could not be processed; retry with HEAD", http.StatusServiceUnavailable)
	}
	return tusd.HTTPResponse{}, nil
}

// finishIfComplete completes an upload whose bytes have all arrived but
// whose completion did not run (the process died in between, or the PATCH
// that brought them is still completing it); complete says whether the
// bytes were all there.
func (s *Service) finishIfComplete(ctx context.Context, id string) (complete bool) {
	up, err := s.tusStore.Core.GetUpload(ctx, id) // tusd's own view of the bytes
	if err != nil {
		return false
	}
	info, err := up.GetInfo(ctx)
	if err != nil || info.SizeIsDeferred || info.Offset != info.Size {
		return false
	}
	// the completion outlives the request (a large source takes a while
	// into S3): the HEAD waits for it as long as it may, then answers
	// from the upload's state
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.completeUpload(context.WithoutCancel(ctx), id, info.Storage["Path"]); err != nil {
			s.log.Error("complete a received upload", "upload_id", id, "err", err)
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return true
}

// The completer of an upload says it is still at work every claimRefresh;
// a claim not refreshed for claimStale is taken over (its process died).
const (
	claimRefresh = 10 * time.Second
	claimStale   = 6 * claimRefresh
)

// completeUpload probes the received file and records the outcome, once per
// upload: the caller that claims the completion in the store does it, any
// other returns at once (the upload is being completed, or is done).
func (s *Service) completeUpload(ctx context.Context, uploadID, path string) error {
	now := s.now()
	claimed, err := s.store.ClaimCompletion(ctx, s.db, uploadID, now, now.Add(-claimStale))
	if err != nil || !claimed {
		return err
	}
	keepCtx, stopKeeping := context.WithCancel(ctx)
	keeping := make(chan struct{})
	go func() {
		defer close(keeping)
		t := time.NewTicker(claimRefresh)
		defer t.Stop()
		for {
			select {
			case <-keepCtx.Done():
				return
			case <-t.C:
				if err := s.store.KeepClaim(keepCtx, s.db, uploadID, s.now()); err != nil && keepCtx.Err() == nil {
					s.log.Warn("keep the completion claim of an upload", "upload_id", uploadID, "err", err)
				}
			}
		}
	}()
	err = s.completeClaimed(ctx, uploadID, path)
	stopKeeping()
	<-keeping
	if err != nil {
		if rerr := s.store.ReleaseClaim(context.WithoutCancel(ctx), s.db, uploadID, s.now()); rerr != nil {
			s.log.Warn("release the completion claim of an upload", "upload_id", uploadID, "err", rerr)
		}
	}
	return err
}

// completeClaimed is the completion of an upload this caller claimed.
func (s *Service) completeClaimed(ctx context.Context, uploadID, path string) error {
	up, err := s.store.Upload(ctx, s.db, uploadID)
	if err != nil {
		return err
	}
	videoID, err := uuid.NewV7()
	if err != nil {
		return err
	}
	v := store.Video{ID: videoID.String(), MovieID: up.MovieID, UploadID: up.ID, State: store.StateUploaded,
		StoragePrefix: "videos/" + videoID.String() + "/", CreatedAt: s.now(), UpdatedAt: s.now()}
	info, reason := s.probeSource(ctx, path)
	if reason != "" {
		v.State, v.Error = store.StateFailed, reason
	} else {
		v.DurationSeconds, v.SourceWidth, v.SourceHeight, v.SourceCodec = info.duration, info.width, info.height, info.codec
		// the source goes into Storage first, so any process can transcode it once the job is out
		if s.storage == nil {
			return errors.New("no media storage configured")
		}
		if err := s.storage.PutFile(ctx, sourceKey(v.ID), path, "application/octet-stream"); err != nil {
			return fmt.Errorf("store the source of upload %s: %w", uploadID, err)
		}
	}
	err = s.store.InTx(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		changed, err := s.store.FinishUpload(ctx, tx, up.ID, store.UploadCompleting, store.UploadCompleted, v.ID, v.CreatedAt)
		if err != nil {
			return err
		}
		if !changed {
			return errClaimLost
		}
		if err := s.store.CreateVideo(ctx, tx, v); err != nil {
			return err
		}
		if err := s.store.SetLatestVideo(ctx, tx, v.MovieID, v.ID, v.CreatedAt); err != nil {
			return err
		}
		if v.State == store.StateFailed {
			return nil // a file that is not a playable video publishes nothing
		}
		v.Version = 1
		return s.emitVideo(ctx, tx, v, videoUploaded)
	})
	if errors.Is(err, errClaimLost) {
		// this process stalled past claimStale and another completed it
		if v.State != store.StateFailed {
			_ = s.storage.DeletePrefix(ctx, sourceKey(v.ID)) // the one source key (ids have one length)
		}
		return nil
	}
	if err != nil {
		return err
	}
	s.removeReceived(path)
	if reason != "" {
		s.log.Info("upload refused", "upload_id", up.ID, "movie_id", up.MovieID, "reason", reason)
	}
	return nil
}

var errClaimLost = errors.New("the completion claim was taken over")

// answerReceived answers a request on an upload that has every byte (being
// completed or completed), as tus answers for a finished upload: HEAD
// reports the full offset, a PATCH at the end changes nothing, any other
// PATCH offset is a conflict.
func answerReceived(w http.ResponseWriter, r *http.Request, u store.Upload) error {
	size := strconv.FormatInt(u.Size, 10)
	h := w.Header()
	h.Set("Tus-Resumable", "1.0.0")
	h.Set("Upload-Offset", size)
	switch r.Method {
	case http.MethodHead:
		h.Set("Upload-Length", size)
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		if r.Header.Get("Upload-Offset") != size {
			h.Del("Upload-Offset")
			return apperr.Conflict("the upload is complete: its offset is " + size)
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		return apperr.Conflict("the upload is complete")
	}
	return nil
}

// headRecorder keeps tusd's answer to a HEAD (headers only) until it is known to stand.
type headRecorder struct {
	header http.Header
	status int
}

func (h *headRecorder) Header() http.Header { return h.header }

func (h *headRecorder) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return len(b), nil // a HEAD answer has no body
}

func (h *headRecorder) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

// touchUpload records that a PATCH is bringing bytes.
func (s *Service) touchUpload(ctx context.Context, id string) {
	if err := s.store.TouchUpload(context.WithoutCancel(ctx), s.db, id, s.now()); err != nil {
		s.log.Warn("touch an upload", "upload_id", id, "err", err)
	}
}

// removeReceived deletes tusd's copy of a completed upload (its bytes and
// its .info); the source lives in Storage from now on.
func (s *Service) removeReceived(path string) {
	if path == "" {
		return
	}
	for _, p := range []string{path, path + ".info", path + ".lock"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove a received upload", "path", p, "err", err)
		}
	}
}

func sourceKey(videoID string) string { return "sources/" + videoID }

// tusProblems turns tusd's plain-text error answers into problem documents,
// as every other error of the API is; tusd's success answers pass through.
func tusProblems(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &problemWriter{ResponseWriter: w, r: r}
		h.ServeHTTP(pw, r)
		pw.finish()
	})
}

type problemWriter struct {
	http.ResponseWriter
	r      *http.Request
	status int
	body   bytes.Buffer
}

func (p *problemWriter) WriteHeader(code int) {
	if code >= 400 {
		p.status = code
		return
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *problemWriter) Write(b []byte) (int, error) {
	if p.status >= 400 {
		return p.body.Write(b)
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets tusd reach the connection (read deadlines) through http.ResponseController.
func (p *problemWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

func (p *problemWriter) finish() {
	if p.status < 400 {
		return
	}
	detail := strings.TrimSpace(p.body.String())
	if _, msg, ok := strings.Cut(detail, ": "); ok && strings.HasPrefix(detail, "ERR_") {
		detail = msg
	}
	p.ResponseWriter.Header().Del("Content-Type")
	p.ResponseWriter.Header().Del("Content-Length")
	httpx.WriteProblem(p.ResponseWriter, p.r, httpx.Problem{Status: p.status, Detail: detail})
}

var _ io.Writer = (*problemWriter)(nil)

// serveFile answers a file from Storage (Range, ETag, Content-Type).
func (s *Service) serveFile(w http.ResponseWriter, r *http.Request, key string) error {
	if s.storage == nil {
		return apperr.NotFound("file")
	}
	s.storage.Serve(w, r, key)
	return nil
}

// uploadExpiry is how long an unfinished upload may receive nothing before
// it is deleted (MARQUEE_UPLOAD_EXPIRY).
func (s *Service) uploadExpiry() time.Duration {
	if s.cfg.UploadExpiry > 0 {
		return s.cfg.UploadExpiry
	}
	return 24 * time.Hour
}

// expireUploadsWorker sweeps unfinished uploads now and then (every
// process does; the sweep is idempotent).
func (s *Service) expireUploadsWorker(ctx context.Context) error {
	every := min(s.uploadExpiry()/4, 15*time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.ExpireUploads(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("expire unfinished uploads", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ExpireUploads deletes the unfinished uploads that received nothing for
// the expiry (their row, then tusd's files) and reports how many. A PATCH
// touches its upload as it starts and ends, and its bytes keep the file's
// modification time fresh, so a PATCH in progress is never swept.
func (s *Service) ExpireUploads(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.uploadExpiry())
	dir := filepath.Join(s.cfg.DataDir, "uploads")
	const batch = 100
	expired := 0
	for {
		ids, err := s.store.StaleUploads(ctx, s.db, cutoff, batch)
		if err != nil {
			return expired, err
		}
		swept := 0
		for _, id := range ids {
			bytesFile := filepath.Join(dir, id)
			if st, err := os.Stat(bytesFile); err == nil && st.ModTime().After(cutoff) {
				s.touchUpload(ctx, id) // bytes came without a touch: look again later
				continue
			}
			deleted, err := s.store.DeleteStaleUpload(ctx, s.db, id, cutoff)
			if err != nil {
				return expired, err
			}
			if !deleted {
				continue
			}
			// tusd's lock file goes too: nobody holds it, the row is gone
			s.removeReceived(bytesFile)
			s.log.Info("unfinished upload expired", "upload_id", id)
			expired++
			swept++
		}
		if len(ids) < batch || swept == 0 {
			break
		}
	}
	return expired + s.removeOrphanedUploads(ctx, dir, cutoff), nil
}

// removeOrphanedUploads deletes the bytes in this process's uploads folder
// that no unfinished upload owns any more and that nothing wrote since
// cutoff: the row went on another process's sweep (uploads folders not
// shared), or a completion could not remove them.
func (s *Service) removeOrphanedUploads(ctx context.Context, dir string, cutoff time.Time) int {
	infos, err := filepath.Glob(filepath.Join(dir, "*.info"))
	if err != nil {
		return 0
	}
	removed := 0
	for _, info := range infos {
		bytesFile := strings.TrimSuffix(info, ".info")
		if st, err := os.Stat(bytesFile); err == nil && st.ModTime().After(cutoff) {
			continue
		}
		u, err := s.store.Upload(ctx, s.db, filepath.Base(bytesFile))
		if err == nil && (u.State == store.UploadReceiving || u.State == store.UploadCompleting) {
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			continue
		}
		s.removeReceived(bytesFile)
		removed++
	}
	return removed
}
