import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { MovieCard } from '../components/MovieCard';
import { Empty, ErrorState, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { usePaged } from '../hooks/usePaged';
import { useTitle } from '../hooks/useTitle';

type Sort = 'rating' | 'popularity' | 'year' | 'title' | 'created';
const SORTS: { value: Sort; label: string }[] = [
  { value: 'rating', label: 'Rating' },
  { value: 'popularity', label: 'Most rated' },
  { value: 'year', label: 'Release year' },
  { value: 'title', label: 'Title' },
  { value: 'created', label: 'Recently added' },
];
const PAGE = 30;

/** The filters as the address carries them: /browse?genre=drama&year_from=1990&sort=rating. */
export interface BrowseFilters {
  genre: string;
  yearFrom: string;
  yearTo: string;
  ratingMin: string;
  /** only movies the plan of the signed-in user's subscription offers (available=true) */
  available: boolean;
  sort: Sort;
  order: 'asc' | 'desc' | '';
}

export function readFilters(params: URLSearchParams): BrowseFilters {
  const sort = params.get('sort') as Sort | null;
  const order = params.get('order');
  const yearOf = (k: string) => (/^\d{4}$/.test(params.get(k) ?? '') ? (params.get(k) as string) : '');
  const rating = params.get('rating_min') ?? '';
  return {
    genre: params.get('genre') ?? '',
    yearFrom: yearOf('year_from'),
    yearTo: yearOf('year_to'),
    ratingMin: /^(10|[1-9])$/.test(rating) ? rating : '',
    available: params.get('available') === 'true',
    sort: sort && SORTS.some((s) => s.value === sort) ? sort : 'rating',
    order: order === 'asc' || order === 'desc' ? order : '',
  };
}

/** A title for the page from its filters: "Drama since 1990, rated 7+". */
function heading(f: BrowseFilters, genreName: string | undefined): string {
  let s = genreName ?? (f.genre ? f.genre : 'All movies');
  if (f.yearFrom && f.yearTo) s += ` from ${f.yearFrom} to ${f.yearTo}`;
  else if (f.yearFrom) s += ` since ${f.yearFrom}`;
  else if (f.yearTo) s += ` until ${f.yearTo}`;
  if (f.ratingMin) s += `, rated ${f.ratingMin}+`;
  if (f.available) s += ', in my plan';
  return s;
}

/** Browse: every movie, filtered and sorted as the address says, more as you scroll. */
export function Browse() {
  const [params, setParams] = useSearchParams();
  const { user } = useAuth();
  // the plan filter is the signed-in user's: signed out, it is neither shown nor applied
  const read = readFilters(params);
  const f = { ...read, available: read.available && user != null };
  const genres = useAsync((signal) => unwrap(api.GET('/api/genres', { signal })), []);
  const genreName = genres.state.data?.items.find((g) => g.slug === f.genre || g.id === f.genre)?.name;
  const title = heading(f, genreName);
  useTitle(title);

  const key = JSON.stringify(f);
  const list = usePaged(
    (cursor, signal) =>
      unwrap(
        api.GET('/api/movies', {
          params: {
            query: {
              genre: f.genre || undefined,
              year_from: f.yearFrom ? Number(f.yearFrom) : undefined,
              year_to: f.yearTo ? Number(f.yearTo) : undefined,
              rating_min: f.ratingMin ? Number(f.ratingMin) : undefined,
              available: f.available || undefined,
              sort: f.sort,
              order: f.order || undefined,
              limit: PAGE,
              cursor,
            },
          },
          signal,
        }),
      ),
    [key],
  );

  // the next page loads when the end of the grid comes near
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loadingMore, loadMore, error } = list;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || list.status !== 'ok' || !hasMore || loadingMore || error != null || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore(), { rootMargin: '600px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, [list.status, hasMore, loadingMore, loadMore, error, list.items.length]);

  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
  const thisYear = new Date().getFullYear();

  return (
    <div className="page browse-page">
      <h1>{title}</h1>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Genre
          <select value={f.genre} onChange={(e) => set({ genre: e.target.value })}>
            <option value="">All genres</option>
            {genres.state.data?.items.map((g) => (
              <option key={g.id} value={g.slug}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From year
          <input
            type="number"
            inputMode="numeric"
            min={1888}
            max={thisYear + 5}
            placeholder="any"
            defaultValue={f.yearFrom}
            key={`from-${f.yearFrom}`}
            onBlur={(e) => set({ year_from: /^\d{4}$/.test(e.target.value) ? e.target.value : '' })}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
        </label>
        <label>
          To year
          <input
            type="number"
            inputMode="numeric"
            min={1888}
            max={thisYear + 5}
            placeholder="any"
            defaultValue={f.yearTo}
            key={`to-${f.yearTo}`}
            onBlur={(e) => set({ year_to: /^\d{4}$/.test(e.target.value) ? e.target.value : '' })}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
        </label>
        <label>
          Rating at least
          <select value={f.ratingMin} onChange={(e) => set({ rating_min: e.target.value })}>
            <option value="">any</option>
            {[9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => (
              <option key={n} value={String(n)}>
                {n}+
              </option>
            ))}
          </select>
        </label>
        {user != null && (
          <label className="filter-check">
            <input type="checkbox" checked={f.available} onChange={(e) => set({ available: e.target.checked ? 'true' : '' })} />
            Available in my plan
          </label>
        )}
        <label>
          Sort by
          <select value={f.sort} onChange={(e) => set({ sort: e.target.value, order: '' })}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Order
          <select value={f.order} onChange={(e) => set({ order: e.target.value })}>
            <option value="">{f.sort === 'title' ? 'A to Z' : f.sort === 'year' || f.sort === 'created' ? 'Newest first' : 'Best first'}</option>
            <option value={f.sort === 'title' ? 'desc' : 'asc'}>
              {f.sort === 'title' ? 'Z to A' : f.sort === 'year' || f.sort === 'created' ? 'Oldest first' : 'Lowest first'}
            </option>
          </select>
        </label>
      </form>

      {list.status === 'loading' && <Loading label="Loading movies…" />}
      {list.status === 'error' && <ErrorState error={list.error} onRetry={list.reload} title="Could not load the movies" />}
      {list.status === 'ok' && list.items.length === 0 && <Empty>No movies match these filters.</Empty>}
      {list.status === 'ok' && list.items.length > 0 && (
        <ul className="grid" data-testid="browse-grid">
          {list.items.map((m) => (
            <li key={m.id}>
              <MovieCard movie={m} />
            </li>
          ))}
        </ul>
      )}
      {list.error != null && list.status === 'ok' && <ErrorState error={list.error} onRetry={list.loadMore} title="Could not load more" />}
      <div ref={sentinel} aria-hidden="true" />
      {list.status === 'ok' && list.hasMore && (
        <button type="button" className="button button-quiet more" onClick={list.loadMore} disabled={list.loadingMore}>
          {list.loadingMore ? 'Loading…' : 'Show more'}
        </button>
      )}
    </div>
  );
}
