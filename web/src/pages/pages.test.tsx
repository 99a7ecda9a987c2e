import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { fakeApi, me, movie, problem, review, signIn, summary } from '../test/api';
import { renderAt } from '../test/render';
import { Home } from './Home';
import { MoviePage } from './MoviePage';
import { UserPage } from './UserPage';

const page = (items: unknown[], next_cursor: string | null = null) => ({ items, next_cursor });

describe('Home', () => {
  it('shows the top-rated row and one row per genre', async () => {
    fakeApi()
      .on('GET /api/movies/top-rated', () => ({ ...page([{ ...movie(), rating_summary: summary(2, 9, { '9': 2 }), weighted_rating: 8.1 }]), min_votes: 5, mean_rating: 7 }))
      .on('GET /api/genres', () => page([{ id: 'g1', slug: 'horror', name: 'Horror' }]))
      .on('GET /api/movies', (req) => page(new URL(req.url).searchParams.get('genre') === 'horror' ? [movie({ id: 'm2', title: 'The Thing' })] : []));
    renderAt(<Home />);
    const top = await screen.findByRole('region', { name: 'Top rated' });
    expect(await within(top).findByRole('link', { name: /Alien/ })).toHaveAttribute('href', `/movies/${movie().id}`);
    const horror = await screen.findByRole('region', { name: 'Horror' });
    expect(await within(horror).findByRole('link', { name: /The Thing/ })).toBeInTheDocument();
  });

  it('has an empty state before any rating and an error state with retry', async () => {
    let fail = true;
    fakeApi()
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 5, mean_rating: null }))
      .on('GET /api/genres', () => (fail ? problem(503, 'Try later.') : page([])));
    renderAt(<Home />);
    expect(await screen.findByText(/No ratings yet/)).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent('Try later.');
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });
});

describe('Search', () => {
  it('searches as you type in the header box, once the typing pauses, without losing a key', async () => {
    const fake = fakeApi()
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 1, mean_rating: null }))
      .on('GET /api/genres', () => page([]))
      .on('GET /api/search', (req) => {
        const q = new URL(req.url).searchParams.get('q');
        return page(
          q === 'alien'
            ? [
                { kind: 'movie', id: 'm1', title: 'Alien', release_date: '1979-05-25', score: 3 },
                { kind: 'person', id: 'p1', name: 'Alien Person', score: 1 },
              ]
            : [],
        );
      });
    renderAt(<App />, { route: '/' });
    const box = screen.getByRole('searchbox', { name: 'Search movies and people' });
    await userEvent.type(box, 'alien');
    // the first key took us to the search page; the box stayed, with every key in it
    expect(await screen.findByRole('heading', { name: 'Results for “alien”' })).toBeInTheDocument();
    expect(box).toHaveFocus();
    expect(box).toHaveValue('alien');
    const results = await screen.findByTestId('search-results');
    expect(within(results).getByRole('link', { name: /Alien.*Movie · 1979/ })).toHaveAttribute('href', '/movies/m1');
    expect(within(results).getByRole('link', { name: /Alien Person/ })).toHaveAttribute('href', '/actors/p1');
    // one request for the whole word, not one per keystroke
    expect(fake.calls.filter((c) => c.path === '/api/search').map((c) => c.search)).toEqual(['?q=alien&limit=30']);
    expect(screen.getByRole('status')).toHaveTextContent('2 results for “alien”');

    await userEvent.clear(box);
    await userEvent.type(box, 'zzzz');
    expect(await screen.findByText(/Nothing matches “zzzz”/)).toBeInTheDocument();
  });

  it('starts from ?q= in the address, and asks for a query without one', async () => {
    fakeApi().on('GET /api/search', () => page([{ kind: 'movie', id: 'm1', title: 'Alien', score: 1 }]));
    const { unmount } = renderAt(<App />, { route: '/search?q=alien' });
    expect(screen.getByRole('searchbox', { name: 'Search movies and people' })).toHaveValue('alien');
    expect(await screen.findByRole('link', { name: /Alien/ })).toBeInTheDocument();
    unmount();
    renderAt(<App />, { route: '/search' });
    expect(screen.getByText(/results appear as you type/)).toBeInTheDocument();
    expect(screen.getByRole('searchbox', { name: 'Search movies and people' })).toHaveFocus();
  });
});

describe('MoviePage', () => {
  it('shows details, cast and crew, the histogram and reviews; anonymous users are asked to log in', async () => {
    fakeApi()
      .on('GET /api/movies/{id}', () => movie({ rating_summary: summary(1, 7, { '7': 1 }) }))
      .on('GET /api/movies/{id}/reviews', () => page([review()]));
    renderAt(<MoviePage />, { route: `/movies/${movie().id}`, path: '/movies/:id' });
    expect(await screen.findByRole('heading', { level: 1, name: /Alien/ })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sigourney Weaver' })).toHaveAttribute('href', '/actors/p1');
    expect(screen.getByText('as Ripley')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Ridley Scott' })).toBeInTheDocument();
    expect(screen.getByText('1 h 57 min')).toBeInTheDocument();
    expect(screen.getByTestId('rating-count')).toHaveTextContent('1 rating');
    expect(await screen.findByText('Tense.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Log in' })).toHaveAttribute('href', `/login?next=${encodeURIComponent(`/movies/${movie().id}`)}`);
    expect(screen.queryByRole('button', { name: 'Post review' })).toBeNull();
    expect(document.title).toBe('Alien — Marquee');
  });

  it('lets a signed-in user review, then shows the new rating summary', async () => {
    signIn();
    let rated = false;
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/{id}', () => movie({ rating_summary: rated ? summary(1, 8, { '8': 1 }) : summary() }))
      .on('GET /api/movies/{id}/reviews', () => page(rated ? [review({ author: { id: 'u-me', display_name: 'Me' }, rating: 8, body: '' })] : []))
      .on('GET /api/users/{id}/reviews', () => page([]))
      .on('POST /api/movies/{id}/reviews', async (req) => {
        rated = true;
        return { ...review({ author: { id: 'u-me', display_name: 'Me' } }), ...(await req.json()) };
      });
    renderAt(<MoviePage />, { route: `/movies/${movie().id}`, path: '/movies/:id' });
    expect(await screen.findByText('No reviews yet. Be the first to write one.')).toBeInTheDocument();
    await userEvent.click(await screen.findByLabelText('8'));
    await userEvent.click(screen.getByRole('button', { name: 'Post review' }));
    expect(await screen.findByRole('heading', { name: 'Your review' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('rating-count')).toHaveTextContent('1 rating'));
    expect(screen.getByTestId('rating-average')).toHaveTextContent('8.0');
  });

  it('follows the rating summary until it moves, also when the read model is slow (a busy server)', async () => {
    signIn();
    let rated = false;
    let polls = 0; // GETs of the movie after the review
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/{id}', () => {
        if (rated) polls++;
        // the read model catches up only on the 26th poll (the page once gave up after 20)
        return movie({ rating_summary: rated && polls > 25 ? summary(1, 8, { '8': 1 }) : summary() });
      })
      .on('GET /api/movies/{id}/reviews', () => page([]))
      .on('GET /api/users/{id}/reviews', () => page([]))
      .on('POST /api/movies/{id}/reviews', async (req) => {
        rated = true;
        return { ...review({ author: { id: 'u-me', display_name: 'Me' } }), ...(await req.json()) };
      });
    renderAt(<MoviePage />, { route: `/movies/${movie().id}`, path: '/movies/:id' });
    await userEvent.click(await screen.findByLabelText('8'));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'], shouldAdvanceTime: true }); // the polls' waits, run ahead below
    try {
      await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: 'Post review' }));
      expect(await screen.findByRole('heading', { name: 'Your review' })).toBeInTheDocument();
      expect(screen.getByTestId('rating-count')).toHaveTextContent('0 ratings');
      for (let i = 0; i < 40 && polls < 26; i++) await act(() => vi.advanceTimersByTimeAsync(1000));
      expect(screen.getByTestId('rating-count')).toHaveTextContent('1 rating');
      await act(() => vi.advanceTimersByTimeAsync(5000));
      expect(polls).toBe(26); // and no more once it moved
    } finally {
      vi.useRealTimers();
    }
  });

  it('finds the user’s existing review and offers to edit it (no second POST)', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/{id}', () => movie())
      .on('GET /api/movies/{id}/reviews', () => page([]))
      .on('GET /api/users/{id}/reviews', () => page([review({ movie_id: 'other' })], 'c2'))
      .on('GET /api/users/{id}/reviews', (req) =>
        new URL(req.url).searchParams.get('cursor') === 'c2'
          ? page([review({ id: 'mine', author: { id: 'u-me', display_name: 'Me' }, body: 'Mine!' })])
          : page([review({ movie_id: 'other' })], 'c2'),
      );
    renderAt(<MoviePage />, { route: `/movies/${movie().id}`, path: '/movies/:id' });
    expect(await screen.findByRole('button', { name: 'Edit your review' })).toBeInTheDocument();
    expect(screen.getByText('Mine!')).toBeInTheDocument();
  });

  it('says so when the movie does not exist', async () => {
    fakeApi().on('GET /api/movies/{id}', () => problem(404, 'No such movie.'));
    renderAt(<MoviePage />, { route: '/movies/nope', path: '/movies/:id' });
    expect(await screen.findByRole('heading', { name: 'Not found' })).toBeInTheDocument();
  });
});

describe('UserPage', () => {
  it('shows reviews, follows and updates the follower count', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/users/{id}', (_r, p) => ({ id: p.id, display_name: 'Bo', created_at: '2026-01-01T00:00:00Z', followers_count: 2, following_count: 1 }))
      .on('GET /api/users/{id}/following', () => page([]))
      .on('GET /api/users/{id}/reviews', () => page([review({ author: { id: 'u2', display_name: 'Bo' } })]))
      .on('PUT /api/users/{id}/follow', () => ({ id: 'u2', display_name: 'Bo', followed_at: '2026-01-03T00:00:00Z' }));
    renderAt(<UserPage />, { route: '/users/u2', path: '/users/:id' });
    expect(await screen.findByRole('heading', { name: 'Bo' })).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'Alien' })).toHaveAttribute('href', `/movies/${movie().id}`);
    await userEvent.click(await screen.findByRole('button', { name: 'Follow Bo' }));
    expect(await screen.findByRole('button', { name: 'Unfollow Bo' })).toBeInTheDocument();
    expect(screen.getByTestId('followers-count')).toHaveTextContent('3 followers');
    expect(fake.calls.some((c) => c.method === 'PUT' && c.path === '/api/users/u2/follow')).toBe(true);
  });

  it('switches tabs with the arrow keys', async () => {
    fakeApi()
      .on('GET /api/users/{id}', (_r, p) => ({ id: p.id, display_name: 'Bo', created_at: '2026-01-01T00:00:00Z', followers_count: 0, following_count: 0 }))
      .on('GET /api/users/{id}/reviews', () => page([]))
      .on('GET /api/users/{id}/followers', () => page([]));
    renderAt(<UserPage />, { route: '/users/u2', path: '/users/:id' });
    const tab = await screen.findByRole('tab', { name: 'Reviews' });
    tab.focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Followers' })).toHaveFocus();
    expect(screen.getByRole('tab', { name: 'Followers' })).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByText('Nobody follows Bo yet.')).toBeInTheDocument();
  });
});

describe('App', () => {
  it('has a skip link to the main region and log-in links for visitors', async () => {
    fakeApi()
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 1, mean_rating: null }))
      .on('GET /api/genres', () => page([]));
    renderAt(<App />);
    const skip = screen.getByRole('link', { name: 'Skip to content' });
    expect(skip).toHaveAttribute('href', '#main');
    expect(document.getElementById('main')).toHaveAttribute('tabindex', '-1');
    await userEvent.tab();
    expect(skip).toHaveFocus();
    expect(screen.getByRole('link', { name: 'Log in' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Admin' })).toBeNull();
  });

  it('logs in with the cookie mode header and goes where it was asked to', async () => {
    const fake = fakeApi()
      .on('POST /api/auth/login', () => {
        document.cookie = 'marquee_csrf=fresh; Path=/';
        return { access_token: 'x', refresh_token: 'y', token_type: 'Bearer', expires_in: 900, user: me({ role: 'admin' }) };
      })
      .on('GET /api/feed', () => page([]));
    renderAt(<App />, { route: '/login?next=/feed' });
    await userEvent.type(screen.getByLabelText('E-mail address'), 'me@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'a long passphrase');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('heading', { name: 'Your feed' })).toBeInTheDocument();
    expect(fake.calls[0].headers.get('X-Auth-Mode')).toBe('cookie');
    expect(screen.getByRole('link', { name: 'Admin' })).toBeInTheDocument();
    expect(await screen.findByText(/Reviews by the people you follow show up here/)).toBeInTheDocument();
  });

  it('suggests people to follow on an empty feed; following one fills it', async () => {
    signIn();
    let followed = false;
    const ada = { id: 'u-ada', display_name: 'Ada' };
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/feed', () => page(followed ? [review({ author: ada, body: 'Ada on Alien.' })] : []))
      .on('GET /api/movies/top-rated', () => ({ ...page([movie()]), min_votes: 1, mean_rating: null }))
      .on('GET /api/movies/{id}/reviews', () => page([review({ author: ada }), review({ id: 'r2', author: { id: 'u-me', display_name: 'Me' } })]))
      .on('PUT /api/users/{id}/follow', () => {
        followed = true;
        return { ...ada, followed_at: '2026-01-03T00:00:00Z' };
      });
    renderAt(<App />, { route: '/feed' });
    const people = await screen.findByRole('region', { name: 'People to follow' });
    expect(within(people).queryByRole('link', { name: 'Me' })).toBeNull();
    await userEvent.click(within(people).getByRole('button', { name: 'Follow Ada' }));
    expect(await screen.findByText('Ada on Alien.')).toBeInTheDocument();
    expect(fake.calls.some((c) => c.method === 'PUT' && c.path === '/api/users/u-ada/follow')).toBe(true);
    await waitFor(() => expect(screen.queryByRole('region', { name: 'People to follow' })).toBeNull());
  });

  it('shows a wrong password as a message and registration errors beside their fields', async () => {
    fakeApi()
      .on('POST /api/auth/login', () => problem(401, 'Wrong e-mail address or password.'))
      .on('POST /api/auth/register', () =>
        problem(422, 'The request has invalid fields.', [
          { field: 'password', reason: 'is too common' },
          { field: 'display_name', reason: 'is required' },
        ]),
      );
    const { unmount } = renderAt(<App />, { route: '/login' });
    await userEvent.type(screen.getByLabelText('E-mail address'), 'me@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('do not match an account');
    unmount();

    renderAt(<App />, { route: '/register' });
    await userEvent.type(screen.getByLabelText('E-mail address'), 'me@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'password123');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(/is too common/));
    expect(screen.getByLabelText('Display name')).toHaveAccessibleDescription(/is required/);
  });

  it('keeps visitors out of the feed and non-admins out of admin', async () => {
    fakeApi();
    const { unmount } = renderAt(<App />, { route: '/feed' });
    expect(screen.getByRole('heading', { name: 'Please log in' })).toBeInTheDocument();
    unmount();
    signIn();
    fakeApi().on('GET /api/me', () => me());
    renderAt(<App />, { route: '/admin/movies' });
    expect(await screen.findByRole('heading', { name: 'Administrators only' })).toBeInTheDocument();
  });
});

describe('Account', () => {
  it('changes the display name and logs out', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('PATCH /api/me', async (req) => me(await req.json()))
      .on('POST /api/auth/logout', () => new Response(null, { status: 204 }))
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 1, mean_rating: null }))
      .on('GET /api/genres', () => page([]));
    renderAt(<App />, { route: '/account' });
    const name = await screen.findByLabelText('Display name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Renamed');
    await userEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByText('Your display name has been changed.')).toBeInTheDocument();
    expect(fake.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ display_name: 'Renamed' });
    await userEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await waitFor(() => expect(screen.getByRole('link', { name: 'Log in' })).toBeInTheDocument());
    const logout = fake.calls.find((c) => c.path === '/api/auth/logout');
    expect(logout?.headers.get('X-CSRF-Token')).toBe('csrf-123');
    expect(logout?.headers.get('X-Auth-Mode')).toBe('cookie');
  });
});

// keep act imported for React 19's act environment
void act;
void vi;
