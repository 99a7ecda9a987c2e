// What the API's answer to POST /api/movies/{id}/play means for the viewer
// (DESIGN.md §4.2): one outcome per status, shown by PlayButton and the
// player page alike.
import { api, type ActiveSession, type PlaybackSession } from '../api/client';
import type { Problem } from '../api/problem';

export type PlayOutcome =
  | { kind: 'play'; session: PlaybackSession }
  | { kind: 'login' }
  | { kind: 'subscribe'; message: string }
  | { kind: 'not-in-plan'; message: string }
  | { kind: 'no-video'; message: string }
  | { kind: 'stream-limit'; message: string; sessions: ActiveSession[] }
  | { kind: 'error'; message: string };

function detail(body: unknown): string | undefined {
  const p = body as Partial<Problem> | null;
  return (p && typeof p === 'object' && (p.detail || p.title)) || undefined;
}

/** Maps the play answer (status and body) to what the viewer is shown. */
export function playOutcome(status: number, body: unknown): PlayOutcome {
  switch (status) {
    case 201:
    case 200:
      return { kind: 'play', session: body as PlaybackSession };
    case 401:
      return { kind: 'login' };
    case 402:
      return { kind: 'subscribe', message: 'Subscribe to watch' };
    case 403:
      return { kind: 'not-in-plan', message: 'Not in your plan' };
    case 404:
      return { kind: 'no-video', message: 'This movie cannot be played yet.' };
    case 409: {
      const sessions = (body as { active_sessions?: ActiveSession[] } | null)?.active_sessions ?? [];
      return { kind: 'stream-limit', message: 'Stream limit reached: stop another screen', sessions };
    }
    case 503:
      return { kind: 'error', message: detail(body) ?? 'Playback is unavailable right now; try again in a moment.' };
    default:
      return { kind: 'error', message: detail(body) ?? `The server answered ${status}.` };
  }
}

/** Asks to play movieId; network failures become an error outcome. */
export async function requestPlay(movieId: string): Promise<PlayOutcome> {
  try {
    const { data, error, response } = await api.POST('/api/movies/{id}/play', { params: { path: { id: movieId } } });
    return playOutcome(response.status, response.ok ? data : error);
  } catch {
    return { kind: 'error', message: 'Cannot reach the server. Check your connection and try again.' };
  }
}

/** Ends one of the user's playback sessions (frees a screen). An already ended one is fine. */
export async function endSession(sessionId: string): Promise<void> {
  const { response } = await api.DELETE('/api/playback/{id}', { params: { path: { id: sessionId } } });
  if (!response.ok && response.status !== 404 && response.status !== 410) {
    throw new Error(`Could not stop that screen (the server answered ${response.status}).`);
  }
}
