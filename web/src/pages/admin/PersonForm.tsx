import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api, type Person, type PersonWrite } from '../../api/client';
import { ApiError, errorMessage, unwrap, type FieldErrors } from '../../api/problem';
import { Field, FormError, TextArea } from '../../components/Field';
import { ErrorState, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';
import { NotFound } from '../NotFound';
import { DeleteRestore } from './DeleteRestore';
import { errorFor, orNull } from './fields';

interface PersonDraft {
  name: string;
  birth_date: string;
  nationality: string;
  biography: string;
  photo_url: string;
}

function draftOf(p: Person | null): PersonDraft {
  return {
    name: p?.name ?? '',
    birth_date: p?.birth_date ?? '',
    nationality: p?.nationality ?? '',
    biography: p?.biography ?? '',
    photo_url: p?.photo_url ?? '',
  };
}

function writeOf(d: PersonDraft): PersonWrite {
  return {
    name: d.name.trim(),
    birth_date: orNull(d.birth_date),
    nationality: d.nationality.trim(),
    biography: d.biography.trim(),
    photo_url: orNull(d.photo_url),
  };
}

export function PersonForm() {
  const { id } = useParams();
  const loaded = useAsync(
    (signal) =>
      id
        ? unwrap(api.GET('/api/admin/catalog/people/{id}', { params: { path: { id }, query: { include_deleted: true } }, signal, cache: 'no-store' }))
        : Promise.resolve(null),
    [id],
  );
  const person = loaded.state.data ?? null;
  useTitle(!id ? 'Add a person' : person ? `Edit ${person.name}` : 'Edit person');
  if (loaded.state.status === 'error' && loaded.state.error instanceof ApiError && loaded.state.error.status === 404) return <NotFound what="person" />;
  if (loaded.state.status === 'error') return <ErrorState error={loaded.state.error} onRetry={loaded.reload} />;
  if (loaded.state.status === 'loading' && !person) return <Loading label="Loading…" />;
  return (
    <PersonEditor
      key={person ? `${person.id}-${person.version}-${person.deleted_at ?? ''}` : 'new'}
      person={person}
      onSaved={(p) => loaded.set(p)}
      onReload={loaded.reload}
    />
  );
}

function PersonEditor({ person, onSaved, onReload }: { person: Person | null; onSaved(p: Person): void; onReload(): void }) {
  const navigate = useNavigate();
  const location = useLocation();
  const [d, setD] = useState<PersonDraft>(draftOf(person));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [saved, setSaved] = useState<string | null>(person && (location.state as { created?: boolean } | null)?.created ? 'The person has been added.' : null);
  const set = (k: keyof PersonDraft) => (e: { target: { value: string } }) => setD((x) => ({ ...x, [k]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setFields({});
    setSaved(null);
    try {
      if (person) {
        onSaved(await unwrap(api.PUT('/api/actors/{id}', { params: { path: { id: person.id } }, body: writeOf(d) })));
      } else {
        const p = await unwrap(api.POST('/api/actors', { body: writeOf(d) }));
        navigate(`/admin/people/${p.id}`, { replace: true, state: { created: true } });
      }
    } catch (err) {
      if (err instanceof ApiError) {
        setFields(err.fields);
        setMessage(Object.keys(err.fields).length ? 'Not saved: correct the fields marked below.' : err.message);
      } else setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const deleted = !!person?.deleted_at;
  return (
    <>
      <div className="page-head">
        <h1>{person ? `Edit “${person.name}”` : 'Add a person'}</h1>
        {person && !deleted && (
          <Link className="button button-quiet" to={`/actors/${person.id}`}>
            View public page
          </Link>
        )}
      </div>
      {person && (
        <div className={`panel status-panel${deleted ? ' is-deleted' : ''}`}>
          <p>{deleted ? <><span className="badge badge-danger">Deleted</span> Hidden from everyone but administrators.</> : <><span className="badge">Live</span> Everyone can see this person.</>}</p>
          <DeleteRestore
            name={person.name}
            deleted={deleted}
            onDelete={async () => {
              await unwrap(api.DELETE('/api/actors/{id}', { params: { path: { id: person.id } } }));
              onReload();
            }}
            onRestore={async () => onSaved(await unwrap(api.POST('/api/actors/{id}/restore', { params: { path: { id: person.id } } })))}
          />
        </div>
      )}
      {saved && (
        <p className="success" role="status">
          {saved}
        </p>
      )}
      <form className="form admin-form" onSubmit={submit} noValidate>
        <FormError message={message} fields={fields} shown={['name', 'birth_date', 'nationality', 'biography', 'photo_url']} />
        <div className="grid-2">
          <Field label="Name" name="name" required maxLength={200} value={d.name} onChange={set('name')} error={errorFor(fields, 'name')} />
          <Field label="Birth date" name="birth_date" placeholder="YYYY-MM-DD" inputMode="numeric" value={d.birth_date} onChange={set('birth_date')} error={errorFor(fields, 'birth_date')} hint="YYYY-MM-DD; leave empty when unknown." />
          <Field label="Nationality" name="nationality" maxLength={300} value={d.nationality} onChange={set('nationality')} error={errorFor(fields, 'nationality')} />
          <Field label="Photo URL" name="photo_url" type="url" value={d.photo_url} onChange={set('photo_url')} error={errorFor(fields, 'photo_url')} />
        </div>
        <TextArea label="Biography" name="biography" rows={6} maxLength={20000} value={d.biography} onChange={set('biography')} error={errorFor(fields, 'biography')} />
        {person && person.filmography.length > 0 && (
          <p className="muted">
            Credited in {person.filmography.length} film{person.filmography.length === 1 ? '' : 's'}; credits are edited on each movie.
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : person ? 'Save changes' : 'Add person'}
          </button>
          <Link className="button button-quiet" to="/admin/people">
            Back to the list
          </Link>
        </div>
      </form>
    </>
  );
}
