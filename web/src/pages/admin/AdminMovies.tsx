import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type MovieSummary } from '../../api/client';
import { unwrap } from '../../api/problem';
import { Empty, ErrorState, Loading } from '../../components/States';
import { year } from '../../format';
import { useDebounced } from '../../hooks/useDebounced';
import { usePaged } from '../../hooks/usePaged';
import { useTitle } from '../../hooks/useTitle';
import { DeleteRestore } from './DeleteRestore';

export function AdminMovies() {
  useTitle('Movies · Administration');
  const [text, setText] = useState('');
  const [showDeleted, setShowDeleted] = useState(true);
  const q = useDebounced(text.trim(), 250);
  const list = usePaged(
    (cursor, signal) =>
      unwrap(
        api.GET('/api/admin/catalog/movies', {
          params: { query: { q: q || undefined, include_deleted: showDeleted, sort: q ? undefined : 'created', limit: 50, cursor } },
          signal,
          cache: 'no-store',
        }),
      ),
    [q, showDeleted],
  );

  return (
    <>
      <div className="page-head">
        <h1>Movies</h1>
        <Link className="button button-primary" to="/admin/movies/new">
          Add a movie
        </Link>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="admin-movie-q">Find by title</label>
          <input id="admin-movie-q" type="search" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
        </div>
        <label className="check">
          <input type="checkbox" checked={showDeleted} onChange={(e) => setShowDeleted(e.target.checked)} /> Include deleted movies
        </label>
      </div>
      {list.status === 'loading' && <Loading label="Loading movies…" />}
      {list.status === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.status === 'ok' && list.items.length === 0 && <Empty>{q ? `No movie matches “${q}”.` : 'No movies yet.'}</Empty>}
      {list.status === 'ok' && list.items.length > 0 && (
        <div className="table-wrap">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Year</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((m) => (
                <MovieRowAdmin key={m.id} movie={m} onChange={list.reload} />
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

function MovieRowAdmin({ movie, onChange }: { movie: MovieSummary; onChange(): void }) {
  const deleted = !!movie.deleted_at;
  return (
    <tr className={deleted ? 'is-deleted' : undefined}>
      <th scope="row">
        <Link to={`/admin/movies/${movie.id}`}>{movie.title}</Link>
      </th>
      <td>{year(movie.release_date)}</td>
      <td>{deleted ? <span className="badge badge-danger">Deleted</span> : <span className="badge">Live</span>}</td>
      <td className="row-actions">
        <Link className="button button-quiet" to={`/admin/movies/${movie.id}/video`} aria-label={`Video of ${movie.title}`}>
          Video
        </Link>
        <DeleteRestore
          compact
          name={movie.title}
          deleted={deleted}
          onDelete={async () => {
            await unwrap(api.DELETE('/api/movies/{id}', { params: { path: { id: movie.id } } }));
            onChange();
          }}
          onRestore={async () => {
            await unwrap(api.POST('/api/movies/{id}/restore', { params: { path: { id: movie.id } } }));
            onChange();
          }}
        />
      </td>
    </tr>
  );
}
