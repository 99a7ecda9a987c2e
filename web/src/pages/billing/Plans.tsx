import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, type Schemas } from '../../api/client';
import { errorMessage, unwrap } from '../../api/problem';
import { useAuth } from '../../auth/AuthContext';
import { ErrorState, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';
import { plural } from '../../format';
import { price, quality } from './format';

type Plan = Schemas['Plan'];

/** What each plan gives and costs; choosing one opens the provider's checkout. */
export function Plans() {
  useTitle('Plans');
  const { user } = useAuth();
  const navigate = useNavigate();
  const plans = useAsync((signal) => unwrap(api.GET('/api/plans', { signal })), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function choose(plan: Plan) {
    if (!user) {
      navigate('/login', { state: { from: '/plans' } });
      return;
    }
    setBusy(plan.id);
    setError(null);
    try {
      const checkout = await unwrap(
        api.POST('/api/orders', { body: { plan_id: plan.id }, params: { header: { 'Idempotency-Key': crypto.randomUUID() } } }),
      );
      window.location.assign(checkout.checkout_url); // the provider's hosted page, outside the app
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  }

  if (plans.state.status === 'loading') return <Loading label="Loading the plans…" />;
  if (plans.state.status === 'error') return <ErrorState error={plans.state.error} onRetry={plans.reload} />;
  return (
    <div className="page">
      <h1>Choose your plan</h1>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="admin-cards plans">
        {plans.state.data.items.map((p) => (
          <section key={p.id} className="panel plan" aria-labelledby={`plan-${p.id}`}>
            <h2 id={`plan-${p.id}`}>{p.name}</h2>
            <p className="plan-price">
              <strong>{price(p.price.amount, p.price.currency)}</strong> <span className="muted">a {p.interval}</span>
            </p>
            <p>{p.description}</p>
            <ul>
              <li>{quality(p.max_height)}</li>
              <li>{plural(p.max_streams, 'screen')} at a time</li>
              {p.includes_new_titles && <li>New titles included</li>}
            </ul>
            <p className="actions">
              <button type="button" className="button button-primary" disabled={busy !== null} onClick={() => choose(p)}>
                {busy === p.id ? 'Opening checkout…' : `Choose ${p.name}`}
              </button>
            </p>
          </section>
        ))}
      </div>
    </div>
  );
}
