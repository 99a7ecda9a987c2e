import { describe, expect, it } from 'vitest';
import { fakeApi, json, me, problem, signIn } from '../test/api';
import { api, authFetch, onSessionChange, type Me } from './client';
import { hasSession } from './session';
import { ApiError, unwrap } from './problem';

describe('authFetch (cookie mode)', () => {
  it('sends X-CSRF-Token on writes, not on reads', async () => {
    signIn('tok-1');
    const fake = fakeApi().on('GET /api/genres', () => ({ items: [], next_cursor: null })).on('PATCH /api/me', () => me());
    await api.GET('/api/genres');
    await api.PATCH('/api/me', { body: { display_name: 'X' } });
    expect(fake.calls[0].headers.get('X-CSRF-Token')).toBeNull();
    expect(fake.calls[1].headers.get('X-CSRF-Token')).toBe('tok-1');
  });

  it('refreshes once after a 401 and retries the request with its body', async () => {
    signIn();
    let patched = 0;
    const fake = fakeApi()
      .on('PATCH /api/me', () => (++patched === 1 ? problem(401, 'expired') : me({ display_name: 'New' })))
      .on('POST /api/auth/refresh', () => ({ access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900, user: me() }));
    const out = await unwrap(api.PATCH('/api/me', { body: { display_name: 'New' } }));
    expect(out.display_name).toBe('New');
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PATCH /api/me', 'POST /api/auth/refresh', 'PATCH /api/me']);
    expect(fake.calls[1].headers.get('X-Auth-Mode')).toBe('cookie');
    expect(fake.calls[2].body).toEqual({ display_name: 'New' });
  });

  it('releases the 401 answer before retrying', async () => {
    signIn();
    let first: Response | null = null;
    fakeApi()
      .on('GET /api/me', () => {
        if (first) return me();
        first = problem(401, 'expired');
        return first;
      })
      .on('POST /api/auth/refresh', () => ({ access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900, user: me() }));
    await unwrap(api.GET('/api/me'));
    expect(first).not.toBeNull();
    expect(first!.bodyUsed).toBe(true);
  });

  it('refreshes before the request when the access cookie has expired (no 401 at all)', async () => {
    signIn();
    localStorage.setItem('marquee.access_expires_at', String(Date.now() - 1));
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('POST /api/auth/refresh', () => ({ access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900, user: me() }));
    await unwrap(api.GET('/api/me'));
    expect(fake.calls.map((c) => c.path)).toEqual(['/api/auth/refresh', '/api/me']);
  });

  it('shares one refresh between concurrent 401s (each refresh token works once)', async () => {
    signIn();
    const seen: Record<string, number> = {};
    const fake = fakeApi()
      .on('GET /api/users/{id}', (_r, p) => ((seen[p.id] = (seen[p.id] ?? 0) + 1) === 1 ? problem(401, 'expired') : { id: p.id }))
      .on('POST /api/auth/refresh', async () => {
        await new Promise((r) => setTimeout(r, 10));
        return { access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900, user: me() };
      });
    await Promise.all([api.GET('/api/users/{id}', { params: { path: { id: 'a' } } }), api.GET('/api/users/{id}', { params: { path: { id: 'b' } } })]);
    expect(fake.calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1);
  });

  it('does not refresh without a session, nor for the auth calls themselves', async () => {
    const fake = fakeApi().on('GET /api/me', () => problem(401, 'no token')).on('POST /api/auth/login', () => problem(401, 'bad password'));
    await api.GET('/api/me');
    signIn();
    await api.POST('/api/auth/login', { body: { email: 'a@b.c', password: 'x' } });
    expect(fake.calls.map((c) => c.path)).toEqual(['/api/me', '/api/auth/login']);
  });

  it('goes on signed out after a dead session: public calls load, nothing retries', async () => {
    signIn();
    let refresh: Response | null = null;
    const fake = fakeApi()
      .on('GET /api/me', () => problem(401, 'A valid access token is required.'))
      .on('POST /api/auth/refresh', () => (refresh = problem(401, 'unknown refresh token')))
      .on('GET /api/genres', () => ({ items: [], next_cursor: null }));
    const seen: (Me | null)[] = [];
    const off = onSessionChange((u) => seen.push(u));
    expect((await api.GET('/api/me')).response.status).toBe(401);
    expect((await api.GET('/api/genres')).response.status).toBe(200);
    expect((await api.GET('/api/me')).response.status).toBe(401);
    off();
    expect(seen).toEqual([null]);
    expect(hasSession()).toBe(false);
    expect(refresh!.bodyUsed).toBe(true);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/me', 'POST /api/auth/refresh', 'GET /api/genres', 'GET /api/me']);
  });

  it('gives up after a failed refresh and answers the 401', async () => {
    signIn();
    fakeApi()
      .on('GET /api/feed', () => problem(401, 'expired'))
      .on('POST /api/auth/refresh', () => problem(401, 'reused'));
    const res = await authFetch(new Request('http://localhost:3000/api/feed'));
    expect(res.status).toBe(401);
    // the dead session is forgotten: no refresh attempt on the next call
    expect(document.cookie).not.toContain('marquee_csrf');
  });
});

describe('unwrap', () => {
  it('turns a validation problem into an ApiError with its fields', async () => {
    fakeApi().on('POST /api/movies', () =>
      problem(422, 'The request has invalid fields.', [
        { field: 'title', reason: 'is required' },
        { field: 'cast[0].person_id', reason: 'is not a known person' },
      ]),
    );
    const err = await unwrap(api.POST('/api/movies', { body: { title: '' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).fields).toEqual({ title: 'is required', 'cast[0].person_id': 'is not a known person' });
    expect((err as ApiError).message).toBe('The request has invalid fields.');
  });

  it('says the server cannot be reached when fetch fails', async () => {
    fakeApi().on('GET /api/genres', () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(unwrap(api.GET('/api/genres'))).rejects.toThrow('Cannot reach the server');
  });

  it('resolves a 204 to undefined', async () => {
    signIn();
    fakeApi().on('DELETE /api/reviews/{id}', () => json(null, 204));
    await expect(unwrap(api.DELETE('/api/reviews/{id}', { params: { path: { id: 'r1' } } }))).resolves.toBeUndefined();
  });
});
