// Reads that take more than one call.
import { api, type Review } from './client';
import { unwrap } from './problem';

const PAGE = 100;
const MAX_PAGES = 10;

/**
 * The user's review of a movie, or null. The API has no "my review of this
 * movie" call, so this walks the user's own reviews (newest first).
 */
export async function findUserReview(userId: string, movieId: string, signal?: AbortSignal): Promise<Review | null> {
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await unwrap(
      api.GET('/api/users/{id}/reviews', { params: { path: { id: userId }, query: { limit: PAGE, cursor } }, signal, cache: 'no-store' }),
    );
    const hit = page.items.find((r) => r.movie_id === movieId);
    if (hit) return hit;
    if (!page.next_cursor) return null;
    cursor = page.next_cursor;
  }
  return null;
}

/** Whether follower follows target, from the follower's "following" list. */
export async function isFollowing(followerId: string, targetId: string, signal?: AbortSignal): Promise<boolean> {
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await unwrap(
      api.GET('/api/users/{id}/following', { params: { path: { id: followerId }, query: { limit: PAGE, cursor } }, signal, cache: 'no-store' }),
    );
    if (page.items.some((f) => f.id === targetId)) return true;
    if (!page.next_cursor) return false;
    cursor = page.next_cursor;
  }
  return false;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });
}
