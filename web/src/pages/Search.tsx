import { useEffect } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { api, type SearchResult } from '../api/client';
import { unwrap } from '../api/problem';
import { Poster } from '../components/Poster';
import { Empty, ErrorState, Loading } from '../components/States';
import { rating, year } from '../format';
import { useAsync } from '../hooks/useAsync';
import { useDebounced } from '../hooks/useDebounced';
import { useTitle } from '../hooks/useTitle';

const DEBOUNCE_MS = 250;

/**
 * Search as you type: the header's search box writes the query into the
 * address (?q=); the results follow it after a short pause.
 */
export function Search() {
  const [params] = useSearchParams();
  const location = useLocation();
  const urlQ = (params.get('q') ?? '').trim();
  // Opened by typing in the header: wait for the pause like for every key.
  // Opened from a link or a bookmark: search at once.
  const typing = (location.state as { typing?: boolean } | null)?.typing === true;
  const q = useDebounced(urlQ, DEBOUNCE_MS, typing ? '' : urlQ);
  useTitle(q ? `Search: ${q}` : 'Search');

  useEffect(() => {
    // Arriving here without a query (the Search link, a bookmark): start typing at once.
    if (!params.get('q')) document.getElementById('header-q')?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <div className="page search-page">
      <h1>{urlQ ? <>Results for “{urlQ}”</> : 'Search'}</h1>
      <Results q={q} waiting={urlQ !== q} />
    </div>
  );
}

/** The results for q; waiting: the box holds something else, which q will be after the pause. */
function Results({ q, waiting }: { q: string; waiting: boolean }) {
  const { state, reload } = useAsync(
    async (signal) => (q ? (await unwrap(api.GET('/api/search', { params: { query: { q, limit: 30 } }, signal }))).items : []),
    [q],
    { keepData: true },
  );
  let status = '';
  if (q && state.status === 'ok') status = state.data.length ? `${state.data.length} results for “${q}”` : `No results for “${q}”`;
  return (
    <>
      <p id="search-status" className="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      {!q && !waiting && <Empty>Type a title or a name in the search box at the top; results appear as you type.</Empty>}
      {((q && state.status === 'loading' && !state.data) || (!q && waiting)) && <Loading label="Searching…" />}
      {q && state.status === 'error' && <ErrorState error={state.error} onRetry={reload} title="Search failed" />}
      {q && state.status === 'ok' && state.data.length === 0 && (
        <Empty>
          Nothing matches “{q}”. Check the spelling or try fewer words.
        </Empty>
      )}
      {q && state.data && state.data.length > 0 && (
        <div id="search-results" className="result-sections" aria-busy={state.status === 'loading'} data-testid="search-results">
          {(['movie', 'person'] as const).map((kind) => {
            const items = state.data!.filter((r) => r.kind === kind);
            if (items.length === 0) return null;
            const label = kind === 'movie' ? 'Movies' : 'People';
            return (
              <section key={kind} aria-labelledby={`results-${kind}`}>
                <h2 id={`results-${kind}`} className="results-title">
                  {label} <span className="muted">({items.length})</span>
                </h2>
                <ul className="result-list">
                  {items.map((r) => (
                    <li key={`${r.kind}:${r.id}`}>
                      <ResultItem r={r} />
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}

function ResultItem({ r }: { r: SearchResult }) {
  if (r.kind === 'person') {
    return (
      <Link className="result" to={`/actors/${r.id}`}>
        <Poster id={r.id} title={r.name ?? ''} url={r.photo_url} size="thumb" kind="person" />
        <span className="result-text">
          <span className="result-title">{r.name}</span>
          <span className="muted">Person{r.birth_date ? ` · born ${year(r.birth_date)}` : ''}</span>
        </span>
      </Link>
    );
  }
  return (
    <Link className="result" to={`/movies/${r.id}`}>
      <Poster id={r.id} title={r.title ?? ''} url={r.poster_url} size="thumb" />
      <span className="result-text">
        <span className="result-title">{r.title}</span>
        <span className="muted">
          Movie{r.release_date ? ` · ${year(r.release_date)}` : ''}
          {r.rating_count ? ` · ★ ${rating(r.rating_average)} (${r.rating_count})` : ''}
        </span>
      </span>
    </Link>
  );
}
