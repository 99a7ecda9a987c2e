import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router-dom';
import { api, type Schemas } from '../../api/client';
import { ApiError, errorMessage, unwrap, type FieldErrors } from '../../api/problem';
import { Field, FormError } from '../../components/Field';
import { ErrorState, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';
import { price } from '../billing/format';

type Plan = Schemas['Plan'];
type PlanInput = Schemas['PlanInput'];

const empty: PlanInput = { slug: '', name: '', description: '', price: { amount: 999, currency: 'USD' }, interval: 'month', max_height: 1080, max_streams: 2, includes_new_titles: true };

/** Plans: create, edit, archive (archived plans take no new orders). */
export function AdminPlans() {
  useTitle('Plans · Administration');
  const plans = useAsync((signal) => unwrap(api.GET('/api/plans', { params: { query: { include_archived: true } }, signal, cache: 'no-store' })), []);
  const [editing, setEditing] = useState<Plan | 'new' | null>(null);
  if (plans.state.status === 'loading' && !plans.state.data) return <Loading label="Loading the plans…" />;
  if (plans.state.status === 'error') return <ErrorState error={plans.state.error} onRetry={plans.reload} />;
  return (
    <>
      <h1>Plans</h1>
      <p className="actions">
        <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
          Add a plan
        </button>
      </p>
      {editing && (
        <PlanForm
          plan={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            plans.reload();
          }}
        />
      )}
      <ul className="credit-list">
        {plans.state.data?.items.map((p) => (
          <li key={p.id}>
            <strong>{p.name}</strong> ({p.slug}) · {price(p.price.amount, p.price.currency)} · {p.max_height}p · {p.max_streams} streams
            {p.archived_at ? <span className="muted"> · archived</span> : null}{' '}
            <button type="button" className="button button-quiet" onClick={() => setEditing(p)}>
              Edit
            </button>
            {!p.archived_at && (
              <button
                type="button"
                className="button button-quiet"
                onClick={async () => {
                  await unwrap(api.DELETE('/api/plans/{id}', { params: { path: { id: p.id } } }));
                  plans.reload();
                }}
              >
                Archive
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

function PlanForm({ plan, onDone }: { plan: Plan | null; onDone: () => void }) {
  const [v, setV] = useState<PlanInput>(plan ? { ...plan, description: plan.description ?? '' } : empty);
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setFields({});
    setError(null);
    try {
      if (plan) await unwrap(api.PUT('/api/plans/{id}', { params: { path: { id: plan.id } }, body: v }));
      else await unwrap(api.POST('/api/plans', { body: v }));
      onDone();
    } catch (err) {
      if (err instanceof ApiError) setFields(err.fields);
      setError(errorMessage(err));
    }
  }
  const num = (s: string) => (s === '' ? 0 : Number(s));
  return (
    <form className="panel form" onSubmit={submit} aria-label={plan ? `Edit ${plan.name}` : 'New plan'}>
      <Field label="Name" value={v.name} error={fields.name} onChange={(e) => setV({ ...v, name: e.target.value })} />
      <Field label="Slug" value={v.slug} error={fields.slug} onChange={(e) => setV({ ...v, slug: e.target.value })} />
      <Field label="Description" value={v.description ?? ''} error={fields.description} onChange={(e) => setV({ ...v, description: e.target.value })} />
      <Field
        label="Price (minor units, e.g. cents)"
        type="number"
        value={v.price.amount}
        error={fields['price.amount']}
        onChange={(e) => setV({ ...v, price: { ...v.price, amount: num(e.target.value) } })}
      />
      <Field label="Currency" value={v.price.currency} error={fields['price.currency']} onChange={(e) => setV({ ...v, price: { ...v.price, currency: e.target.value } })} />
      <Field label="Highest quality (360…2160)" type="number" value={v.max_height} error={fields.max_height} onChange={(e) => setV({ ...v, max_height: num(e.target.value) as PlanInput['max_height'] })} />
      <Field label="Screens at a time" type="number" value={v.max_streams} error={fields.max_streams} onChange={(e) => setV({ ...v, max_streams: num(e.target.value) })} />
      <Field label="New titles join this plan" type="checkbox" checked={v.includes_new_titles ?? false} onChange={(e) => setV({ ...v, includes_new_titles: e.target.checked })} />
      <FormError message={error} />
      <p className="actions">
        <button type="submit" className="button button-primary">
          {plan ? 'Save plan' : 'Create plan'}
        </button>
        <button type="button" className="button" onClick={onDone}>
          Close
        </button>
      </p>
    </form>
  );
}

/** Which plans offer one movie. */
export function AdminMoviePlans() {
  useTitle("A movie's plans · Administration");
  const { id = '' } = useParams();
  const data = useAsync(
    async (signal) => {
      const [plans, offer] = await Promise.all([
        unwrap(api.GET('/api/plans', { signal, cache: 'no-store' })),
        unwrap(api.GET('/api/movies/{id}/plans', { params: { path: { id } }, signal, cache: 'no-store' })),
      ]);
      return { plans: plans.items, chosen: new Set(offer.plan_ids) };
    },
    [id],
  );
  const [saved, setSaved] = useState<string | null>(null);
  if (data.state.status === 'loading') return <Loading label="Loading…" />;
  if (data.state.status === 'error') return <ErrorState error={data.state.error} onRetry={data.reload} />;
  const { plans, chosen } = data.state.data;
  return (
    <form
      className="panel form"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(null);
        const res = await unwrap(api.PUT('/api/movies/{id}/plans', { params: { path: { id } }, body: { plan_ids: [...chosen] } }));
        data.set({ plans, chosen: new Set(res.plan_ids) });
        setSaved('Saved.');
      }}
    >
      <h1>Plans offering this movie</h1>
      {plans.map((p) => (
        <Field
          key={p.id}
          label={p.name}
          type="checkbox"
          checked={chosen.has(p.id)}
          onChange={(e) => {
            const next = new Set(chosen);
            if (e.target.checked) next.add(p.id);
            else next.delete(p.id);
            data.set({ plans, chosen: next });
          }}
        />
      ))}
      <p className="actions">
        <button type="submit" className="button button-primary">
          Save
        </button>
      </p>
      {saved && <p className="success">{saved}</p>}
    </form>
  );
}
