package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

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
			if r.Method == http.MethodHead && u.State == store.UploadReceiving {
				// a process that died between the last byte and its
				// completion left it received but unprocessed: finish it now
				s.finishIfComplete(r.Context(), u.ID)
			}
			// tusd's unrouted handler takes the upload id as the whole path
			r2 := r.Clone(r.Context())
			r2.URL.Path = u.ID
			h.ServeHTTP(w, r2)
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

// beforeAbandon marks a receiving upload abandoned (tusd then deletes its bytes).
func (s *Service) beforeAbandon(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	err := s.store.InTx(hook.Context, func(ctx context.Context, tx *sqldb.Tx) error {
		_, err := s.store.FinishUpload(ctx, tx, hook.Upload.ID, store.UploadAbandoned, "", s.now())
		return err
	})
	return tusd.HTTPResponse{}, err
}

// uploadReceived runs when the last byte has arrived, before the PATCH is answered.
func (s *Service) uploadReceived(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	// probing and storing a film takes longer than a read timeout; tusd
	// has just moved the connection's deadlines on, which would cancel
	// the request (and this work) when they pass
	httpx.UploadReceived(hook.Context)
	path := hook.Upload.Storage["Path"]
	if err := s.completeUpload(hook.Context, hook.Upload.ID, path); err != nil {
		s.log.Error("upload received but not processed; a HEAD retries", "upload_id", hook.Upload.ID, "err", err)
		return tusd.HTTPResponse{}, tusd.NewError("ERR_PROCESSING", "the upload arrived but could not be processed; retry with HEAD", http.StatusServiceUnavailable)
	}
	return tusd.HTTPResponse{}, nil
}

// finishIfComplete completes an upload whose bytes have all arrived but
// whose completion did not run (the process died in between).
func (s *Service) finishIfComplete(ctx context.Context, id string) {
	up, err := s.tusStore.Core.GetUpload(ctx, id) // tusd's own view of the bytes
	if err != nil {
		return
	}
	info, err := up.GetInfo(ctx)
	if err != nil || info.SizeIsDeferred || info.Offset != info.Size {
		return
	}
	if err := s.completeUpload(ctx, id, info.Storage["Path"]); err != nil {
		s.log.Error("complete a received upload", "upload_id", id, "err", err)
	}
}

// completeUpload probes the received file and records the outcome; a
// repeated call for an upload already completed does nothing.
func (s *Service) completeUpload(ctx context.Context, uploadID, path string) error {
	up, err := s.store.Upload(ctx, s.db, uploadID)
	if err != nil {
		return err
	}
	if up.State != store.UploadReceiving {
		return nil
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
		changed, err := s.store.FinishUpload(ctx, tx, up.ID, store.UploadCompleted, v.ID, v.CreatedAt)
		if err != nil || !changed {
			return err // completed meanwhile by another request
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
	if err != nil {
		return err
	}
	s.removeReceived(path)
	if reason != "" {
		s.log.Info("upload refused", "upload_id", up.ID, "movie_id", up.MovieID, "reason", reason)
	}
	return nil
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
