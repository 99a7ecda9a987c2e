import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type PersonSummary } from '../../api/client';
import { unwrap } from '../../api/problem';
import { Empty, ErrorState, Loading } from '../../components/States';
import { longDate } from '../../format';
import { useDebounced } from '../../hooks/useDebounced';
import { usePaged } from '../../hooks/usePaged';
import { useTitle } from '../../hooks/useTitle';
import { DeleteRestore } from './DeleteRestore';

export function AdminPeople() {
  useTitle('People · Administration');
  const [text, setText] = useState('');
  const [showDeleted, setShowDeleted] = useState(true);
  const q = useDebounced(text.trim(), 250);
  const list = usePaged(
    (cursor, signal) =>
      unwrap(
        api.GET('/api/admin/catalog/people', {
          params: { query: { q: q || undefined, include_deleted: showDeleted, limit: 50, cursor } },
          signal,
          cache: 'no-store',
        }),
      ),
    [q, showDeleted],
  );

  return (
    <>
      <div className="page-head">
        <h1>People</h1>
        <Link className="button button-primary" to="/admin/people/new">
          Add a person
        </Link>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="admin-person-q">Find by name</label>
          <input id="admin-person-q" type="search" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
        </div>
        <label className="check">
          <input type="checkbox" checked={showDeleted} onChange={(e) => setShowDeleted(e.target.checked)} /> Include deleted people
        </label>
      </div>
      {list.status === 'loading' && <Loading label="Loading people…" />}
      {list.status === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.status === 'ok' && list.items.length === 0 && <Empty>{q ? `Nobody matches “${q}”.` : 'No people yet.'}</Empty>}
      {list.status === 'ok' && list.items.length > 0 && (
        <div className="table-wrap">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Born</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((p) => (
                <PersonRowAdmin key={p.id} person={p} onChange={list.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasMore && (
        <button type="button" className="button button-quiet more" disabled={list.loadingMore} onClick={list.loadMore}>
          {list.loadingMore ? 'Loading…' : 'Show more'}
        </button>
      )}
    </>
  );
}

function PersonRowAdmin({ person, onChange }: { person: PersonSummary; onChange(): void }) {
  const deleted = !!person.deleted_at;
  return (
    <tr className={deleted ? 'is-deleted' : undefined}>
      <th scope="row">
        <Link to={`/admin/people/${person.id}`}>{person.name}</Link>
      </th>
      <td>{longDate(person.birth_date)}</td>
      <td>{deleted ? <span className="badge badge-danger">Deleted</span> : <span className="badge">Live</span>}</td>
      <td className="row-actions">
        <DeleteRestore
          compact
          name={person.name}
          deleted={deleted}
          onDelete={async () => {
            await unwrap(api.DELETE('/api/actors/{id}', { params: { path: { id: person.id } } }));
            onChange();
          }}
          onRestore={async () => {
            await unwrap(api.POST('/api/actors/{id}/restore', { params: { path: { id: person.id } } }));
            onChange();
          }}
        />
      </td>
    </tr>
  );
}
