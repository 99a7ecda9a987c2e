import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Video } from '../../api/client';
import { fakeApi, me, movie, signIn } from '../../test/api';
import { renderAt } from '../../test/render';
import { AdminVideo, VideoStatus, current, percent, settled } from './AdminVideo';

// tus-js-client's transport is not ours to test here: a stand-in whose upload
// the test completes when it wants (onSuccess, as the library calls it)
const uploads = vi.hoisted(() => [] as { options: { onSuccess(): void } }[]);
vi.mock('tus-js-client', () => ({
  Upload: class {
    options: { onSuccess(): void };
    constructor(_file: File, options: { onSuccess(): void }) {
      this.options = options;
      uploads.push(this);
    }
    findPreviousUploads() {
      return Promise.resolve([]);
    }
    resumeFromPreviousUpload() {}
    start() {}
    abort() {
      return Promise.resolve();
    }
  },
}));

function video(over: Partial<Video> = {}): Video {
  return {
    id: 'v1', state: 'ready', progress: 1, duration_seconds: 6, source: { width: 1280, height: 720, codec: 'h264' },
    renditions: [
      { height: 360, width: 640, bandwidth: 800_000, codecs: 'avc1.64001e,mp4a.40.2' },
      { height: 720, width: 1280, bandwidth: 2_800_000, codecs: 'avc1.64001f,mp4a.40.2' },
    ],
    poster_url: null, thumbnails_url: null, error: null, updated_at: '2026-01-01T00:00:00Z',
    ...over,
  };
}

describe('the transcode state', () => {
  it('follows a replacement while the current video plays, and knows when there is nothing more to wait for', () => {
    const replacing = video({ replacement: video({ id: 'v2', state: 'processing', progress: 0.4, renditions: [] }) });
    expect(current(replacing).id).toBe('v2');
    expect(settled(replacing)).toBe(false);
    expect(settled(video({ state: 'ready', progress: 0.3 }))).toBe(false); // playable in 360p, the ladder goes on
    expect(settled(video())).toBe(true);
    expect(settled(video({ state: 'failed', error: 'no video stream' }))).toBe(true);
    expect(percent(0.999)).toBe(99);
    expect(percent(1.2)).toBe(100);
  });

  it('shows the failure reason', () => {
    render(<VideoStatus video={video({ state: 'failed', progress: 0, renditions: [], error: 'not a video: no video stream found' })} />);
    expect(screen.getByTestId('video-state')).toHaveAttribute('data-state', 'failed');
    expect(screen.getByRole('alert')).toHaveTextContent('not a video: no video stream found');
  });

  it('shows the progress and the renditions made so far', () => {
    render(<VideoStatus video={video({ state: 'ready', progress: 0.55 })} />);
    expect(screen.getByTestId('transcode-percent')).toHaveTextContent('55 %');
    expect(screen.getByRole('list', { name: 'Renditions' })).toHaveTextContent('360p · 800 kb/s720p · 2800 kb/s');
  });

  it('after an upload, does not pass the previous upload’s state (a failure) off as the new one’s', async () => {
    signIn();
    let answer = video({ id: 'v-old', state: 'failed', progress: 0, renditions: [], source: undefined, error: 'not a video: no video stream found' });
    fakeApi()
      .on('GET /api/me', () => me({ role: 'admin' }))
      .on('GET /api/admin/catalog/movies/{id}', () => movie({ id: 'm1', title: 'Alien' }))
      .on('GET /api/movies/{id}/video', () => answer);
    renderAt(<AdminVideo />, { route: '/admin/movies/m1/video', path: '/admin/movies/:id/video' });
    await waitFor(() => expect(screen.getByTestId('video-state')).toHaveAttribute('data-state', 'failed'));
    await userEvent.upload(screen.getByLabelText('Video file'), new File(['not much'], 'clip.mp4', { type: 'video/mp4' }));
    await waitFor(() => expect(uploads).toHaveLength(1));
    act(() => uploads[0].options.onSuccess());
    expect(await screen.findByTestId('upload-done')).toBeInTheDocument();
    expect(screen.getByTestId('video-state')).toHaveAttribute('data-state', 'uploaded');
    // the server still answers with the old video for a poll or two
    await act(() => new Promise((r) => setTimeout(r, 1300)));
    expect(screen.getByTestId('video-state')).toHaveAttribute('data-state', 'uploaded');
    expect(screen.queryByTestId('video-error')).toBeNull();
    answer = video({ id: 'v-new', state: 'processing', progress: 0.1, renditions: [] });
    await waitFor(() => expect(screen.getByTestId('video-state')).toHaveAttribute('data-state', 'processing'), { timeout: 3000 });
  });

  it('polls the video until the ladder is done', async () => {
    signIn();
    const states = [video({ state: 'processing', progress: 0.1, renditions: [] }), video({ state: 'ready', progress: 0.5 }), video()];
    let n = 0;
    fakeApi()
      .on('GET /api/me', () => me({ role: 'admin' }))
      .on('GET /api/admin/catalog/movies/{id}', () => movie({ id: 'm1', title: 'Alien' }))
      .on('GET /api/movies/{id}/video', () => states[Math.min(n++, states.length - 1)]);
    renderAt(<AdminVideo />, { route: '/admin/movies/m1/video', path: '/admin/movies/:id/video' });
    expect(await screen.findByRole('heading', { name: 'Video of “Alien”' })).toBeInTheDocument();
    expect(await screen.findByText('Transcoding')).toBeInTheDocument();
    await screen.findByText('Playable now; the rest of the ladder is being made.');
    await waitFor(() => expect(screen.queryByTestId('transcode-percent')).toBeNull());
    expect(screen.getByTestId('video-state')).toHaveAttribute('data-state', 'ready');
    await new Promise((r) => setTimeout(r, 1500));
    expect(n).toBe(3); // stopped asking once settled
  });
});
