import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import { ApiError, errorMessage, unwrap, type FieldErrors } from '../api/problem';
import { useAuth } from '../auth/AuthContext';
import { Field, FormError } from '../components/Field';
import { useTitle } from '../hooks/useTitle';
import { safeNext } from './Login';

export function Register() {
  useTitle('Create an account');
  const { login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [form, setForm] = useState({ display_name: '', email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});

  const change = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setFields({});
    try {
      await unwrap(api.POST('/api/auth/register', { body: form }));
      await login(form.email, form.password);
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError) {
        const f = err.fields;
        if (err.status === 409 && !f.email) f.email = err.message || 'An account with this e-mail address exists already.';
        setFields(f);
        setMessage(Object.keys(f).length ? 'Please correct the fields marked below.' : err.message);
      } else setMessage(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <div className="page narrow auth-page">
      <h1>Create an account</h1>
      <form onSubmit={submit} noValidate className="form">
        <Field
          label="Display name"
          name="display_name"
          autoComplete="nickname"
          required
          maxLength={50}
          value={form.display_name}
          onChange={change('display_name')}
          error={fields.display_name}
          hint="Shown with your reviews."
        />
        <Field label="E-mail address" type="email" name="email" autoComplete="email" required value={form.email} onChange={change('email')} error={fields.email} />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={form.password}
          onChange={change('password')}
          error={fields.password}
          hint="At least 10 characters; a phrase of a few words is good."
        />
        <FormError message={message} fields={fields} shown={['display_name', 'email', 'password']} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Have an account already? <Link to={`/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>Log in</Link>.
      </p>
    </div>
  );
}
