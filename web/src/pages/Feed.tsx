import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type Review } from '../api/client';
import { unwrap } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { FollowButton } from '../components/FollowButton';
import { PagedList } from '../components/PagedList';
import { ReviewItem } from '../components/ReviewItem';
import { useAsync } from '../hooks/useAsync';
import { usePaged } from '../hooks/usePaged';
import { useTitle } from '../hooks/useTitle';

/** Reviews by the people you follow, newest first. */
export function Feed() {
  useTitle('Your feed');
  const list = usePaged(
    (cursor, signal) => unwrap(api.GET('/api/feed', { params: { query: { limit: 20, cursor } }, signal, cache: 'no-cache' })),
    [],
  );
  return (
    <div className="page wide-list">
      <div className="page-head">
        <h1>Your feed</h1>
        <button type="button" className="button button-quiet" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <PagedList
        list={list}
        keyOf={(r) => r.id}
        render={(r) => <ReviewItem review={r} show="both" />}
        empty={
          <>
            Reviews by the people you follow show up here. Find someone on a movie’s page, open their name and follow them — or{' '}
            <Link to="/search">search</Link> for a movie to start.
          </>
        }
        loadingLabel="Loading your feed…"
        testId="feed"
      />
      {list.status === 'ok' && list.items.length === 0 && <PeopleToFollow onFollow={list.reload} />}
    </div>
  );
}

/**
 * On an empty feed: people who reviewed the best-rated films, to follow in
 * one click (a new account follows nobody, so its feed starts empty).
 */
function PeopleToFollow({ onFollow }: { onFollow(): void }) {
  const { user } = useAuth();
  const [following, setFollowing] = useState<Record<string, boolean>>({});
  const suggested = useAsync(
    async (signal) => {
      const top = await unwrap(api.GET('/api/movies/top-rated', { params: { query: { limit: 3 } }, signal }));
      const found = new Map<string, Review['author']>();
      for (const m of top.items) {
        const reviews = await unwrap(api.GET('/api/movies/{id}/reviews', { params: { path: { id: m.id }, query: { limit: 10 } }, signal }));
        for (const r of reviews.items) {
          if (r.author.id !== user?.id && !found.has(r.author.id)) found.set(r.author.id, r.author);
        }
      }
      return [...found.values()].slice(0, 6);
    },
    [user?.id],
  );
  // suggestions are an extra: without them (an error too) the empty feed still says what to do
  const people = suggested.state.data ?? [];

  if (people.length === 0) return null;
  return (
    <section aria-labelledby="people-to-follow" className="people-to-follow">
      <h2 id="people-to-follow">People to follow</h2>
      <ul className="plain-list">
        {people.map((p) => (
          <li key={p.id}>
            <Link to={`/users/${p.id}`}>{p.display_name}</Link>{' '}
            <FollowButton
              userId={p.id}
              name={p.display_name}
              following={!!following[p.id]}
              onChange={(now) => {
                setFollowing((f) => ({ ...f, [p.id]: now }));
                onFollow();
              }}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
