import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { Loading } from './States';

/** Renders children for a signed-in user (an administrator when admin is set); otherwise says what to do. */
export function RequireAuth({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { status, user } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <Loading label="Checking your session…" />;
  if (status === 'anonymous' || !user) {
    const next = encodeURIComponent(location.pathname + location.search);
    return (
      <div className="page narrow">
        <h1>Please log in</h1>
        <p>
          You need to <Link to={`/login?next=${next}`}>log in</Link> to see this page. New here?{' '}
          <Link to={`/register?next=${next}`}>Create an account</Link>.
        </p>
      </div>
    );
  }
  if (admin && user.role !== 'admin') {
    return (
      <div className="page narrow">
        <h1>Administrators only</h1>
        <p>This page is for administrators. <Link to="/">Back to the home page</Link>.</p>
      </div>
    );
  }
  return <>{children}</>;
}
