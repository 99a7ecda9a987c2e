import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import { fakeApi, me, movie, problem, signIn } from '../../test/api';
import { renderAt } from '../../test/render';
import { clientErrors, draftOf, genreChoices, writeOf } from './MovieForm';

const page = (items: unknown[], next_cursor: string | null = null) => ({ items, next_cursor });
const genres = page([
  { id: 'g1', slug: 'horror', name: 'Horror' },
  { id: 'g2', slug: 'drama', name: 'Drama' },
]);

function admin() {
  signIn();
  return fakeApi()
    .on('GET /api/me', () => me({ role: 'admin' }))
    .on('GET /api/genres', () => genres);
}

describe('movie form', () => {
  it('round-trips a movie into the write body', () => {
    const body = writeOf(draftOf(movie() as never));
    expect(body).toEqual({
      title: 'Alien',
      original_title: '',
      overview: 'In space no one can hear you scream.',
      release_date: '1979-05-25',
      runtime_minutes: 117,
      maturity_rating: 'R',
      languages: ['en'],
      poster_url: null,
      genre_ids: ['g1'],
      cast: [{ person_id: 'p1', character: 'Ripley', order: 0 }],
      crew: [{ person_id: 'p2', job: 'Director' }],
    });
    expect(clientErrors({ ...draftOf(movie() as never), runtime_minutes: '1h' })).toEqual({ runtime_minutes: 'must be a whole number of minutes' });
  });

  it('offers the movie’s own genres even when the genre list lacks them', () => {
    const m = movie({ genres: [{ id: 'g9', slug: 'science-fiction', name: 'Science Fiction' }] }) as never;
    expect(genreChoices(genres.items as { id: string; name: string }[], m).map((g) => g.name)).toEqual(['Drama', 'Horror', 'Science Fiction']);
  });

  it('shows the server’s validation errors beside their fields', async () => {
    const fake = admin().on('POST /api/movies', () =>
      problem(422, 'The request has invalid fields.', [
        { field: 'title', reason: 'is required' },
        { field: 'release_date', reason: 'must be a date as YYYY-MM-DD' },
        { field: 'genre_ids[0]', reason: 'is not a known genre' },
        { field: 'poster_url', reason: 'must be an absolute http or https URL' },
      ]),
    );
    renderAt(<App />, { route: '/admin/movies/new' });
    await userEvent.type(await screen.findByLabelText('Release date'), '1979-13-01');
    await userEvent.type(screen.getByLabelText('Poster URL'), 'ftp://x');
    await userEvent.click(await screen.findByLabelText('Horror'));
    await userEvent.click(screen.getByRole('button', { name: 'Create movie' }));

    // the field is there before the server answers: wait for its error
    await waitFor(() => expect(screen.getByLabelText('Title')).toHaveAccessibleDescription('is required'));
    expect(screen.getByLabelText('Release date')).toHaveAccessibleDescription(/must be a date as YYYY-MM-DD/);
    expect(screen.getByLabelText('Poster URL')).toHaveAccessibleDescription('must be an absolute http or https URL');
    expect(screen.getByRole('group', { name: 'Genres' })).toHaveAccessibleDescription('Genre 1: is not a known genre');
    expect(screen.getByRole('alert')).toHaveTextContent('correct the fields marked below');
    // focus goes to the first rejected field
    expect(screen.getByLabelText('Title')).toHaveFocus();
    const sent = fake.calls.find((c) => c.method === 'POST')!;
    expect(sent.headers.get('X-CSRF-Token')).toBe('csrf-123');
    expect(sent.body).toMatchObject({ title: '', release_date: '1979-13-01', genre_ids: ['g1'], poster_url: 'ftp://x' });
  });

  it('shows its own errors and the server’s at once, with readable names', async () => {
    const fake = admin().on('POST /api/movies', () =>
      problem(422, 'The request has invalid fields.', [
        { field: 'title', reason: 'is required' },
        { field: 'runtime_minutes', reason: 'must be from 1 to 1000 minutes' },
        { field: 'languages[1]', reason: 'is not a language code' },
      ]),
    );
    renderAt(<App />, { route: '/admin/movies/new' });
    await userEvent.type(await screen.findByLabelText('Runtime (minutes)'), 'two hours');
    await userEvent.type(screen.getByLabelText('Languages'), 'en, english!');
    await userEvent.click(screen.getByRole('button', { name: 'Create movie' }));

    await waitFor(() => expect(screen.getByLabelText('Title')).toHaveAccessibleDescription('is required'));
    expect(screen.getByLabelText('Runtime (minutes)')).toHaveAccessibleDescription(/whole number/);
    expect(screen.getByLabelText('Languages')).toHaveAccessibleDescription(/Language 2: is not a language code/);
    const sent = fake.calls.find((c) => c.method === 'POST')!;
    expect(sent.body).toMatchObject({ runtime_minutes: 0 }); // refused by the server too: nothing saved
  });

  it('adds cast through the person picker and shows errors on the cast row', async () => {
    admin()
      .on('GET /api/admin/catalog/people', () => page([{ id: 'p9', name: 'Tom Skerritt', birth_date: '1933-08-25' }]))
      .on('POST /api/movies', () => problem(422, 'The request has invalid fields.', [{ field: 'cast[0].person_id', reason: 'is not a known person' }]));
    renderAt(<App />, { route: '/admin/movies/new' });
    await userEvent.type(await screen.findByLabelText('Title'), 'Alien');
    await userEvent.type(screen.getByLabelText('Add to the cast'), 'Tom');
    await userEvent.click(await screen.findByRole('button', { name: 'Add Tom Skerritt (1933)' }));
    await userEvent.type(screen.getByLabelText('Character played by Tom Skerritt'), 'Dallas');
    await userEvent.click(screen.getByRole('button', { name: 'Create movie' }));
    await waitFor(() => expect(screen.getByLabelText('Character played by Tom Skerritt')).toHaveAccessibleDescription('Cast member 1, person: is not a known person'));
  });

  it('creates, then deletes and restores a movie', async () => {
    let deleted = false;
    const fake = admin()
      .on('POST /api/movies', async (req) => movie({ id: 'new1', ...(await req.json()), genres: [], cast: [], crew: [] }))
      .on('GET /api/admin/catalog/movies/{id}', () => movie({ id: 'new1', title: 'Brand New', genres: [], cast: [], crew: [], deleted_at: deleted ? '2026-02-01T00:00:00Z' : null }))
      .on('DELETE /api/movies/{id}', () => {
        deleted = true;
        return new Response(null, { status: 204 });
      })
      .on('POST /api/movies/{id}/restore', () => {
        deleted = false;
        return movie({ id: 'new1', title: 'Brand New', genres: [], cast: [], crew: [] });
      });
    renderAt(<App />, { route: '/admin/movies/new' });
    await userEvent.type(await screen.findByLabelText('Title'), 'Brand New');
    await userEvent.click(screen.getByRole('button', { name: 'Create movie' }));
    expect(await screen.findByText('The movie has been created.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Edit “Brand New”' })).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    expect(await screen.findByText(/Only administrators see this movie/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Restore' }));
    expect(await screen.findByText('Everyone can see this movie.')).toBeInTheDocument();
    expect(fake.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/movies',
      'DELETE /api/movies/new1',
      'POST /api/movies/new1/restore',
    ]);
  });

  it('lists movies with deleted ones marked', async () => {
    admin().on('GET /api/admin/catalog/movies', (req) => {
      expect(new URL(req.url).searchParams.get('include_deleted')).toBe('true');
      return page([movie(), movie({ id: 'm2', title: 'Gone', deleted_at: '2026-01-01T00:00:00Z' })]);
    });
    renderAt(<App />, { route: '/admin/movies' });
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('Live');
    expect(rows[2]).toHaveTextContent('Deleted');
    expect(within(rows[2]).getByRole('button', { name: 'Restore Gone' })).toBeInTheDocument();
  });
});

describe('person form', () => {
  it('shows validation errors beside the fields', async () => {
    admin().on('POST /api/actors', () =>
      problem(422, 'The request has invalid fields.', [
        { field: 'name', reason: 'is required' },
        { field: 'birth_date', reason: 'must not be in the future' },
      ]),
    );
    renderAt(<App />, { route: '/admin/people/new' });
    await userEvent.type(await screen.findByLabelText('Birth date'), '2999-01-01');
    await userEvent.click(screen.getByRole('button', { name: 'Add person' }));
    await waitFor(() => expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('is required'));
    expect(screen.getByLabelText('Birth date')).toHaveAccessibleDescription(/must not be in the future/);
  });
});
