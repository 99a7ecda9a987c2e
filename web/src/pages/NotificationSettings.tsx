import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type NotificationSettings as Settings } from '../api/client';
import { errorMessage, unwrap } from '../api/problem';
import { ErrorState, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { useTitle } from '../hooks/useTitle';

const FIELDS: { key: keyof Settings; label: string; hint: string }[] = [
  { key: 'inapp_new_movies', label: 'New movies in the app', hint: 'A notification when a movie is added.' },
  { key: 'email_new_movies', label: 'New movies by e-mail', hint: 'An e-mail when a movie is added.' },
  { key: 'inapp_new_followers', label: 'New followers', hint: 'A notification when someone follows you.' },
  { key: 'email_billing', label: 'Payments and subscription by e-mail', hint: 'Receipts, renewals and when your subscription ends.' },
];

/** The four notification settings; each change is saved at once. */
export function NotificationSettings() {
  useTitle('Notification settings');
  const settings = useAsync((signal) => unwrap(api.GET('/api/me/notification-settings', { signal, cache: 'no-store' })), []);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const change = async (key: keyof Settings, value: boolean) => {
    const before = settings.state.data;
    if (!before) return;
    // the box turns at once; a failed save turns it back
    settings.set({ ...before, [key]: value });
    setSaving(true);
    setMessage(null);
    try {
      const next = await unwrap(api.PUT('/api/me/notification-settings', { body: { [key]: value } }));
      settings.set(next);
      setMessage({ ok: true, text: 'Saved.' });
    } catch (err) {
      settings.set(before);
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="page narrow">
      <div className="page-head">
        <h1>Notification settings</h1>
        <Link className="button button-quiet" to="/notifications">
          Notifications
        </Link>
      </div>
      {settings.state.status === 'error' && <ErrorState error={settings.state.error} onRetry={settings.reload} />}
      {settings.state.status === 'loading' && !settings.state.data && <Loading label="Loading your settings…" />}
      {settings.state.data && (
        <fieldset className="panel" disabled={saving} data-testid="notification-settings">
          <legend className="visually-hidden">What Marquee tells you</legend>
          {FIELDS.map((f) => (
            <label key={f.key} className="checkbox setting">
              <input type="checkbox" name={f.key} checked={settings.state.data?.[f.key] ?? false} onChange={(e) => void change(f.key, e.target.checked)} />
              <span>
                <strong>{f.label}</strong>
                <br />
                <span className="hint">{f.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'form-ok' : 'form-error'}>
          {message.text}
        </p>
      )}
    </div>
  );
}
