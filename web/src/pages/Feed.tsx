import { Link } from 'react-router-dom';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { PagedList } from '../components/PagedList';
import { ReviewItem } from '../components/ReviewItem';
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
    </div>
  );
}
