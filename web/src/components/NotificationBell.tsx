import { useEffect, useState } from 'react';
import { NavLink, useLocation } from 'react-router-dom';
import { api } from '../api/client';

/** How often the bell asks for the unread count while the page is visible. */
export const BELL_POLL_MS = 15_000;

/** Fired (on window) after the app marks notifications read, so the bell updates at once. */
export const NOTIFICATIONS_CHANGED = 'marquee:notifications-changed';

export function notificationsChanged() {
  window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED));
}

/**
 * The bell in the header: a link to /notifications with the unread count,
 * kept current by polling (every 15 s while the tab is visible, at once when
 * it becomes visible again, on every page change and after the app marks
 * notifications read). A failed poll keeps the last count.
 */
export function NotificationBell() {
  const [count, setCount] = useState(0);
  const location = useLocation();

  useEffect(() => {
    let stopped = false;
    let ctrl: AbortController | null = null;
    const poll = async () => {
      if (document.visibilityState === 'hidden') return;
      ctrl?.abort();
      ctrl = new AbortController();
      try {
        const { data } = await api.GET('/api/notifications/unread-count', { signal: ctrl.signal, cache: 'no-store' });
        if (data && !stopped) setCount(data.count);
      } catch {
        // offline or aborted: keep the last count
      }
    };
    void poll();
    const timer = window.setInterval(() => void poll(), BELL_POLL_MS);
    const onVisible = () => void poll();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener(NOTIFICATIONS_CHANGED, onVisible);
    return () => {
      stopped = true;
      ctrl?.abort();
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener(NOTIFICATIONS_CHANGED, onVisible);
    };
  }, [location.pathname]);

  const label = count === 0 ? 'Notifications' : `Notifications, ${count} unread`;
  return (
    <NavLink to="/notifications" className="bell" aria-label={label} title={label} data-testid="bell">
      <span aria-hidden="true">🔔</span>
      {count > 0 && (
        <span className="bell-count" data-testid="bell-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </NavLink>
  );
}
