import { Link, useParams } from 'react-router-dom';
import { api, type Person } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { Poster } from '../components/Poster';
import { Empty, ErrorState, Loading } from '../components/States';
import { longDate, year } from '../format';
import { useAsync } from '../hooks/useAsync';
import { useTitle } from '../hooks/useTitle';
import { NotFound } from './NotFound';

type Credit = Person['filmography'][number];

export function ActorPage() {
  const { id = '' } = useParams();
  const { state, reload } = useAsync((signal) => unwrap(api.GET('/api/actors/{id}', { params: { path: { id } }, signal })), [id]);
  const person = state.data;
  useTitle(person?.name ?? (state.status === 'loading' ? 'Loading…' : undefined));

  if (state.status === 'error' && state.error instanceof ApiError && state.error.status === 404) return <NotFound what="person" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} title="Could not load this person" />;
  if (!person) return <Loading label="Loading…" />;

  const acting = person.filmography.filter((f) => f.credit === 'cast');
  const crew = person.filmography.filter((f) => f.credit === 'crew');
  return (
    <div className="page person-page">
      <div className="movie-hero">
        <Poster id={person.id} title={person.name} url={person.photo_url} size="large" kind="person" decorative={false} />
        <div className="movie-facts">
          <h1>{person.name}</h1>
          {(person.birth_date || person.nationality) && (
            <ul className="facts" aria-label="Details">
              {person.birth_date && <li>Born {longDate(person.birth_date)}</li>}
              {person.nationality && <li>{person.nationality}</li>}
            </ul>
          )}
          {person.biography ? <p className="overview">{person.biography}</p> : <p className="muted">No biography yet.</p>}
        </div>
      </div>
      <section aria-labelledby="filmography-title" className="filmography">
        <h2 id="filmography-title">Filmography</h2>
        {person.filmography.length === 0 && <Empty>No films listed for {person.name} yet.</Empty>}
        {acting.length > 0 && <CreditList title="Acting" credits={acting} />}
        {crew.length > 0 && <CreditList title="Crew" credits={crew} />}
      </section>
    </div>
  );
}

function CreditList({ title, credits }: { title: string; credits: Credit[] }) {
  return (
    <>
      <h3>{title}</h3>
      <ul className="film-list" data-testid={`filmography-${title.toLowerCase()}`}>
        {credits.map((c) => (
          <li key={`${c.movie_id}-${c.credit}-${c.job}-${c.character}`}>
            <span className="film-year">{year(c.release_date) || '—'}</span>
            <span>
              <Link to={`/movies/${c.movie_id}`}>{c.title}</Link>
              {c.credit === 'cast' && c.character && <span className="muted"> as {c.character}</span>}
              {c.credit === 'crew' && c.job && <span className="muted"> · {c.job}</span>}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
