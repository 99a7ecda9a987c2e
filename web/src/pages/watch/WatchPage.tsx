// The player page: a lazily loaded chunk (hls.js stays out of the home page's
// JavaScript). It plays the session's signed manifest, starts at the stored
// position, keeps the stream lease with heartbeats and ends the session when
// the viewer leaves.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api, type PlaybackSession, type Video } from '../../api/client';
import { unwrap } from '../../api/problem';
import { Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';
import { PlayProblem } from '../../media/PlayButton';
import { endSession, requestPlay, type PlayOutcome } from '../../media/play';
import { Player } from './Player';
import { previousSession, rememberSession } from './session';

export default function WatchPage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const movie = useAsync((signal) => unwrap(api.GET('/api/movies/{id}', { params: { path: { id } }, signal })), [id]);
  const video = useAsync(
    (signal) => unwrap(api.GET('/api/movies/{id}/video', { params: { path: { id } }, signal, cache: 'no-cache' })).catch(() => null as Video | null),
    [id],
  );
  const [outcome, setOutcome] = useState<PlayOutcome | null>(null);
  useTitle(movie.state.data ? `Watching ${movie.state.data.title}` : 'Player');

  const start = useCallback(async () => {
    setOutcome(null);
    // A session of this tab that its previous page could not end (a reload): end it first, so it does not take a screen.
    const prev = previousSession(id);
    if (prev) await endSession(prev).catch(() => undefined);
    const out = await requestPlay(id);
    if (out.kind === 'login') {
      navigate(`/login?next=${encodeURIComponent(`/watch/${id}`)}`, { replace: true });
      return;
    }
    setOutcome(out);
  }, [id, navigate]);

  // The movie page hands over the session it just started; used once (a
  // reload asks again: the session ends when the page goes away).
  const handed = useRef<PlaybackSession | null>((location.state as { session?: PlaybackSession } | null)?.session ?? null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (handed.current) {
      setOutcome({ kind: 'play', session: handed.current });
      navigate('.', { replace: true, state: null });
    } else {
      void start();
    }
  }, [navigate, start]);

  const session = outcome?.kind === 'play' ? outcome.session : null;
  useEffect(() => {
    if (session) rememberSession(id, session.session_id);
  }, [id, session]);

  const title = movie.state.data?.title ?? '';
  return (
    <div className="page watch-page">
      <p className="watch-back">
        <Link to={`/movies/${id}`}>
          <span aria-hidden="true">‹</span> {title || 'Back to the movie'}
        </Link>
      </p>
      <h1 className="visually-hidden">{title ? `Watching ${title}` : 'Player'}</h1>
      {!outcome && <Loading label="Starting playback…" />}
      {outcome && outcome.kind !== 'play' && <PlayProblem outcome={outcome} onRetry={start} />}
      {session && (
        <Player key={session.session_id} movieId={id} title={title} session={session} video={video.state.data ?? null} onRestart={start} />
      )}
    </div>
  );
}
