import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api, type Movie, type MovieWrite } from '../../api/client';
import { ApiError, errorMessage, unwrap, type FieldErrors } from '../../api/problem';
import { Field, FormError, Select, TextArea } from '../../components/Field';
import { ErrorState, Loading } from '../../components/States';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';
import { NotFound } from '../NotFound';
import { DeleteRestore } from './DeleteRestore';
import { errorFor, orNull } from './fields';
import { PersonPicker } from './PersonPicker';

const MATURITY = ['', 'G', 'PG', 'PG-13', 'R', 'NC-17', 'NR', 'TV-Y', 'TV-Y7', 'TV-Y7-FV', 'TV-G', 'TV-PG', 'TV-14', 'TV-MA'];

interface CastRow {
  person_id: string;
  name: string;
  character: string;
}
interface CrewRow {
  person_id: string;
  name: string;
  job: string;
}
export interface MovieDraft {
  title: string;
  original_title: string;
  overview: string;
  release_date: string;
  runtime_minutes: string;
  maturity_rating: string;
  languages: string;
  poster_url: string;
  genre_ids: string[];
  cast: CastRow[];
  crew: CrewRow[];
}

const EMPTY: MovieDraft = {
  title: '',
  original_title: '',
  overview: '',
  release_date: '',
  runtime_minutes: '',
  maturity_rating: '',
  languages: '',
  poster_url: '',
  genre_ids: [],
  cast: [],
  crew: [],
};

export function draftOf(m: Movie): MovieDraft {
  return {
    title: m.title,
    original_title: m.original_title,
    overview: m.overview,
    release_date: m.release_date ?? '',
    runtime_minutes: m.runtime_minutes == null ? '' : String(m.runtime_minutes),
    maturity_rating: m.maturity_rating,
    languages: m.languages.join(', '),
    poster_url: m.poster_url ?? '',
    genre_ids: m.genres.map((g) => g.id),
    cast: m.cast.map((c) => ({ person_id: c.person_id, name: c.name, character: c.character })),
    crew: m.crew.map((c) => ({ person_id: c.person_id, name: c.name, job: c.job })),
  };
}

/** What the browser can tell before sending (the server checks everything else). */
export function clientErrors(d: MovieDraft): FieldErrors {
  const out: FieldErrors = {};
  if (d.runtime_minutes.trim() !== '' && !/^\d+$/.test(d.runtime_minutes.trim())) out.runtime_minutes = 'must be a whole number of minutes';
  return out;
}

/** The write body. */
export function writeOf(d: MovieDraft): MovieWrite {
  const runtime = d.runtime_minutes.trim();
  return {
    title: d.title.trim(),
    original_title: d.original_title.trim(),
    overview: d.overview.trim(),
    release_date: orNull(d.release_date),
    runtime_minutes: runtime === '' ? null : Number(runtime),
    maturity_rating: d.maturity_rating,
    languages: d.languages
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
    poster_url: orNull(d.poster_url),
    genre_ids: d.genre_ids,
    cast: d.cast.map((c, i) => ({ person_id: c.person_id, character: c.character.trim(), order: i })),
    crew: d.crew.map((c) => ({ person_id: c.person_id, job: c.job.trim() })),
  };
}

export function MovieForm() {
  const { id } = useParams();
  const creating = !id;
  const loaded = useAsync(
    (signal) =>
      id
        ? unwrap(api.GET('/api/admin/catalog/movies/{id}', { params: { path: { id }, query: { include_deleted: true } }, signal, cache: 'no-store' }))
        : Promise.resolve(null),
    [id],
  );
  const genres = useAsync((signal) => unwrap(api.GET('/api/genres', { signal })), []);
  const movie = loaded.state.data ?? null;
  useTitle(creating ? 'Add a movie' : movie ? `Edit ${movie.title}` : 'Edit movie');

  if (loaded.state.status === 'error' && loaded.state.error instanceof ApiError && loaded.state.error.status === 404) return <NotFound what="movie" />;
  if (loaded.state.status === 'error') return <ErrorState error={loaded.state.error} onRetry={loaded.reload} />;
  if (loaded.state.status === 'loading' && !movie) return <Loading label="Loading movie…" />;

  return (
    <MovieEditor
      key={movie ? `${movie.id}-${movie.version}-${movie.deleted_at ?? ''}` : 'new'}
      movie={movie}
      genres={genreChoices(genres.state.data?.items ?? [], movie)}
      genresState={genres.state.status}
      onSaved={(m) => loaded.set(m)}
      onReload={loaded.reload}
    />
  );
}

/**
 * The genres to choose from: those GET /api/genres lists (the read model lists
 * genres that have movies) plus the movie's own, so saving never drops one.
 */
export function genreChoices(listed: { id: string; name: string }[], movie: Movie | null): { id: string; name: string }[] {
  const all = new Map(listed.map((g) => [g.id, g]));
  for (const g of movie?.genres ?? []) if (!all.has(g.id)) all.set(g.id, g);
  return [...all.values()].sort((a, b) => a.name.localeCompare(b.name));
}

interface EditorProps {
  movie: Movie | null;
  genres: { id: string; name: string }[];
  genresState: 'loading' | 'ok' | 'error';
  onSaved(m: Movie): void;
  onReload(): void;
}

function MovieEditor({ movie, genres, genresState, onSaved, onReload }: EditorProps) {
  const navigate = useNavigate();
  const [d, setD] = useState<MovieDraft>(movie ? draftOf(movie) : EMPTY);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const location = useLocation();
  const [saved, setSaved] = useState<string | null>(movie && (location.state as { created?: boolean } | null)?.created ? 'The movie has been created.' : null);

  useEffect(() => {
    if (Object.keys(fields).length) {
      // Take keyboard users to the first field the server rejected.
      document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    }
  }, [fields]);

  const set = <K extends keyof MovieDraft>(k: K, v: MovieDraft[K]) => setD((x) => ({ ...x, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setFields({});
    setSaved(null);
    // The server's check runs even when a field fails here, so every error
    // shows at once: a field that fails here is sent as a value the server
    // refuses too (nothing is saved), and the reason given here wins for it.
    const local = clientErrors(d);
    try {
      const body = writeOf(d);
      if (local.runtime_minutes) body.runtime_minutes = 0;
      if (movie) {
        const m = await unwrap(api.PUT('/api/movies/{id}', { params: { path: { id: movie.id } }, body }));
        onSaved(m);
      } else {
        const m = await unwrap(api.POST('/api/movies', { body }));
        navigate(`/admin/movies/${m.id}`, { replace: true, state: { created: true } });
      }
    } catch (err) {
      if (err instanceof ApiError) {
        setFields({ ...err.fields, ...local });
        setMessage(err.status === 422 || err.status === 400 ? 'The movie was not saved: correct the fields marked below.' : err.message);
      } else setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const deleted = !!movie?.deleted_at;
  return (
    <>
      <div className="page-head">
        <h1>{movie ? `Edit “${movie.title}”` : 'Add a movie'}</h1>
        {movie && (
          <span className="row-buttons">
            <Link className="button" to={`/admin/movies/${movie.id}/video`}>
              Video
            </Link>
            {!deleted && (
              <Link className="button button-quiet" to={`/movies/${movie.id}`}>
                View public page
              </Link>
            )}
          </span>
        )}
      </div>
      {movie && (
        <div className={`panel status-panel${deleted ? ' is-deleted' : ''}`}>
          <p>
            {deleted ? (
              <>
                <span className="badge badge-danger">Deleted</span> Only administrators see this movie. Restore it to publish it again.
              </>
            ) : (
              <>
                <span className="badge">Live</span> Everyone can see this movie.
              </>
            )}
          </p>
          <DeleteRestore
            name={movie.title}
            deleted={deleted}
            onDelete={async () => {
              await unwrap(api.DELETE('/api/movies/{id}', { params: { path: { id: movie.id } } }));
              onReload();
            }}
            onRestore={async () => {
              onSaved(await unwrap(api.POST('/api/movies/{id}/restore', { params: { path: { id: movie.id } } })));
            }}
          />
        </div>
      )}
      {saved && (
        <p className="success" role="status">
          {saved}
        </p>
      )}
      <form className="form admin-form" onSubmit={submit} noValidate>
        <FormError
          message={message}
          fields={fields}
          shown={['title', 'original_title', 'overview', 'release_date', 'runtime_minutes', 'maturity_rating', 'languages', 'poster_url', 'genre_ids', 'cast', 'crew']}
        />
        <div className="grid-2">
          <Field label="Title" name="title" required maxLength={300} value={d.title} onChange={(e) => set('title', e.target.value)} error={errorFor(fields, 'title')} />
          <Field label="Original title" name="original_title" maxLength={300} value={d.original_title} onChange={(e) => set('original_title', e.target.value)} error={errorFor(fields, 'original_title')} />
          <Field
            label="Release date"
            name="release_date"
            placeholder="YYYY-MM-DD"
            inputMode="numeric"
            value={d.release_date}
            onChange={(e) => set('release_date', e.target.value)}
            error={errorFor(fields, 'release_date')}
            hint="YYYY-MM-DD; leave empty when unknown."
          />
          <Field
            label="Runtime (minutes)"
            name="runtime_minutes"
            inputMode="numeric"
            value={d.runtime_minutes}
            onChange={(e) => set('runtime_minutes', e.target.value)}
            error={errorFor(fields, 'runtime_minutes')}
          />
          <Select label="Maturity rating" name="maturity_rating" value={d.maturity_rating} onChange={(e) => set('maturity_rating', e.target.value)} error={errorFor(fields, 'maturity_rating')}>
            {MATURITY.map((m) => (
              <option key={m} value={m}>
                {m || 'Unknown'}
              </option>
            ))}
          </Select>
          <Field
            label="Languages"
            name="languages"
            value={d.languages}
            onChange={(e) => set('languages', e.target.value)}
            error={errorFor(fields, 'languages')}
            hint="Language codes separated by commas: en, fr, pt-BR"
          />
        </div>
        <Field label="Poster URL" name="poster_url" type="url" value={d.poster_url} onChange={(e) => set('poster_url', e.target.value)} error={errorFor(fields, 'poster_url')} />
        <TextArea label="Overview" name="overview" rows={5} maxLength={10000} value={d.overview} onChange={(e) => set('overview', e.target.value)} error={errorFor(fields, 'overview')} />

        <fieldset className={`field-group${errorFor(fields, 'genre_ids') ? ' field-invalid' : ''}`} aria-describedby={errorFor(fields, 'genre_ids') ? 'genres-error' : undefined}>
          <legend>Genres</legend>
          {genresState === 'loading' && <p className="muted">Loading genres…</p>}
          {genresState === 'error' && <p className="field-error">Could not load the genres.</p>}
          <div className="check-grid">
            {genres.map((g) => (
              <label key={g.id} className="check">
                <input
                  type="checkbox"
                  checked={d.genre_ids.includes(g.id)}
                  onChange={(e) => set('genre_ids', e.target.checked ? [...d.genre_ids, g.id] : d.genre_ids.filter((x) => x !== g.id))}
                />{' '}
                {g.name}
              </label>
            ))}
          </div>
          {errorFor(fields, 'genre_ids') && (
            <p className="field-error" id="genres-error">
              {errorFor(fields, 'genre_ids')}
            </p>
          )}
        </fieldset>

        <fieldset className="field-group">
          <legend>Cast</legend>
          {d.cast.length === 0 && <p className="muted">No cast yet.</p>}
          <ol className="credit-rows">
            {d.cast.map((c, i) => {
              const err = errorFor(fields, `cast[${i}]`);
              return (
                <li key={`${c.person_id}-${i}`} className={err ? 'field-invalid' : undefined}>
                  <span className="credit-name">{c.name}</span>
                  <Field
                    label={`Character played by ${c.name}`}
                    value={c.character}
                    maxLength={300}
                    onChange={(e) => set('cast', d.cast.map((x, j) => (j === i ? { ...x, character: e.target.value } : x)))}
                    error={err}
                  />
                  <span className="row-buttons">
                    <button type="button" className="button button-quiet" disabled={i === 0} aria-label={`Move ${c.name} up`} onClick={() => set('cast', move(d.cast, i, -1))}>
                      ↑
                    </button>
                    <button type="button" className="button button-quiet" disabled={i === d.cast.length - 1} aria-label={`Move ${c.name} down`} onClick={() => set('cast', move(d.cast, i, 1))}>
                      ↓
                    </button>
                    <button type="button" className="button button-quiet" aria-label={`Remove ${c.name} from the cast`} onClick={() => set('cast', d.cast.filter((_, j) => j !== i))}>
                      Remove
                    </button>
                  </span>
                </li>
              );
            })}
          </ol>
          <PersonPicker label="Add to the cast" onPick={(p) => set('cast', [...d.cast, { person_id: p.id, name: p.name, character: '' }])} />
        </fieldset>

        <fieldset className="field-group">
          <legend>Crew</legend>
          {d.crew.length === 0 && <p className="muted">No crew yet.</p>}
          <ol className="credit-rows">
            {d.crew.map((c, i) => {
              const err = errorFor(fields, `crew[${i}]`);
              return (
                <li key={`${c.person_id}-${i}`} className={err ? 'field-invalid' : undefined}>
                  <span className="credit-name">{c.name}</span>
                  <Field
                    label={`Job of ${c.name}`}
                    value={c.job}
                    maxLength={100}
                    placeholder="Director"
                    onChange={(e) => set('crew', d.crew.map((x, j) => (j === i ? { ...x, job: e.target.value } : x)))}
                    error={err}
                  />
                  <span className="row-buttons">
                    <button type="button" className="button button-quiet" aria-label={`Remove ${c.name} from the crew`} onClick={() => set('crew', d.crew.filter((_, j) => j !== i))}>
                      Remove
                    </button>
                  </span>
                </li>
              );
            })}
          </ol>
          <PersonPicker label="Add to the crew" onPick={(p) => set('crew', [...d.crew, { person_id: p.id, name: p.name, job: 'Director' }])} />
        </fieldset>

        <div className="actions form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : movie ? 'Save changes' : 'Create movie'}
          </button>
          <Link className="button button-quiet" to="/admin/movies">
            Back to the list
          </Link>
        </div>
      </form>
    </>
  );
}

function move<T>(list: T[], i: number, by: number): T[] {
  const out = [...list];
  const [x] = out.splice(i, 1);
  out.splice(i + by, 0, x);
  return out;
}
