import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { ApiError, errorMessage, unwrap } from '../../api/problem';
import { ErrorState, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { longDate } from '../../format';
import { price, STATUS_TEXT } from './format';

/** The account page's subscription: plan, renews on / ends on, cancel and resume; and the order history. */
export function SubscriptionPanel() {
  const sub = useAsync(async (signal) => {
    try {
      return await unwrap(api.GET('/api/subscription', { signal, cache: 'no-store' }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null; // never subscribed
      throw err;
    }
  }, []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function change(path: '/api/subscription/cancel' | '/api/subscription/resume') {
    setBusy(true);
    setError(null);
    try {
      sub.set(await unwrap(api.POST(path, {})));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  let body;
  if (sub.state.status === 'loading' && sub.state.data === undefined) body = <Loading label="Loading your subscription…" />;
  else if (sub.state.status === 'error') body = <ErrorState error={sub.state.error} onRetry={sub.reload} />;
  else {
    const s = sub.state.data;
    const live = s && (s.status === 'active' || s.status === 'past_due');
    body = !s || !live ? (
      <p>
        {s ? `Your ${s.plan.name} subscription ended on ${longDate(s.current_period_end)}. ` : 'You have no subscription. '}
        <Link to="/plans">Choose a plan</Link>
      </p>
    ) : (
      <>
        <p data-testid="subscription-summary">
          <strong>{s.plan.name}</strong> · {price(s.plan.price.amount, s.plan.price.currency)} a {s.plan.interval}
        </p>
        {s.status === 'past_due' ? (
          <p className="field-error">
            Your last payment failed. Watching goes on until {longDate(s.grace_until)}; we will try again before then.
          </p>
        ) : s.cancel_at_period_end ? (
          <p data-testid="subscription-ends">Ends on {longDate(s.current_period_end)}</p>
        ) : (
          <p data-testid="subscription-renews">Renews on {longDate(s.current_period_end)}</p>
        )}
        <p className="actions">
          {s.cancel_at_period_end ? (
            <button type="button" className="button button-primary" disabled={busy} onClick={() => change('/api/subscription/resume')}>
              Resume
            </button>
          ) : (
            <button type="button" className="button" disabled={busy} onClick={() => change('/api/subscription/cancel')}>
              Cancel subscription
            </button>
          )}
        </p>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </>
    );
  }
  return (
    <>
      <section aria-labelledby="subscription-title" className="panel">
        <h2 id="subscription-title">Subscription</h2>
        {body}
      </section>
      <OrderHistory />
    </>
  );
}

function OrderHistory() {
  const orders = useAsync((signal) => unwrap(api.GET('/api/orders', { params: { query: { limit: 20 } }, signal, cache: 'no-store' })), []);
  return (
    <section aria-labelledby="orders-title" className="panel">
      <h2 id="orders-title">Orders</h2>
      {orders.state.status === 'loading' && <Loading label="Loading your orders…" />}
      {orders.state.status === 'error' && <ErrorState error={orders.state.error} onRetry={orders.reload} />}
      {orders.state.status === 'ok' &&
        (orders.state.data.items.length === 0 ? (
          <p className="muted">No orders yet.</p>
        ) : (
          <ul className="credit-list">
            {orders.state.data.items.map((o) => (
              <li key={o.id}>
                <Link to={`/account/orders/${o.id}`}>{longDate(o.created_at)}</Link> · {price(o.amount, o.currency)} ·{' '}
                {STATUS_TEXT[o.status] ?? o.status}
                {o.failure_reason && <span className="muted"> ({o.failure_reason})</span>}
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
