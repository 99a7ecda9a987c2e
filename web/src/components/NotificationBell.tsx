import { useEffect, useRef, useState } from 'react';
import { NavLink, useLocation } from 'react-router-dom';
import { api } from '../api/client';

/** How often the bell asks for the unread count while the page is visible. */
export const BELL_POLL_MS = 15_000;

/** Fired (on window) after the app marks notifications read, so the bell updates at once. */
export const NOTIFICATIONS_CHANGED = 'marquee:notifications-changed';

export function notificationsChanged() {
  window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED));
}

/** Fired (on window) when the bell sees the unread count grow: the notifications page reloads its list. */
export const NOTIFICATIONS_ARRIVED = 'marquee:notifications-arrived';

/**
 * The bell in the header: a link to /notifications with the unread count,
 * kept current by polling (every 15 s while the tab is visible, at once when
 * it becomes visible again, on every page change and after the app marks
 * notifications read). A failed poll keeps the last count.
 */
export function NotificationBell() {
  const [count, setCount] = useState(0);
  const last = useRef<number | null>(null);
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
        if (data && !stopped) {
          if (last.current !== null && data.count > last.current) window.dispatchEvent(new Event(NOTIFICATIONS_ARRIVED));
          last.current = data.count;
          setCount(data.count);
        }
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
      <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {count > 0 && (
        <span className="bell-count" data-testid="bell-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </NavLink>
  );
}
