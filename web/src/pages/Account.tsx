import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { ApiError, errorMessage, unwrap, type FieldErrors } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { Field, FormError } from '../components/Field';
import { useTitle } from '../hooks/useTitle';
import { SubscriptionPanel } from './billing/SubscriptionPanel';

export function Account() {
  useTitle('Your account');
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutError, setLogoutError] = useState<string | null>(null);
  if (!user) return null;

  return (
    <div className="page account-page">
      <h1>Your account</h1>
      <p className="muted">
        Signed in as <strong>{user.email}</strong>
        {user.role === 'admin' && ' (administrator)'}.
      </p>
      <SubscriptionPanel />
      <DisplayNameForm current={user.display_name} />
      <PasswordForm />
      <section aria-labelledby="logout-title" className="panel">
        <h2 id="logout-title">Log out</h2>
        <p>Ends this session on this device.</p>
        <button
          type="button"
          className="button"
          disabled={loggingOut}
          onClick={async () => {
            setLoggingOut(true);
            setLogoutError(null);
            try {
              await logout();
              navigate('/', { replace: true });
            } catch (err) {
              setLogoutError(errorMessage(err));
              setLoggingOut(false);
            }
          }}
        >
          {loggingOut ? 'Logging out…' : 'Log out'}
        </button>
        <FormError message={logoutError} />
      </section>
    </div>
  );
}

function useSaver() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  async function run(fn: () => Promise<void>, ok: string) {
    setBusy(true);
    setMessage(null);
    setDone(null);
    setFields({});
    try {
      await fn();
      setDone(ok);
    } catch (err) {
      if (err instanceof ApiError) {
        setFields(err.fields);
        setMessage(err.message);
      } else setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return { busy, message, done, fields, run };
}

function DisplayNameForm({ current }: { current: string }) {
  const { setUser } = useAuth();
  const [name, setName] = useState(current);
  const s = useSaver();
  function submit(e: FormEvent) {
    e.preventDefault();
    void s.run(async () => {
      const me = await unwrap(api.PATCH('/api/me', { body: { display_name: name } }));
      setUser(me);
    }, 'Your display name has been changed.');
  }
  return (
    <form className="panel form" onSubmit={submit} noValidate>
      <h2 id="name-title">Display name</h2>
      <Field label="Display name" name="display_name" required maxLength={50} value={name} onChange={(e) => setName(e.target.value)} error={s.fields.display_name} />
      <FormError message={s.message} fields={s.fields} shown={['display_name']} />
      {s.done && (
        <p className="success" role="status">
          {s.done}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={s.busy || name.trim() === current}>
        Save name
      </button>
    </form>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const s = useSaver();
  function submit(e: FormEvent) {
    e.preventDefault();
    void s.run(async () => {
      await unwrap(api.PATCH('/api/me', { body: { current_password: current, password: next } }));
      setCurrent('');
      setNext('');
    }, 'Your password has been changed.');
  }
  return (
    <form className="panel form" onSubmit={submit} noValidate>
      <h2 id="password-title">Password</h2>
      <Field
        label="Current password"
        type="password"
        name="current_password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={s.fields.current_password}
      />
      <Field
        label="New password"
        type="password"
        name="password"
        autoComplete="new-password"
        required
        minLength={10}
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={s.fields.password}
        hint="At least 10 characters."
      />
      <FormError message={s.message} fields={s.fields} shown={['current_password', 'password']} />
      {s.done && (
        <p className="success" role="status">
          {s.done}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={s.busy || !current || !next}>
        Change password
      </button>
    </form>
  );
}
