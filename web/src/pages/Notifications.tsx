import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, type Notification } from '../api/client';
import { errorMessage, unwrap } from '../api/problem';
import { NOTIFICATIONS_ARRIVED, notificationsChanged } from '../components/NotificationBell';
import { PagedList } from '../components/PagedList';
import { usePaged } from '../hooks/usePaged';
import { useTitle } from '../hooks/useTitle';

/** Your notifications, newest first; opening one marks it read. */
export function Notifications() {
  useTitle('Notifications');
  const navigate = useNavigate();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [readIds, setReadIds] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const list = usePaged(
    (cursor, signal) =>
      unwrap(api.GET('/api/notifications', { params: { query: { limit: 20, cursor, unread: unreadOnly || undefined } }, signal, cache: 'no-store' })),
    [unreadOnly],
  );

  const { reload } = list;
  useEffect(() => {
    // the bell saw new ones arrive: show them without a reload of the page
    window.addEventListener(NOTIFICATIONS_ARRIVED, reload);
    return () => window.removeEventListener(NOTIFICATIONS_ARRIVED, reload);
  }, [reload]);

  const isRead = (n: Notification) => n.read_at != null || readIds.has(n.id);

  const open = async (n: Notification) => {
    if (!isRead(n)) {
      try {
        await unwrap(api.POST('/api/notifications/{id}/read', { params: { path: { id: n.id } } }));
        setReadIds((s) => new Set(s).add(n.id));
        notificationsChanged();
      } catch (err) {
        setError(errorMessage(err));
      }
    }
    navigate(n.link);
  };

  const readAll = async () => {
    try {
      await unwrap(api.POST('/api/notifications/read-all'));
      setReadIds(new Set(list.items.map((n) => n.id)));
      notificationsChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <div className="page narrow">
      <div className="page-head">
        <h1>Notifications</h1>
        <div className="actions">
          <button type="button" className="button button-quiet" onClick={readAll} data-testid="read-all">
            Mark all read
          </button>
          <Link className="button button-quiet" to="/settings/notifications">
            Settings
          </Link>
        </div>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} /> Unread only
      </label>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <PagedList
        list={list}
        keyOf={(n) => n.id}
        testId="notifications"
        loadingLabel="Loading your notifications…"
        empty={<>Nothing yet. New movies, payments and new followers show up here.</>}
        render={(n) => (
          <button type="button" className={`notification${isRead(n) ? '' : ' unread'}`} onClick={() => void open(n)}>
            <span className="notification-title">
              {!isRead(n) && <span className="visually-hidden">Unread: </span>}
              {n.title}
            </span>
            <span className="notification-body">{n.body}</span>
            <time dateTime={n.created_at}>{new Date(n.created_at).toLocaleString()}</time>
          </button>
        )}
      />
    </div>
  );
}
