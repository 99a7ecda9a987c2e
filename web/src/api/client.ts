// The typed API client: openapi-fetch over the generated schema.d.ts, with a
// fetch that does cookie-mode auth (CSRF header on writes, refresh before an
// expired access cookie is used and once after a 401, then the retry).
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import { accessExpired, csrfToken, forgetSession, hasSession, noteAccessExpiry } from './session';

export type Schemas = components['schemas'];
export type Me = Schemas['Me'];
export type User = Schemas['User'];
export type Movie = Schemas['Movie'];
export type MovieSummary = Schemas['MovieSummary'];
export type MovieWrite = Schemas['MovieWrite'];
export type Person = Schemas['Person'];
export type PersonSummary = Schemas['PersonSummary'];
export type PersonWrite = Schemas['PersonWrite'];
export type Genre = Schemas['Genre'];
export type Review = Schemas['Review'];
export type FeedItem = Schemas['FeedItem'];
export type Follow = Schemas['Follow'];
export type SearchResult = Schemas['SearchResult'];
export type TopRatedMovie = Schemas['TopRatedMovie'];
export type RatingSummary = Schemas['RatingSummary'];
export type AuthTokens = Schemas['AuthTokens'];
export type Notification = Schemas['Notification'];
export type NotificationSettings = Schemas['NotificationSettings'];
export type MailFile = Schemas['Mail'];
export type Video = Schemas['Video'];
export type PlaybackSession = Schemas['PlaybackSession'];
export type ActiveSession = Schemas['ActiveSession'];
export type ContinueWatchingItem = Schemas['ContinueWatchingItem'];

type SessionListener = (user: Me | null) => void;
const listeners = new Set<SessionListener>();

/** Called with the user after a refresh, or null when the session is gone. */
export function onSessionChange(fn: SessionListener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const AUTH_PATH = /\/api\/auth\/(login|register|refresh|logout)$/;

function withCsrf(req: Request): Request {
  const token = csrfToken();
  if (token && WRITE.has(req.method)) req.headers.set('X-CSRF-Token', token);
  return req;
}

let refreshing: Promise<boolean> | null = null;

/** Exchanges the refresh cookie for new cookies; one exchange at a time (each refresh token works once). */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const headers: Record<string, string> = { 'X-Auth-Mode': 'cookie' };
      const token = csrfToken();
      if (token) headers['X-CSRF-Token'] = token;
      const res = await globalThis.fetch(new Request(`${origin()}/api/auth/refresh`, { method: 'POST', headers }));
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        // 401: the session is dead (the answer expired its httpOnly cookies);
        // 403: no usable CSRF cookie. Either way the app goes on signed out,
        // and the server treats what cookies remain as no session at all.
        if (res.status === 401 || res.status === 403) forgetSession();
        listeners.forEach((fn) => fn(null));
        return false;
      }
      const body = (await res.json()) as AuthTokens;
      noteAccessExpiry(body.expires_in);
      listeners.forEach((fn) => fn(body.user));
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function authFetch(input: Request): Promise<Response> {
  const isAuth = AUTH_PATH.test(new URL(input.url).pathname);
  if (!isAuth && hasSession() && accessExpired()) {
    await refreshSession();
  }
  const retry = isAuth ? null : input.clone();
  const res = await globalThis.fetch(withCsrf(input));
  if (res.status === 401 && retry && hasSession()) {
    if (await refreshSession()) {
      // The first answer is done with: release its body (and the connection
      // it holds) before asking again.
      await res.body?.cancel().catch(() => undefined);
      return globalThis.fetch(withCsrf(retry));
    }
  }
  return res;
}

function origin(): string {
  return typeof window !== 'undefined' ? window.location.origin : 'http://localhost';
}

export const api = createClient<paths>({ baseUrl: origin(), fetch: authFetch });
