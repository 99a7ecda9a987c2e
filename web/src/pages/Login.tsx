import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, errorMessage, type FieldErrors } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { Field, FormError } from '../components/Field';
import { useTitle } from '../hooks/useTitle';

/** Only same-site paths: ?next= must not send anyone elsewhere. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function Login() {
  useTitle('Log in');
  const { login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setFields({});
    try {
      await login(email, password);
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError) {
        setFields(err.fields);
        setMessage(err.status === 401 ? 'That e-mail address and password do not match an account.' : err.message);
      } else setMessage(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <div className="page narrow auth-page">
      <h1>Log in</h1>
      <form onSubmit={submit} noValidate className="form">
        <Field label="E-mail address" type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={fields.email} />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.password}
        />
        <FormError message={message} fields={fields} shown={['email', 'password']} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New to Marquee? <Link to={`/register${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>Create an account</Link>.
      </p>
    </div>
  );
}
