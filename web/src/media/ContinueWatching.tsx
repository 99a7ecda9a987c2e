import { Link } from 'react-router-dom';
import { api, type ContinueWatchingItem } from '../api/client';
import { unwrap } from '../api/problem';
import { showsTitle } from '../components/MovieCard';
import { Poster } from '../components/Poster';
import { useAsync } from '../hooks/useAsync';

/** Share watched (0–1) and what is left, as the row shows them. */
export function watchProgress(item: Pick<ContinueWatchingItem, 'position_seconds' | 'duration_seconds'>): { share: number; left: string } {
  const d = item.duration_seconds > 0 ? item.duration_seconds : 0;
  const share = d ? Math.min(1, Math.max(0, item.position_seconds / d)) : 0;
  const leftMin = Math.max(0, Math.ceil((d - item.position_seconds) / 60));
  const left = leftMin >= 60 ? `${Math.floor(leftMin / 60)} h ${leftMin % 60} min left` : `${leftMin} min left`;
  return { share, left };
}

/** The signed-in user's unfinished movies, newest first; nothing at all when there are none. */
export function ContinueWatching() {
  const { state } = useAsync(
    async (signal) => (await unwrap(api.GET('/api/me/continue-watching', { params: { query: { limit: 20 } }, signal, cache: 'no-cache' }))).items,
    [],
  );
  if (state.status !== 'ok' || state.data.length === 0) return null;
  return (
    <section className="row" aria-labelledby="continue-title" data-testid="continue-watching">
      <h2 id="continue-title" className="row-title">
        Continue watching
      </h2>
      <ul className="row-list">
        {state.data.map((it) => {
          const { share, left } = watchProgress(it);
          const pct = Math.round(share * 100);
          return (
            <li key={it.movie.id}>
              <Link className="card continue-card" to={`/watch/${it.movie.id}`} aria-label={`Continue ${it.movie.title}, ${left}`}>
                <Poster id={it.movie.id} title={it.movie.title} url={it.movie.poster_url ?? `/api/movies/${it.movie.id}/poster.svg`} />
                <span className="watch-progress" role="progressbar" aria-label="Watched" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
                  <span
                    className="watch-progress-bar"
                    ref={(el) => {
                      if (el) el.style.width = `${pct}%`;
                    }}
                  />
                </span>
                {/* a drawn poster shows the title already, as in the other rows */}
                <span className={showsTitle(it.movie.poster_url) ? 'card-title visually-hidden' : 'card-title'}>{it.movie.title}</span>
                <span className="continue-meta">{left}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
