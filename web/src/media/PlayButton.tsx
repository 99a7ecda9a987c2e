import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, type ActiveSession } from '../api/client';
import { errorMessage, unwrap } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { useAsync } from '../hooks/useAsync';
import { loadWatchPage } from '../pages/watch/load';
import { endSession, requestPlay, type PlayOutcome } from './play';

/**
 * Play on the movie page: shown when the movie has a ready video; a click
 * asks the API for a playback session and opens the player with it, or says
 * why it cannot play (subscribe, not in the plan, too many screens).
 */
export function PlayButton({ movieId, title }: { movieId: string; title: string }) {
  const video = useAsync(
    (signal) =>
      unwrap(api.GET('/api/movies/{id}/video', { params: { path: { id: movieId } }, signal, cache: 'no-cache' })).catch(() => null),
    [movieId],
  );
  const { status } = useAuth();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<PlayOutcome | null>(null);
  const ready = video.state.status === 'ok' && video.state.data?.state === 'ready';
  // fetch the player's chunk while the viewer reads the page
  useEffect(() => {
    if (ready && status === 'signed-in') void loadWatchPage().catch(() => undefined);
  }, [ready, status]);

  if (!ready) return null;

  const play = async () => {
    if (status !== 'signed-in') {
      navigate(`/login?next=${encodeURIComponent(`/movies/${movieId}`)}`);
      return;
    }
    setBusy(true);
    const out = await requestPlay(movieId);
    setBusy(false);
    if (out.kind === 'play') navigate(`/watch/${movieId}`, { state: { session: out.session } });
    else if (out.kind === 'login') navigate(`/login?next=${encodeURIComponent(`/movies/${movieId}`)}`);
    else setOutcome(out);
  };

  return (
    <div className="play-area">
      <button type="button" className="button button-primary button-play" onClick={play} disabled={busy} aria-label={`Play ${title}`} data-testid="play">
        <span aria-hidden="true">▶</span> {busy ? 'Starting…' : 'Play'}
      </button>
      {outcome && <PlayProblem outcome={outcome} onRetry={play} />}
    </div>
  );
}

/** Why a movie does not play, with what to do about it. */
export function PlayProblem({ outcome, onRetry }: { outcome: PlayOutcome; onRetry(): void }) {
  switch (outcome.kind) {
    case 'play':
      return null;
    case 'login':
      return (
        <p className="play-problem" role="alert">
          <Link to="/login">Log in</Link> to watch.
        </p>
      );
    case 'subscribe':
      return (
        <p className="play-problem" role="alert" data-testid="play-problem" data-kind={outcome.kind}>
          <Link className="button" to="/plans">
            Subscribe to watch
          </Link>
        </p>
      );
    case 'not-in-plan':
      return (
        <p className="play-problem" role="alert" data-testid="play-problem" data-kind={outcome.kind}>
          Not in your plan. <Link to="/plans">See the plans</Link>
        </p>
      );
    case 'stream-limit':
      return <StreamLimit sessions={outcome.sessions} onRetry={onRetry} />;
    default:
      return (
        <p className="play-problem" role="alert" data-testid="play-problem" data-kind={outcome.kind}>
          {outcome.message}
        </p>
      );
  }
}

function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** The screens that use the plan's streams, each with a button that stops it and plays here instead. */
function StreamLimit({ sessions, onRetry }: { sessions: ActiveSession[]; onRetry(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [stopping, setStopping] = useState<string | null>(null);
  const stop = async (id: string) => {
    setStopping(id);
    setError(null);
    try {
      await endSession(id);
      onRetry();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStopping(null);
    }
  };
  return (
    <div className="play-problem stream-limit" role="alert" data-testid="play-problem" data-kind="stream-limit">
      <p className="state-title">Stream limit reached: stop another screen</p>
      <ul className="session-list">
        {sessions.map((s, i) => (
          <li key={s.session_id}>
            <span>
              Screen {i + 1}: started {time(s.started_at)}, last active {time(s.last_seen_at)}
            </span>
            <button type="button" className="button" disabled={stopping !== null} onClick={() => stop(s.session_id)}>
              {stopping === s.session_id ? 'Stopping…' : 'Stop it and play here'}
            </button>
          </li>
        ))}
      </ul>
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}
