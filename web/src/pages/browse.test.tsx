import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { MovieCard } from '../components/MovieCard';
import { fakeApi, me, movie, signIn, summary } from '../test/api';
import { renderAt } from '../test/render';
import { readFilters } from './Browse';
import { Home } from './Home';

const page = (items: unknown[], next_cursor: string | null = null) => ({ items, next_cursor });
const genres = page([
  { id: 'g1', slug: 'horror', name: 'Horror' },
  { id: 'g2', slug: 'drama', name: 'Drama' },
]);

describe('Browse', () => {
  it('reads its filters from the address and asks the API for them', async () => {
    const fake = fakeApi()
      .on('GET /api/genres', () => genres)
      .on('GET /api/movies', () => page([movie({ id: 'm1', title: 'Alien' })]));
    renderAt(<App />, { route: '/browse?genre=horror&year_from=1970&rating_min=7&sort=year&order=asc' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Horror since 1970, rated 7+' })).toBeInTheDocument();
    await screen.findByTestId('browse-grid');
    const call = fake.calls.find((c) => c.path === '/api/movies')!;
    const q = new URLSearchParams(call.search);
    expect(Object.fromEntries(q)).toMatchObject({ genre: 'horror', year_from: '1970', rating_min: '7', sort: 'year', order: 'asc' });
    expect(screen.getByLabelText('Genre')).toHaveValue('horror');
    expect(screen.getByLabelText('Sort by')).toHaveValue('year');
  });

  it('puts a changed filter in the address and starts over', async () => {
    const fake = fakeApi()
      .on('GET /api/genres', () => genres)
      .on('GET /api/movies', (req) => page([movie({ id: `m-${new URL(req.url).searchParams.get('genre') ?? 'all'}`, title: 'Some film' })]));
    renderAt(<App />, { route: '/browse' });
    await screen.findByTestId('browse-grid');
    await userEvent.selectOptions(await screen.findByLabelText('Genre'), 'drama');
    await waitFor(() => expect(fake.calls.some((c) => c.path === '/api/movies' && c.search.includes('genre=drama'))).toBe(true));
    expect(await screen.findByRole('heading', { level: 1, name: 'Drama' })).toBeInTheDocument();
  });

  it('loads the next page after the last (Show more, or scrolling)', async () => {
    fakeApi()
      .on('GET /api/genres', () => genres)
      .on('GET /api/movies', (req) =>
        new URL(req.url).searchParams.get('cursor') === 'c2'
          ? page([movie({ id: 'm2', title: 'Second page film' })])
          : page([movie({ id: 'm1', title: 'First page film' })], 'c2'),
      );
    renderAt(<App />, { route: '/browse' });
    const grid = await screen.findByTestId('browse-grid');
    expect(within(grid).getAllByRole('link')).toHaveLength(1);
    await userEvent.click(screen.getByRole('button', { name: 'Show more' }));
    expect(await within(grid).findByRole('link', { name: /Second page film/ })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();
  });

  it('ignores filter values that are not valid', () => {
    const f = readFilters(new URLSearchParams('year_from=19x0&rating_min=11&available=yes&sort=nonsense&order=up'));
    expect(f).toEqual({ genre: '', yearFrom: '', yearTo: '', ratingMin: '', available: false, sort: 'rating', order: '' });
  });

  it('offers "Available in my plan" when signed in, kept in the address and sent as available=true', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/genres', () => genres)
      .on('GET /api/movies', (req) =>
        page([movie({ id: new URL(req.url).searchParams.get('available') ? 'in-plan' : 'any', title: 'Some film' })]),
      );
    renderAt(<App />, { route: '/browse?genre=drama' });
    const box = await screen.findByRole('checkbox', { name: 'Available in my plan' });
    expect(box).not.toBeChecked();
    await userEvent.click(box);
    await waitFor(() => expect(fake.calls.some((c) => c.path === '/api/movies' && new URLSearchParams(c.search).get('available') === 'true')).toBe(true));
    expect(await screen.findByRole('heading', { level: 1, name: 'Drama, in my plan' })).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Available in my plan' })).toBeChecked();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Available in my plan' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Drama' })).toBeInTheDocument();
  });

  it('signed out, neither shows nor applies the plan filter', async () => {
    const fake = fakeApi()
      .on('GET /api/genres', () => genres)
      .on('GET /api/movies', () => page([movie({ id: 'm1', title: 'Alien' })]));
    renderAt(<App />, { route: '/browse?available=true' });
    await screen.findByTestId('browse-grid');
    expect(screen.queryByRole('checkbox', { name: 'Available in my plan' })).toBeNull();
    const call = fake.calls.find((c) => c.path === '/api/movies')!;
    expect(new URLSearchParams(call.search).has('available')).toBe(false);
  });
});

describe('Home links and My list', () => {
  it('links row titles to the browse page, and shows My list when signed in', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 5, mean_rating: null }))
      .on('GET /api/genres', () => page([{ id: 'g1', slug: 'horror', name: 'Horror' }]))
      .on('GET /api/movies', () => page([]))
      .on('GET /api/me/watchlist', () =>
        page([
          {
            movie: {
              id: 'm7',
              title: 'Jaws',
              release_date: '1975-06-20',
              poster_url: 'https://img.example/jaws.jpg',
              rating_summary: { average: 8.1, count: 3 },
            },
            added_at: '2026-01-01T00:00:00Z',
          },
          {
            movie: { id: 'm8', title: 'Heat', release_date: null, poster_url: null, rating_summary: { average: null, count: 0 } },
            added_at: '2025-12-31T00:00:00Z',
          },
        ]),
      );
    renderAt(<Home />);
    expect(await screen.findByRole('link', { name: 'Top rated' })).toHaveAttribute('href', '/browse?sort=rating');
    expect(await screen.findByRole('link', { name: 'Horror' })).toHaveAttribute('href', '/browse?genre=horror&sort=rating');
    const mine = await screen.findByRole('region', { name: 'My list' });
    // a card like the other rows': year and rating with the title
    const jaws = await within(mine).findByRole('link', { name: /Jaws/ });
    expect(jaws).toHaveAttribute('href', '/movies/m7');
    expect(jaws).toHaveTextContent('1975');
    expect(within(jaws).getByLabelText('rated 8.1 out of 10 by 3')).toBeInTheDocument();
    expect(jaws.querySelector('img')).toHaveAttribute('src', 'https://img.example/jaws.jpg');
    // nothing known but the title: the generated poster, no rating
    const heat = within(mine).getByRole('link', { name: /Heat/ });
    expect(within(heat).queryByLabelText(/^rated/)).toBeNull();
    expect(heat.querySelector('img')).toHaveAttribute('src', '/api/movies/m8/poster.svg');
  });
});

describe('MovieCard', () => {
  it('prints the title under a real poster only (a drawn poster shows it already)', () => {
    const real = { id: 'a', title: 'Heat', poster_url: 'https://img.example/heat.jpg', rating_summary: summary() };
    const drawn = { id: 'b', title: 'Alien', poster_url: '/api/movies/b/poster.svg?v=1', rating_summary: summary() };
    renderAt(
      <>
        <MovieCard movie={real} />
        <MovieCard movie={drawn} />
      </>,
    );
    expect(screen.getByText('Heat')).not.toHaveClass('visually-hidden');
    expect(screen.getByText('Alien')).toHaveClass('visually-hidden');
    expect(screen.getByRole('link', { name: /Alien/ })).toBeInTheDocument(); // still named for screen readers
  });
});
