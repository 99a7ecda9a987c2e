import { useState } from 'react';
import { api } from '../api/client';
import { errorMessage, unwrap } from '../api/problem';
import { useAsync } from '../hooks/useAsync';

const PAGE = 100;
const MAX_PAGES = 10;

/** Whether the movie is on the signed-in user's list (the API has no single-item read). */
async function onList(movieId: string, signal: AbortSignal): Promise<boolean> {
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await unwrap(api.GET('/api/me/watchlist', { params: { query: { limit: PAGE, cursor } }, signal, cache: 'no-store' }));
    if (page.items.some((it) => it.movie.id === movieId)) return true;
    if (!page.next_cursor) return false;
    cursor = page.next_cursor;
  }
  return false;
}

/** "+ My list" / "✓ On my list": keeps a movie on the user's watchlist. */
export function WatchlistButton({ movieId, title }: { movieId: string; title: string }) {
  const listed = useAsync((signal) => onList(movieId, signal), [movieId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (listed.state.status !== 'ok') return null;
  const on = listed.state.data;

  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      if (on) await unwrap(api.DELETE('/api/me/watchlist/{movie_id}', { params: { path: { movie_id: movieId } } }));
      else await unwrap(api.PUT('/api/me/watchlist/{movie_id}', { params: { path: { movie_id: movieId } } }));
      listed.set(!on);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="watchlist">
      <button
        type="button"
        className={`button ${on ? '' : 'button-primary'}`}
        aria-pressed={on}
        aria-label={on ? `Remove ${title} from my list` : `Add ${title} to my list`}
        disabled={busy}
        onClick={toggle}
        data-testid="watchlist-button"
      >
        {on ? '✓ On my list' : '+ My list'}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
