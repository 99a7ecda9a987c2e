// A movie's video: upload a file (tus, resumable) and follow the transcode
// until the video is ready or has failed.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import * as tus from 'tus-js-client';
import { api, refreshSession, type Video } from '../../api/client';
import { unwrap } from '../../api/problem';
import { sleep } from '../../api/queries';
import { accessExpired, csrfToken, hasSession } from '../../api/session';
import { ErrorState, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';

// 4 MiB: a chunk takes ~16 s at 2 Mbit/s, inside the server's 30 s request deadline
const CHUNK = 4 * 1024 * 1024;
const POLL_MS = 1000;

/** The record the page follows: a replacement being made, else the video itself. */
export function current(v: Video): Video {
  return v.replacement ?? v;
}

/** Whether the transcode has nothing more to do (the ladder complete, or failed). */
export function settled(v: Video): boolean {
  const c = current(v);
  return c.state === 'failed' || c.state === 'none' || (c.state === 'ready' && c.progress >= 1);
}

/** Percent with no decimals; 0.999 shows 99 %, not 100 %. */
export function percent(share: number): number {
  return Math.floor(Math.min(1, Math.max(0, share)) * 100);
}

const STATE_TEXT: Record<Video['state'], string> = {
  none: 'No video yet',
  uploaded: 'Uploaded, waiting to be transcoded',
  processing: 'Transcoding',
  ready: 'Ready',
  failed: 'Failed',
};

type UploadState =
  | { status: 'idle' }
  | { status: 'uploading' | 'paused'; sent: number; total: number; resumed: boolean }
  | { status: 'done' }
  | { status: 'error'; message: string };

function problemDetail(err: Error | tus.DetailedError): string {
  const res = (err as tus.DetailedError).originalResponse;
  if (res) {
    try {
      const p = JSON.parse(res.getBody()) as { detail?: string; title?: string };
      if (p.detail || p.title) return `${p.detail || p.title} (${res.getStatus()})`;
    } catch {
      /* not a problem document */
    }
    return `The server answered ${res.getStatus()}.`;
  }
  return 'The upload stopped: the server cannot be reached. Choose the same file again to resume.';
}

export function AdminVideo() {
  const { id = '' } = useParams();
  const movie = useAsync(
    (signal) => unwrap(api.GET('/api/admin/catalog/movies/{id}', { params: { path: { id }, query: { include_deleted: true } }, signal, cache: 'no-store' })),
    [id],
  );
  useTitle(movie.state.data ? `Video of ${movie.state.data.title} · Administration` : 'Video · Administration');
  const [video, setVideo] = useState<Video | null>(null);
  const [videoError, setVideoError] = useState<unknown>(null);
  const [follow, setFollow] = useState(0); // bumps to (re)start following the transcode
  const [upload, setUpload] = useState<UploadState>({ status: 'idle' });
  const uploadRef = useRef<tus.Upload | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const shownBefore = useRef<string | null>(null); // the video shown when the upload started
  // after an upload, until the server's answer shows its video: the old state (a
  // failure, say) must not pass for the new upload's
  const [awaitingNew, setAwaitingNew] = useState(false);

  // the video's state; polled while a transcode is under way
  useEffect(() => {
    const ctrl = new AbortController();
    (async () => {
      for (let n = 1; ; n++) {
        try {
          const v = await unwrap(api.GET('/api/movies/{id}/video', { params: { path: { id } }, signal: ctrl.signal, cache: 'no-store' }));
          setVideo(v);
          setVideoError(null);
          // Right after an upload the answer may still show the video from
          // before it for a moment: wait for the new one (for a while).
          const fresh = follow === 0 || current(v).id !== shownBefore.current || n >= 30;
          if (fresh) setAwaitingNew(false);
          if (fresh && settled(v)) return;
        } catch (err) {
          if (ctrl.signal.aborted) return;
          setVideoError(err);
        }
        await sleep(POLL_MS, ctrl.signal);
      }
    })().catch(() => undefined);
    return () => ctrl.abort();
  }, [id, follow]);

  useEffect(() => () => void uploadRef.current?.abort(), []);

  const start = useCallback(
    async (file: File) => {
      uploadRef.current?.abort();
      shownBefore.current = video ? current(video).id : null;
      const up = new tus.Upload(file, {
        endpoint: new URL(`/api/movies/${encodeURIComponent(id)}/uploads`, window.location.href).href,
        chunkSize: CHUNK,
        retryDelays: [0, 1000, 3000, 5000, 10000],
        metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
        removeFingerprintOnSuccess: true,
        // cookie-mode auth: the session's cookies ride along; writes need the CSRF header, and an expired access cookie a refresh first
        onBeforeRequest: async (req) => {
          if (hasSession() && accessExpired()) await refreshSession();
          const token = csrfToken();
          if (token) req.setHeader('X-CSRF-Token', token);
        },
        onShouldRetry: (err) => {
          const status = err.originalResponse?.getStatus() ?? 0;
          if (status === 401) return true; // the next attempt refreshes first
          return status === 0 || status === 409 || status === 423 || status === 429 || status >= 500;
        },
        onProgress: (sent, total) => setUpload((u) => ({ status: 'uploading', sent, total, resumed: u.status === 'uploading' && u.resumed })),
        onSuccess: () => {
          setUpload({ status: 'done' });
          setAwaitingNew(true);
          setFollow((n) => n + 1);
          if (fileRef.current) fileRef.current.value = '';
        },
        onError: (err) => setUpload({ status: 'error', message: problemDetail(err) }),
      });
      uploadRef.current = up;
      const previous = await up.findPreviousUploads().catch(() => []);
      if (previous.length > 0) up.resumeFromPreviousUpload(previous[0]);
      setUpload({ status: 'uploading', sent: 0, total: file.size, resumed: previous.length > 0 });
      up.start();
    },
    [id, video],
  );

  const pause = () => {
    void uploadRef.current?.abort();
    setUpload((u) => (u.status === 'uploading' ? { ...u, status: 'paused' } : u));
  };
  const resume = () => {
    uploadRef.current?.start();
    setUpload((u) => (u.status === 'paused' ? { ...u, status: 'uploading' } : u));
  };

  if (movie.state.status === 'error') return <ErrorState error={movie.state.error} onRetry={movie.reload} title="Could not load this movie" />;
  if (!movie.state.data) return <Loading label="Loading movie…" />;
  const m = movie.state.data;
  const busy = upload.status === 'uploading' || upload.status === 'paused';

  return (
    <>
      <div className="page-head">
        <h1>Video of “{m.title}”</h1>
        <Link className="button button-quiet" to={`/admin/movies/${m.id}`}>
          Edit the movie
        </Link>
      </div>

      <section className="panel upload-panel" aria-labelledby="upload-title">
        <h2 id="upload-title">Upload a video</h2>
        <p className="muted">
          Any file ffmpeg reads with a video stream. A new upload replaces the current video once it is ready. An interrupted upload resumes when you
          choose the same file again.
        </p>
        <div className="field">
          <label htmlFor="video-file">Video file</label>
          <input
            id="video-file"
            ref={fileRef}
            type="file"
            accept="video/*,.mkv,.mov,.mp4,.webm"
            disabled={busy && upload.status === 'uploading'}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void start(f);
            }}
          />
        </div>
        {busy && (
          <div data-testid="upload-progress">
            <progress max={upload.total || 1} value={upload.sent} aria-label="Upload progress" />
            <p>
              {upload.status === 'paused' ? 'Paused at' : 'Uploading:'} {percent(upload.total ? upload.sent / upload.total : 0)} % (
              {(upload.sent / 1048576).toFixed(1)} of {(upload.total / 1048576).toFixed(1)} MB){upload.resumed && ' — resumed an earlier upload of this file'}
            </p>
            <p className="actions">
              {upload.status === 'uploading' ? (
                <button type="button" className="button" onClick={pause}>
                  Pause
                </button>
              ) : (
                <button type="button" className="button button-primary" onClick={resume}>
                  Resume
                </button>
              )}
            </p>
          </div>
        )}
        {upload.status === 'done' && (
          <p role="status" data-testid="upload-done">
            Upload complete.
          </p>
        )}
        {upload.status === 'error' && (
          <p className="field-error" role="alert" data-testid="upload-error">
            {upload.message}
          </p>
        )}
      </section>

      <section className="panel" aria-labelledby="video-title">
        <h2 id="video-title">Transcode</h2>
        {videoError != null && <ErrorState error={videoError} title="Could not load the video's state" />}
        {!video && videoError == null && <Loading label="Loading the video's state…" />}
        {video && awaitingNew && (
          <p>
            <span className="badge" data-testid="video-state" data-state="uploaded">
              {STATE_TEXT.uploaded}
            </span>
          </p>
        )}
        {video && !awaitingNew && <VideoStatus video={video} />}
      </section>
    </>
  );
}

/** State, progress, renditions and the failure reason of a movie's video. */
export function VideoStatus({ video }: { video: Video }) {
  const c = current(video);
  const replacing = !!video.replacement;
  return (
    <div data-testid="video-status">
      {replacing && (
        <p className="muted">
          The current video ({video.renditions.map((r) => `${r.height}p`).join(', ') || 'no renditions'}) plays until the new one is ready.
        </p>
      )}
      <p>
        <span className={`badge${c.state === 'failed' ? ' badge-danger' : ''}`} data-testid="video-state" data-state={c.state}>
          {STATE_TEXT[c.state]}
        </span>{' '}
        {c.state === 'ready' && c.progress < 1 && 'Playable now; the rest of the ladder is being made.'}
      </p>
      {(c.state === 'processing' || (c.state === 'ready' && c.progress < 1)) && (
        <p>
          <progress max={1} value={c.progress} aria-label="Transcode progress" /> <span data-testid="transcode-percent">{percent(c.progress)} %</span>
        </p>
      )}
      {c.state === 'failed' && (
        <p className="field-error" role="alert" data-testid="video-error">
          {c.error || 'The transcode failed.'}
        </p>
      )}
      {c.source && (
        <p className="muted">
          Source: {c.source.width}×{c.source.height} {c.source.codec}
          {c.duration_seconds != null && `, ${Math.round(c.duration_seconds)} s`}
        </p>
      )}
      {c.renditions.length > 0 && (
        <ul className="rendition-list" aria-label="Renditions">
          {[...c.renditions]
            .sort((a, b) => a.height - b.height)
            .map((r) => (
              <li key={r.height} className="badge">
                {r.height}p · {Math.round(r.bandwidth / 1000)} kb/s
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}
