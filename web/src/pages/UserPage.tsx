import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type Follow } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { isFollowing } from '../api/queries';
import { useAuth } from '../auth/AuthContext';
import { FollowButton } from '../components/FollowButton';
import { PagedList } from '../components/PagedList';
import { ReviewItem } from '../components/ReviewItem';
import { ErrorState, Loading } from '../components/States';
import { longDate, plural } from '../format';
import { useAsync } from '../hooks/useAsync';
import { usePaged } from '../hooks/usePaged';
import { useTitle } from '../hooks/useTitle';
import { NotFound } from './NotFound';

type Tab = 'reviews' | 'followers' | 'following';

export function UserPage() {
  const { id = '' } = useParams();
  const { user: me } = useAuth();
  const profile = useAsync((signal) => unwrap(api.GET('/api/users/{id}', { params: { path: { id } }, signal, cache: 'no-cache' })), [id]);
  const following = useAsync(
    (signal) => (me && me.id !== id ? isFollowing(me.id, id, signal) : Promise.resolve(false)),
    [me?.id, id],
  );
  const [tab, setTab] = useState<Tab>('reviews');
  const [followDelta, setFollowDelta] = useState(0);
  const [listsVersion, setListsVersion] = useState(0);
  const user = profile.state.data;
  useTitle(user?.display_name ?? (profile.state.status === 'loading' ? 'Loading…' : undefined));

  if (profile.state.status === 'error' && profile.state.error instanceof ApiError && profile.state.error.status === 404) return <NotFound what="user" />;
  if (profile.state.status === 'error') return <ErrorState error={profile.state.error} onRetry={profile.reload} title="Could not load this user" />;
  if (!user) return <Loading label="Loading…" />;

  const self = me?.id === user.id;
  const followers = user.followers_count + followDelta;
  return (
    <div className="page wide-list user-page">
      <header className="user-head">
        <div>
          <h1>{user.display_name}</h1>
          <p className="muted">
            Member since {longDate(user.created_at)} · <span data-testid="followers-count">{plural(Math.max(0, followers), 'follower')}</span> ·{' '}
            {user.following_count} following
          </p>
        </div>
        {self && (
          <Link className="button" to="/account">
            Edit your account
          </Link>
        )}
        {me && !self && following.state.status === 'ok' && (
          <FollowButton
            userId={user.id}
            name={user.display_name}
            following={following.state.data}
            onChange={(now) => {
              following.set(now);
              setFollowDelta((d) => d + (now ? 1 : -1));
              setListsVersion((v) => v + 1);
            }}
          />
        )}
        {me && !self && following.state.status === 'error' && <ErrorState error={following.state.error} onRetry={following.reload} title="Could not tell whether you follow them" />}
        {!me && (
          <p>
            <Link to={`/login?next=${encodeURIComponent(`/users/${user.id}`)}`}>Log in</Link> to follow {user.display_name}.
          </p>
        )}
      </header>

      <div className="tabs" role="tablist" aria-label="About this user">
        {(['reviews', 'followers', 'following'] as Tab[]).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            className="tab"
            onClick={() => setTab(t)}
            onKeyDown={(e) => {
              const order: Tab[] = ['reviews', 'followers', 'following'];
              const i = order.indexOf(t);
              const next = e.key === 'ArrowRight' ? order[(i + 1) % 3] : e.key === 'ArrowLeft' ? order[(i + 2) % 3] : null;
              if (next) {
                e.preventDefault();
                setTab(next);
                document.getElementById(`tab-${next}`)?.focus();
              }
            }}
          >
            {t === 'reviews' ? 'Reviews' : t === 'followers' ? 'Followers' : 'Following'}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} tabIndex={0} className="tabpanel">
        {tab === 'reviews' && <UserReviews userId={user.id} name={user.display_name} />}
        {tab !== 'reviews' && <FollowList userId={user.id} which={tab} name={user.display_name} version={listsVersion} />}
      </div>
    </div>
  );
}

function UserReviews({ userId, name }: { userId: string; name: string }) {
  const list = usePaged(
    (cursor, signal) => unwrap(api.GET('/api/users/{id}/reviews', { params: { path: { id: userId }, query: { limit: 20, cursor } }, signal })),
    [userId],
  );
  return (
    <PagedList
      list={list}
      keyOf={(r) => r.id}
      render={(r) => <ReviewItem review={r} show="movie" />}
      empty={`${name} has not reviewed anything yet.`}
      loadingLabel="Loading reviews…"
      testId="user-reviews"
    />
  );
}

function FollowList({ userId, which, name, version }: { userId: string; which: 'followers' | 'following'; name: string; version: number }) {
  const list = usePaged(
    (cursor, signal) =>
      which === 'followers'
        ? unwrap(api.GET('/api/users/{id}/followers', { params: { path: { id: userId }, query: { limit: 50, cursor } }, signal, cache: 'no-cache' }))
        : unwrap(api.GET('/api/users/{id}/following', { params: { path: { id: userId }, query: { limit: 50, cursor } }, signal, cache: 'no-cache' })),
    [userId, which, version],
  );
  return (
    <PagedList
      list={list}
      keyOf={(f: Follow) => f.id}
      render={(f: Follow) => (
        <span className="follow-row">
          <Link to={`/users/${f.id}`}>{f.display_name || 'Someone'}</Link>
          <span className="muted"> since {longDate(f.followed_at)}</span>
        </span>
      )}
      empty={which === 'followers' ? `Nobody follows ${name} yet.` : `${name} does not follow anyone yet.`}
      testId={`user-${which}`}
    />
  );
}
