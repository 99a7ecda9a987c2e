import { useCallback, useEffect, useRef } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type Movie, type RatingSummary, type Review } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { findUserReview, sleep } from '../api/queries';
import { useAuth } from '../auth/AuthContext';
import { PagedList } from '../components/PagedList';
import { Poster } from '../components/Poster';
import { RatingHistogram } from '../components/RatingHistogram';
import { ReviewEditor } from '../components/ReviewEditor';
import { ReviewItem } from '../components/ReviewItem';
import { WatchlistButton } from '../components/WatchlistButton';
import { PlayButton } from '../media/PlayButton';
import { ErrorState, Loading } from '../components/States';
import { longDate, runtime, year } from '../format';
import { useAsync } from '../hooks/useAsync';
import { usePaged } from '../hooks/usePaged';
import { useTitle } from '../hooks/useTitle';
import { NotFound } from './NotFound';

/** The waits between polls of the rating summary after a review is written: quick at first, then every second, ~30 s in all. */
export const SUMMARY_POLL_MS: readonly number[] = [150, ...Array<number>(10).fill(400), ...Array<number>(25).fill(1000)];

function sameSummary(a: RatingSummary, b: RatingSummary): boolean {
  return a.count === b.count && a.average === b.average && JSON.stringify(a.histogram) === JSON.stringify(b.histogram);
}

export function MoviePage() {
  const { id = '' } = useParams();
  const { state, reload, set } = useAsync((signal) => unwrap(api.GET('/api/movies/{id}', { params: { path: { id } }, signal })), [id]);
  const movie = state.data;
  const { user } = useAuth();
  useTitle(movie?.title ?? (state.status === 'loading' ? 'Loading…' : undefined));

  // The rating summary comes from the read model, which learns about a review
  // through an event: after a write, poll until it has moved (a few seconds
  // usually; longer on a busy server, hence the long tail of SUMMARY_POLL_MS).
  const polling = useRef<AbortController | null>(null);
  useEffect(() => () => polling.current?.abort(), []);
  const refreshSummary = useCallback(
    async (before: RatingSummary) => {
      polling.current?.abort();
      const ctrl = new AbortController();
      polling.current = ctrl;
      try {
        for (const [i, ms] of SUMMARY_POLL_MS.entries()) {
          await sleep(ms, ctrl.signal);
          const fresh = await unwrap(api.GET('/api/movies/{id}', { params: { path: { id } }, signal: ctrl.signal, cache: 'no-cache' }));
          if (!sameSummary(fresh.rating_summary, before) || i === SUMMARY_POLL_MS.length - 1) {
            set(fresh);
            return;
          }
        }
      } catch {
        /* aborted, or the page keeps the figures it has */
      }
    },
    [id, set],
  );

  if (state.status === 'error' && state.error instanceof ApiError && state.error.status === 404) {
    return <NotFound what="movie" />;
  }
  if (state.status === 'error' && !movie) return <ErrorState error={state.error} onRetry={reload} title="Could not load this movie" />;
  if (!movie) return <Loading label="Loading movie…" />;

  return (
    <div className="page movie-page">
      <div className="movie-hero">
        <Poster id={movie.id} title={movie.title} url={movie.poster_url} size="large" decorative={false} />
        <div className="movie-facts">
          <h1>
            {movie.title} {movie.release_date && <span className="muted title-year">({year(movie.release_date)})</span>}
          </h1>
          {movie.original_title && movie.original_title !== movie.title && <p className="muted">Original title: {movie.original_title}</p>}
          <ul className="facts" aria-label="Details">
            {movie.release_date && <li>Released {longDate(movie.release_date)}</li>}
            {movie.runtime_minutes != null && <li>{runtime(movie.runtime_minutes)}</li>}
            {movie.maturity_rating && <li className="badge">Rated {movie.maturity_rating}</li>}
            {movie.languages.length > 0 && <li>{movie.languages.join(', ')}</li>}
          </ul>
          {movie.genres.length > 0 && (
            <ul className="chips" aria-label="Genres">
              {movie.genres.map((g) => (
                <li key={g.id}>
                  <Link className="chip" to={`/browse?genre=${encodeURIComponent(g.slug)}&sort=rating`}>
                    {g.name}
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <div className="movie-actions">
            <PlayButton movieId={movie.id} title={movie.title} />
            {user && <WatchlistButton movieId={movie.id} title={movie.title} />}
          </div>
          {movie.overview ? <p className="overview">{movie.overview}</p> : <p className="muted">No synopsis yet.</p>}
          <RatingHistogram summary={movie.rating_summary} />
        </div>
      </div>

      <Credits movie={movie} />
      <Reviews movie={movie} onRatingChange={() => refreshSummary(movie.rating_summary)} />
    </div>
  );
}

// Credits lists cast and crew, leaving out a section with nobody in it (the
// demo films credit only their director).
function Credits({ movie }: { movie: Movie }) {
  if (movie.cast.length === 0 && movie.crew.length === 0) {
    return <p className="muted credits">No credits listed.</p>;
  }
  return (
    <div className="credits">
      {movie.cast.length > 0 && (
        <section aria-labelledby="cast-title">
          <h2 id="cast-title">Cast</h2>
          <ul className="credit-list">
            {movie.cast.map((c) => (
              <li key={`${c.person_id}-${c.order}`}>
                <Link to={`/actors/${c.person_id}`}>{c.name}</Link>
                {c.character && <span className="muted"> as {c.character}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {movie.crew.length > 0 && (
        <section aria-labelledby="crew-title">
          <h2 id="crew-title">Crew</h2>
          <ul className="credit-list">
            {movie.crew.map((c) => (
              <li key={`${c.person_id}-${c.job}`}>
                <Link to={`/actors/${c.person_id}`}>{c.name}</Link>
                {c.job && <span className="muted"> · {c.job}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function Reviews({ movie, onRatingChange }: { movie: Movie; onRatingChange(): void }) {
  const { status, user } = useAuth();
  const list = usePaged(
    (cursor, signal) =>
      unwrap(api.GET('/api/movies/{id}/reviews', { params: { path: { id: movie.id }, query: { limit: 10, cursor } }, signal, cache: 'no-cache' })).catch(
        (err: unknown) => {
          // The reviews service learns about a new movie through an event: for a
          // moment after it is created it does not know it. That is "no reviews yet".
          if (err instanceof ApiError && err.status === 404) return { items: [], next_cursor: null };
          throw err;
        },
      ),
    [movie.id],
  );
  const mine = useAsync(
    (signal) => (user ? findUserReview(user.id, movie.id, signal) : Promise.resolve(null)),
    [user?.id, movie.id],
  );

  return (
    <section className="reviews" aria-labelledby="reviews-title">
      <h2 id="reviews-title">Reviews</h2>
      {status === 'anonymous' && (
        <p>
          <Link to={`/login?next=${encodeURIComponent(`/movies/${movie.id}`)}`}>Log in</Link> to rate and review this movie.
        </p>
      )}
      {user && mine.state.status === 'loading' && <Loading label="Loading your review…" />}
      {user && mine.state.status === 'error' && <ErrorState error={mine.state.error} onRetry={mine.reload} title="Could not load your review" />}
      {user && mine.state.status === 'ok' && (
        <ReviewEditor
          movieId={movie.id}
          mine={mine.state.data}
          onChange={(r: Review | null) => {
            mine.set(r);
            list.reload();
            onRatingChange();
          }}
        />
      )}
      <h3 className="reviews-all-title">{user ? 'Everyone’s reviews' : 'All reviews'}</h3>
      <PagedList
        list={list}
        keyOf={(r) => r.id}
        render={(r) => <ReviewItem review={r} />}
        empty="No reviews yet. Be the first to write one."
        loadingLabel="Loading reviews…"
        testId="movie-reviews"
      />
    </section>
  );
}
