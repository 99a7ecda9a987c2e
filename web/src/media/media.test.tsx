import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeApi, json, me, problem, signIn } from '../test/api';
import { renderAt } from '../test/render';
import { leave, heartbeat, previousSession, rememberSession } from '../pages/watch/session';
import { ContinueWatching, watchProgress } from './ContinueWatching';
import { clock, playerAction, seekTarget, stepVolume } from './keys';
import { playOutcome } from './play';
import { PlayButton } from './PlayButton';
import { cueAt, parseStoryboard, parseTimestamp } from './storyboard';

const MOVIE = 'm1';

function video(over: Record<string, unknown> = {}) {
  return {
    id: 'v1', state: 'ready', progress: 1, duration_seconds: 600, source: { width: 1920, height: 1080, codec: 'h264' },
    renditions: [{ height: 360, width: 640, bandwidth: 800000, codecs: 'avc1.64001e,mp4a.40.2' }],
    poster_url: '/api/videos/v1/poster.jpg', thumbnails_url: '/api/videos/v1/thumbnails.vtt', error: null, updated_at: '2026-01-01T00:00:00Z',
    ...over,
  };
}
const playSession = { session_id: 's-new', manifest_url: '/stream/tok/master.m3u8', expires_at: '2026-01-01T01:00:00Z', max_height: 720, resume_position_seconds: 42 };

describe('storyboard index', () => {
  const vtt = `WEBVTT

00:00:00.000 --> 00:00:10.000
storyboard.jpg#xywh=0,0,160,90

1
00:00:10.000 --> 00:00:20.000
storyboard.jpg#xywh=160,0,160,90

00:00:20.000 --> 00:01:00.500
https://cdn.example/other.jpg#xywh=pixel:0,90,160,90

00:01:00.500 --> 00:02:00.000
no-fragment.jpg
`;
  const base = 'http://localhost/api/videos/v1/thumbnails.vtt';

  it('reads cues, resolves the sprite URL against the index and skips cues without a region', () => {
    const cues = parseStoryboard(vtt, base);
    expect(cues).toHaveLength(3);
    expect(cues[0]).toEqual({ start: 0, end: 10, url: 'http://localhost/api/videos/v1/storyboard.jpg', x: 0, y: 0, w: 160, h: 90 });
    expect(cues[1]).toMatchObject({ start: 10, x: 160 });
    expect(cues[2]).toMatchObject({ end: 60.5, url: 'https://cdn.example/other.jpg', y: 90 });
  });

  it('finds the cue of a time', () => {
    const cues = parseStoryboard(vtt, base);
    expect(cueAt(cues, 0)?.x).toBe(0);
    expect(cueAt(cues, 9.99)?.x).toBe(0);
    expect(cueAt(cues, 10)?.x).toBe(160);
    expect(cueAt(cues, 45)?.y).toBe(90);
    expect(cueAt(cues, 500)?.y).toBe(90); // past the end: the last frame
    expect(cueAt([], 3)).toBeNull();
  });

  it('rejects what is not WebVTT and bad timestamps', () => {
    expect(parseStoryboard('<html>', base)).toEqual([]);
    expect(parseStoryboard('WEBVTT\n\nxx --> 00:00:01.000\na.jpg#xywh=0,0,1,1\n', base)).toEqual([]);
    expect(parseTimestamp('01:02:03.500')).toBe(3723.5);
    expect(parseTimestamp('02:03.250')).toBe(123.25);
    expect(parseTimestamp('2:3.2')).toBeNaN();
  });
});

describe('keyboard controls', () => {
  it('maps the keys', () => {
    expect(playerAction({ key: ' ' })).toEqual({ type: 'toggle-play' });
    expect(playerAction({ key: 'ArrowLeft' })).toEqual({ type: 'seek', by: -10 });
    expect(playerAction({ key: 'ArrowRight' })).toEqual({ type: 'seek', by: 10 });
    expect(playerAction({ key: 'ArrowUp' })).toEqual({ type: 'volume', by: 0.1 });
    expect(playerAction({ key: 'ArrowDown' })).toEqual({ type: 'volume', by: -0.1 });
    expect(playerAction({ key: 'f' })).toEqual({ type: 'fullscreen' });
    expect(playerAction({ key: 'M' })).toEqual({ type: 'mute' });
    expect(playerAction({ key: 'x' })).toBeNull();
  });

  it('leaves shortcuts of the browser and typing in fields alone, but not the seek bar', () => {
    expect(playerAction({ key: 'f', ctrlKey: true })).toBeNull();
    expect(playerAction({ key: 'ArrowLeft', altKey: true })).toBeNull();
    const text = document.createElement('input');
    expect(playerAction({ key: 'm', target: text })).toBeNull();
    const select = document.createElement('select');
    expect(playerAction({ key: 'ArrowDown', target: select })).toBeNull();
    const range = document.createElement('input');
    range.type = 'range';
    expect(playerAction({ key: 'ArrowRight', target: range })).toEqual({ type: 'seek', by: 10 });
  });

  it('keeps seeks and volume in range and prints times', () => {
    expect(seekTarget(5, -10, 100)).toBe(0);
    expect(seekTarget(95, 10, 100)).toBe(100);
    expect(seekTarget(5, 10, NaN)).toBe(15);
    expect(stepVolume(0.95, 0.1)).toBe(1);
    expect(stepVolume(0.05, -0.1)).toBe(0);
    expect(stepVolume(0.7, -0.1)).toBe(0.6);
    expect(clock(65)).toBe('1:05');
    expect(clock(3725.9)).toBe('1:02:05');
    expect(clock(NaN)).toBe('0:00');
  });
});

describe('the answer to Play', () => {
  it('maps each status', () => {
    expect(playOutcome(201, playSession)).toEqual({ kind: 'play', session: playSession });
    expect(playOutcome(401, null).kind).toBe('login');
    expect(playOutcome(402, { status: 402 })).toMatchObject({ kind: 'subscribe', message: 'Subscribe to watch' });
    expect(playOutcome(403, { status: 403 })).toMatchObject({ kind: 'not-in-plan', message: 'Not in your plan' });
    expect(playOutcome(404, { status: 404 }).kind).toBe('no-video');
    const active = [{ session_id: 's1', movie_id: 'm9', started_at: '2026-01-01T00:00:00Z', last_seen_at: '2026-01-01T00:01:00Z' }];
    expect(playOutcome(409, { status: 409, active_sessions: active })).toEqual({
      kind: 'stream-limit',
      message: 'Stream limit reached: stop another screen',
      sessions: active,
    });
    expect(playOutcome(503, { status: 503, detail: 'billing is unreachable' })).toEqual({ kind: 'error', message: 'billing is unreachable' });
  });
});

describe('PlayButton', () => {
  it('is not there when the movie has no ready video', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/{id}/video', () => video({ state: 'processing', progress: 0.2 }));
    renderAt(<PlayButton movieId={MOVIE} title="Alien" />);
    await waitFor(() => expect(fake.calls.some((c) => c.path === `/api/movies/${MOVIE}/video`)).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('button', { name: 'Play Alien' })).toBeNull();
  });

  it('offers the plans to a user without a subscription', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/{id}/video', () => video())
      .on('POST /api/movies/{id}/play', () => problem(402, 'no subscription'));
    renderAt(<PlayButton movieId={MOVIE} title="Alien" />);
    await userEvent.click(await screen.findByRole('button', { name: 'Play Alien' }));
    expect(await screen.findByRole('link', { name: 'Subscribe to watch' })).toHaveAttribute('href', '/plans');
  });

  it('says when the movie is not in the plan', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/{id}/video', () => video())
      .on('POST /api/movies/{id}/play', () => problem(403, 'not in plan'));
    renderAt(<PlayButton movieId={MOVIE} title="Alien" />);
    await userEvent.click(await screen.findByRole('button', { name: 'Play Alien' }));
    expect(await screen.findByText(/Not in your plan/)).toBeInTheDocument();
  });

  it('at the stream limit lists the screens; stopping one plays here', async () => {
    signIn();
    let plays = 0;
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/{id}/video', () => video())
      .on('POST /api/movies/{id}/play', () =>
        ++plays === 1
          ? json(
              {
                type: 'about:blank', title: 'Conflict', status: 409, detail: 'stream limit reached',
                active_sessions: [{ session_id: 's-old', movie_id: 'm2', started_at: '2026-01-01T10:00:00Z', last_seen_at: '2026-01-01T10:05:00Z' }],
              },
              409,
            )
          : json(playSession, 201),
      )
      .on('DELETE /api/playback/{id}', () => json(null, 204));
    renderAt(<PlayButton movieId={MOVIE} title="Alien" />, { route: `/movies/${MOVIE}`, path: '/movies/:id' });
    await userEvent.click(await screen.findByRole('button', { name: 'Play Alien' }));
    expect(await screen.findByText('Stream limit reached: stop another screen')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Stop it and play here' }));
    await screen.findByTestId('elsewhere'); // navigated to the player
    expect(fake.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/api/playback/s-old']);
    expect(plays).toBe(2);
  });

  it('sends a visitor to log in', async () => {
    fakeApi().on('GET /api/movies/{id}/video', () => video());
    renderAt(<PlayButton movieId={MOVIE} title="Alien" />, { route: `/movies/${MOVIE}`, path: '/movies/:id' });
    await userEvent.click(await screen.findByRole('button', { name: 'Play Alien' }));
    await screen.findByTestId('elsewhere');
  });
});

describe('Continue watching', () => {
  it('computes the share watched and the time left', () => {
    expect(watchProgress({ position_seconds: 1800, duration_seconds: 3600 })).toEqual({ share: 0.5, left: '30 min left' });
    expect(watchProgress({ position_seconds: 60, duration_seconds: 7200 })).toEqual({ share: 60 / 7200, left: '1 h 59 min left' });
    expect(watchProgress({ position_seconds: 10, duration_seconds: 0 }).share).toBe(0);
  });

  it('shows each movie with its progress and links to the player', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/me/continue-watching', () => ({
        items: [{ movie: { id: 'm7', title: 'Heat', poster_url: null }, position_seconds: 2520, duration_seconds: 10200, updated_at: '2026-01-01T00:00:00Z' }],
        next_cursor: null,
      }));
    renderAt(<ContinueWatching />);
    const link = await screen.findByRole('link', { name: /Continue Heat/ });
    expect(link).toHaveAttribute('href', '/watch/m7');
    expect(screen.getByRole('progressbar', { name: 'Watched' })).toHaveAttribute('aria-valuenow', '25');
  });

  it('is hidden when there is nothing to continue', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/me/continue-watching', () => ({ items: [], next_cursor: null }));
    const { container } = renderAt(<ContinueWatching />);
    await waitFor(() => expect(fake.calls.some((c) => c.path === '/api/me/continue-watching')).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(container.querySelector('[data-testid=continue-watching]')).toBeNull();
  });
});

describe('playback session', () => {
  it('heartbeats report an ended session', async () => {
    signIn();
    fakeApi()
      .on('PUT /api/playback/s-live', () => ({ session_id: 's-live', position_seconds: 12.3, expires_at: '2026-01-01T00:00:45Z' }))
      .on('PUT /api/playback/s-gone', () => problem(410, 'ended'));
    expect(await heartbeat('s-live', 12.345)).toBe('ok');
    expect(await heartbeat('s-gone', 1)).toBe('ended');
  });

  it('leaving stores the position first, then ends the session and forgets it', async () => {
    signIn('csrf-9');
    const fake = fakeApi()
      .on('PUT /api/playback/{id}', () => ({ session_id: 's1', position_seconds: 61.2, expires_at: '2026-01-01T00:00:45Z' }))
      .on('DELETE /api/playback/{id}', () => json(null, 204));
    rememberSession('m1', 's1');
    await leave('s1', 61.234);
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PUT /api/playback/s1', 'DELETE /api/playback/s1']);
    expect(fake.calls[0].body).toEqual({ position_seconds: 61.2 });
    expect(fake.calls[1].headers.get('X-CSRF-Token')).toBe('csrf-9');
    expect(previousSession('m1')).toBeNull();
  });
});
