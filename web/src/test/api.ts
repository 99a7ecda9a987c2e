// A fake API for component tests: routes like "GET /api/movies/{id}" answer
// with JSON; every request is recorded. Installed as globalThis.fetch.
import { vi } from 'vitest';
import type { RatingSummary } from '../api/client';

export type Handler = (req: Request, params: Record<string, string>) => unknown | Response | Promise<unknown | Response>;

export interface FakeApi {
  calls: { method: string; path: string; search: string; headers: Headers; body: unknown }[];
  on(route: string, handler: Handler): FakeApi;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  if (status === 204) return new Response(null, { status });
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } });
}

export function problem(status: number, detail: string, errors?: { field: string; reason: string }[]): Response {
  return json({ type: 'about:blank', title: 'Error', status, detail, ...(errors ? { errors } : {}) }, status);
}

function matcher(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
}

export function fakeApi(): FakeApi {
  const routes: { method: string; re: RegExp; handler: Handler }[] = [];
  const api: FakeApi = {
    calls: [],
    on(route, handler) {
      const [method, path] = route.split(' ');
      routes.unshift({ method, re: matcher(path), handler });
      return api;
    },
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request) => {
      const req = input instanceof Request ? input : new Request(input);
      const url = new URL(req.url);
      let body: unknown;
      const text = req.method === 'GET' ? '' : await req.clone().text();
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      api.calls.push({ method: req.method, path: url.pathname, search: url.search, headers: req.headers, body });
      for (const r of routes) {
        const m = r.method === req.method ? r.re.exec(url.pathname) : null;
        if (m) {
          const out = await r.handler(req, m.groups ?? {});
          return out instanceof Response ? out : json(out);
        }
      }
      return problem(404, `no fake route for ${req.method} ${url.pathname}`);
    }),
  );
  return api;
}

export const summary = (count = 0, average: number | null = null, hist: Record<string, number> = {}): RatingSummary => ({
  average,
  count,
  histogram: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i + 1), hist[String(i + 1)] ?? 0])) as RatingSummary['histogram'],
});

export function movie(over: Record<string, unknown> = {}) {
  return {
    id: '01a1fcd6-e3f3-7697-99cf-cc800eb56c86',
    title: 'Alien',
    original_title: '',
    overview: 'In space no one can hear you scream.',
    release_date: '1979-05-25',
    runtime_minutes: 117,
    maturity_rating: 'R',
    languages: ['en'],
    poster_url: null,
    genres: [{ id: 'g1', slug: 'horror', name: 'Horror' }],
    cast: [{ person_id: 'p1', name: 'Sigourney Weaver', character: 'Ripley', order: 0 }],
    crew: [{ person_id: 'p2', name: 'Ridley Scott', job: 'Director' }],
    rating_summary: summary(),
    version: 1,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    deleted_at: null,
    ...over,
  };
}

export function me(over: Record<string, unknown> = {}) {
  return {
    id: 'u-me',
    email: 'me@example.com',
    display_name: 'Me',
    role: 'user',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    deleted_at: null,
    followers_count: 0,
    following_count: 0,
    ...over,
  };
}

export function review(over: Record<string, unknown> = {}) {
  return {
    id: 'r1',
    movie_id: '01a1fcd6-e3f3-7697-99cf-cc800eb56c86',
    movie_title: 'Alien',
    author: { id: 'u-other', display_name: 'Other' },
    rating: 7,
    body: 'Tense.',
    created_at: '2026-01-02T00:00:00Z',
    updated_at: '2026-01-02T00:00:00Z',
    ...over,
  };
}

/** Pretend a cookie-mode session exists (the readable CSRF cookie). */
export function signIn(token = 'csrf-123'): void {
  document.cookie = `marquee_csrf=${token}; Path=/`;
  localStorage.setItem('marquee.access_expires_at', String(Date.now() + 600_000));
}
