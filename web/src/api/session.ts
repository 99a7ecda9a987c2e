// Cookie-mode session (docs/ARCHITECTURE.md, "Identity and access"): the
// server keeps the access and refresh tokens in httpOnly cookies; the app only
// reads marquee_csrf (to echo it in X-CSRF-Token on writes and to know that a
// session exists) and remembers when the access cookie expires, so it
// refreshes before a request instead of after a 401.

export const CSRF_COOKIE = 'marquee_csrf';
const EXPIRES_KEY = 'marquee.access_expires_at';
const MARGIN_MS = 30_000;

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** A session exists when the readable CSRF cookie is there (it lives as long as the refresh cookie). */
export function hasSession(): boolean {
  return !!readCookie(CSRF_COOKIE);
}

export function csrfToken(): string | null {
  return readCookie(CSRF_COOKIE);
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Records that the access cookie is good for expiresIn seconds from now. */
export function noteAccessExpiry(expiresIn: number): void {
  storage()?.setItem(EXPIRES_KEY, String(Date.now() + expiresIn * 1000 - MARGIN_MS));
}

export function forgetAccessExpiry(): void {
  storage()?.removeItem(EXPIRES_KEY);
}

/** True when we know the access cookie has expired (or never learnt when it would). */
export function accessExpired(): boolean {
  const at = Number(storage()?.getItem(EXPIRES_KEY) ?? 0);
  return !at || Date.now() >= at;
}

/**
 * Forgets a session the server no longer honours (its refresh failed): the
 * CSRF cookie goes too, so the app stops trying to refresh on every call.
 */
export function forgetSession(): void {
  forgetAccessExpiry();
  const secure = window.location.protocol === 'https:' || window.location.hostname === '127.0.0.1' || window.location.hostname === 'localhost';
  document.cookie = `${CSRF_COOKIE}=; Max-Age=0; Path=/; SameSite=Strict${secure ? '; Secure' : ''}`;
}
