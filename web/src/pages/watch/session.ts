// A playback session's side of the lease (DESIGN.md §4.2): heartbeats with the
// position, the last one when the page goes away, and the end of the session.
import { api } from '../../api/client';
import { csrfToken } from '../../api/session';

export const HEARTBEAT_MS = 10_000;

/** What a heartbeat learnt: the lease goes on, or the session is over (ended elsewhere, revoked, expired). */
export type BeatResult = 'ok' | 'ended' | 'failed';

export async function heartbeat(sessionId: string, position: number): Promise<BeatResult> {
  try {
    const { response } = await api.PUT('/api/playback/{id}', {
      params: { path: { id: sessionId } },
      body: { position_seconds: roundPosition(position) },
    });
    if (response.ok) return 'ok';
    // 404/410: the session is gone; 403: it is not (or no longer) ours
    return response.status === 404 || response.status === 410 || response.status === 403 ? 'ended' : 'failed';
  } catch {
    return 'failed';
  }
}

export function roundPosition(position: number): number {
  return Number.isFinite(position) && position > 0 ? Math.round(position * 10) / 10 : 0;
}

/**
 * A request that outlives the page (keepalive): the typed client may first
 * refresh the session (an await the unloading page does not wait for), so
 * this one goes straight out with the CSRF header.
 */
function keepalive(method: 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = csrfToken();
  if (token) headers['X-CSRF-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const url = new URL(path, window.location.href);
  return fetch(new Request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), keepalive: true, credentials: 'same-origin' }));
}

/**
 * Stores the last position, then ends the session. The end waits for the
 * position: ended first, the lease would refuse the heartbeat and the position
 * would be lost. When the page is torn down before the first answer, the
 * session is left to the lease (45 s) or to the next page in this tab, which
 * ends it (see rememberSession).
 */
export function leave(sessionId: string, position: number): Promise<void> {
  const path = `/api/playback/${encodeURIComponent(sessionId)}`;
  return keepalive('PUT', path, { position_seconds: roundPosition(position) })
    .catch(() => undefined)
    .then(() => keepalive('DELETE', path))
    .then(
      () => forgetSession(sessionId),
      () => undefined,
    );
}

// The tab's current session per movie (sessionStorage: this tab only), so a
// reload can end the one its unloading page may not have ended.
const KEY = (movieId: string) => `marquee.playback.${movieId}`;

export function rememberSession(movieId: string, sessionId: string): void {
  try {
    sessionStorage.setItem(KEY(movieId), sessionId);
  } catch {
    /* storage refused: the lease ends it */
  }
}

export function previousSession(movieId: string): string | null {
  try {
    return sessionStorage.getItem(KEY(movieId));
  } catch {
    return null;
  }
}

function forgetSession(sessionId: string): void {
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const k = sessionStorage.key(i);
      if (k?.startsWith('marquee.playback.') && sessionStorage.getItem(k) === sessionId) sessionStorage.removeItem(k);
    }
  } catch {
    /* nothing to forget */
  }
}
