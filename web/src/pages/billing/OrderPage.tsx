import { useEffect } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import { ErrorState, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';
import { longDate } from '../../format';
import { price, STATUS_TEXT, TERMINAL } from './format';

/** An order, followed live (polled) until it reaches a final status. */
export function OrderPage() {
  useTitle('Your order');
  const { id = '' } = useParams();
  const order = useAsync((signal) => unwrap(api.GET('/api/orders/{id}', { params: { path: { id } }, signal, cache: 'no-store' })), [id], {
    keepData: true,
  });
  const status = order.state.data?.status;
  const reload = order.reload;
  useEffect(() => {
    if (!status || TERMINAL.has(status)) return;
    const t = setTimeout(reload, 1000);
    return () => clearTimeout(t);
  }, [status, reload, order.state]);

  if (!order.state.data) {
    if (order.state.status === 'error') return <ErrorState error={order.state.error} onRetry={order.reload} />;
    return <Loading label="Loading your order…" />;
  }
  const o = order.state.data;
  const done = TERMINAL.has(o.status);
  return (
    <div className="page narrow">
      <h1>Your order</h1>
      <section className="panel" aria-live="polite">
        <p data-testid="order-status" data-status={o.status}>
          <strong>{STATUS_TEXT[o.status] ?? o.status}</strong>
          {!done && <span className="spinner" aria-hidden="true" />}
        </p>
        {o.failure_reason && <p data-testid="order-reason">Reason: {o.failure_reason}</p>}
        <p className="muted">
          {price(o.amount, o.currency)} · ordered {longDate(o.created_at)} · {o.provider}
        </p>
      </section>
      <p className="actions">
        <Link className="button" to="/account">
          Your subscription
        </Link>
        {done && o.status !== 'completed' && (
          <Link className="button button-primary" to="/plans">
            Choose a plan again
          </Link>
        )}
      </p>
    </div>
  );
}
