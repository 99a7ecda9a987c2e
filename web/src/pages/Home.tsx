import { useCallback } from 'react';
import { Link } from 'react-router-dom';
import { api, type Genre } from '../api/client';
import { unwrap } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { MovieRow } from '../components/MovieRow';
import { ErrorState } from '../components/States';
import { ContinueWatching } from '../media/ContinueWatching';
import { useAsync } from '../hooks/useAsync';
import { useTitle } from '../hooks/useTitle';

const GENRE_ROWS = 8;

/** Genres with the most movies first when the API counts them, else in its order. */
function pickGenres(genres: Genre[]): Genre[] {
  const count = (g: Genre) => (g as Genre & { movie_count?: number }).movie_count;
  const counted = genres.some((g) => count(g) != null);
  const list = counted ? [...genres].filter((g) => (count(g) ?? 0) > 0).sort((a, b) => (count(b) ?? 0) - (count(a) ?? 0)) : genres;
  return list.slice(0, GENRE_ROWS);
}

/** A row's title that opens the browse page with the row's filters. */
function RowLink({ to, children }: { to: string; children: string }) {
  return (
    <Link to={to} className="row-link">
      {children} <span aria-hidden="true">›</span>
    </Link>
  );
}

export function Home() {
  useTitle(undefined);
  const { user } = useAuth();
  const myList = useCallback(
    async (signal: AbortSignal) =>
      (await unwrap(api.GET('/api/me/watchlist', { params: { query: { limit: 20 } }, signal, cache: 'no-cache' }))).items.map((it) => ({
        ...it.movie,
        // no poster from the catalog: the generated one, as the other rows show
        poster_url: it.movie.poster_url ?? `/api/movies/${it.movie.id}/poster.svg`,
      })),
    [],
  );
  const genres = useAsync((signal) => unwrap(api.GET('/api/genres', { signal })), []);

  const topRated = useCallback(
    async (signal: AbortSignal) => (await unwrap(api.GET('/api/movies/top-rated', { params: { query: { limit: 20 } }, signal }))).items,
    [],
  );

  return (
    <div className="page home">
      <h1 className="visually-hidden">Marquee</h1>
      {user && <ContinueWatching key={`continue-${user.id}`} />}
      <MovieRow
        id="top-rated"
        testId="top-rated"
        title={<RowLink to="/browse?sort=rating">Top rated</RowLink>}
        load={topRated}
        empty="No ratings yet. Rate the movies you have seen and the best ones show up here."
      />
      {user && (
        <MovieRow
          key={`my-list-${user.id}`}
          id="my-list"
          testId="my-list"
          title="My list"
          load={myList}
          empty="Nothing on your list yet: “+ My list” on a movie’s page keeps it here."
        />
      )}
      {genres.state.status === 'error' && <ErrorState error={genres.state.error} onRetry={genres.reload} title="Could not load the genres" />}
      {genres.state.status === 'ok' &&
        pickGenres(genres.state.data.items).map((g) => (
          <MovieRow
            key={g.id}
            id={`genre-${g.slug}`}
            title={<RowLink to={`/browse?genre=${encodeURIComponent(g.slug)}&sort=rating`}>{g.name}</RowLink>}
            lazy
            load={async (signal) =>
              (
                await unwrap(
                  api.GET('/api/movies', {
                    params: { query: { genre: g.slug, sort: 'rating', order: 'desc', limit: 20 } },
                    signal,
                  }),
                )
              ).items
            }
            empty={`No ${g.name.toLowerCase()} movies yet.`}
          />
        ))}
    </div>
  );
}
