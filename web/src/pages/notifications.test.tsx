import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { fakeApi, me, problem, signIn } from '../test/api';
import { renderAt } from '../test/render';
import { NOTIFICATIONS_CHANGED } from '../components/NotificationBell';

const page = (items: unknown[], next_cursor: string | null = null) => ({ items, next_cursor });
const note = (over: Record<string, unknown> = {}) => ({
  id: 'n1',
  kind: 'new_movie',
  title: 'New movie: Heat (1995)',
  body: 'New on Marquee: Heat (1995).',
  link: '/movies/m1',
  created_at: '2026-12-04T05:00:00Z',
  read_at: null,
  ...over,
});

describe('Notifications', () => {
  it('shows the unread count on the bell and keeps it current', async () => {
    signIn();
    let unread = 1;
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 1, mean_rating: null }))
      .on('GET /api/genres', () => page([]))
      .on('GET /api/notifications/unread-count', () => ({ count: unread }));
    renderAt(<App />, { route: '/' });
    const bell = await screen.findByTestId('bell');
    await waitFor(() => expect(bell).toHaveAccessibleName('Notifications, 1 unread'));
    expect(within(bell).getByTestId('bell-count')).toHaveTextContent('1');
    expect(bell).toHaveAttribute('href', '/notifications');
    unread = 0;
    act(() => {
      window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED));
    });
    await waitFor(() => expect(bell).toHaveAccessibleName('Notifications'));
    expect(within(bell).queryByTestId('bell-count')).toBeNull();
  });

  it('lists notifications; opening one marks it read and follows its link', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/notifications/unread-count', () => ({ count: 1 }))
      .on('GET /api/notifications', () => page([note(), note({ id: 'n0', title: 'Bo follows you', kind: 'new_follower', link: '/users/u2', read_at: '2026-12-04T04:00:00Z' })]))
      .on('POST /api/notifications/{id}/read', (_r, p) => note({ id: p.id, read_at: '2026-12-04T05:01:00Z' }))
      .on('GET /api/movies/{id}', () => problem(404, 'movie not found'))
      .on('GET /api/movies/{id}/reviews', () => page([]));
    renderAt(<App />, { route: '/notifications' });
    const list = await screen.findByTestId('notifications');
    const items = within(list).getAllByRole('button');
    expect(items[0]).toHaveTextContent('Unread: New movie: Heat (1995)');
    expect(items[1]).not.toHaveTextContent('Unread');
    await userEvent.click(items[0]);
    await waitFor(() => expect(fake.calls.some((c) => c.method === 'POST' && c.path === '/api/notifications/n1/read')).toBe(true));
    await waitFor(() => expect(fake.calls.some((c) => c.path === '/api/movies/m1')).toBe(true));
  });

  it('marks everything read', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/notifications/unread-count', () => ({ count: 1 }))
      .on('GET /api/notifications', () => page([note()]))
      .on('POST /api/notifications/read-all', () => ({ count: 0 }));
    renderAt(<App />, { route: '/notifications' });
    await screen.findByTestId('notifications');
    await userEvent.click(screen.getByTestId('read-all'));
    await waitFor(() => expect(within(screen.getByTestId('notifications')).getByRole('button')).not.toHaveTextContent('Unread'));
    expect(fake.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('saves a changed setting at once', async () => {
    signIn();
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/notifications/unread-count', () => ({ count: 0 }))
      .on('GET /api/me/notification-settings', () => ({ email_new_movies: false, email_billing: true, inapp_new_movies: true, inapp_new_followers: true }))
      .on('PUT /api/me/notification-settings', () => ({ email_new_movies: true, email_billing: true, inapp_new_movies: true, inapp_new_followers: true }));
    renderAt(<App />, { route: '/settings/notifications' });
    const box = await screen.findByRole('checkbox', { name: /New movies by e-mail/ });
    expect(box).not.toBeChecked();
    await userEvent.click(box);
    await waitFor(() => expect(box).toBeChecked());
    expect(fake.calls.find((c) => c.method === 'PUT')?.body).toEqual({ email_new_movies: true });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved.');
  });

  it('unsubscribes with the token of the mail, without a login', async () => {
    const fake = fakeApi()
      .on('GET /api/me', () => problem(401, 'no token'))
      .on('POST /api/unsubscribe', () => ({
        setting: 'email_new_movies',
        settings: { email_new_movies: false, email_billing: true, inapp_new_movies: true, inapp_new_followers: true },
      }));
    renderAt(<App />, { route: '/unsubscribe?token=abc.def' });
    await userEvent.click(await screen.findByRole('button', { name: 'Unsubscribe' }));
    expect(await screen.findByText(/no more e-mails about new movies/)).toBeInTheDocument();
    expect(fake.calls.find((c) => c.method === 'POST')?.search).toBe('?token=abc.def');
  });

  it('says why a tampered unsubscribe link is refused', async () => {
    fakeApi()
      .on('GET /api/me', () => problem(401, 'no token'))
      .on('POST /api/unsubscribe', () =>
        problem(400, 'The request is malformed.', [{ field: 'token', reason: 'is not a valid unsubscribe token (tampered or from another site)' }]),
      );
    renderAt(<App />, { route: '/unsubscribe?token=abc.tampered' });
    await userEvent.click(await screen.findByRole('button', { name: 'Unsubscribe' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This unsubscribe link is not a valid unsubscribe token (tampered or from another site).');
  });
});

describe('Header', () => {
  // A phone's header scrolls the links sideways (styles.css): the bell and the
  // account must not be among them, or they end up off-screen.
  it('keeps the bell and the account out of the list of links', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 1, mean_rating: null }))
      .on('GET /api/genres', () => page([]))
      .on('GET /api/notifications/unread-count', () => ({ count: 2 }));
    renderAt(<App />, { route: '/' });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = within(nav).getByRole('link', { name: 'Browse' }).closest('ul');
    const bell = await within(nav).findByTestId('bell');
    const account = within(nav).getByTestId('account-link');
    expect(bell.closest('ul')).toHaveClass('nav-account');
    expect(account.closest('ul')).toBe(bell.closest('ul'));
    expect(links).toHaveClass('nav-links');
    expect(links).not.toContainElement(bell);
  });

  it('keeps log in and sign up out of the list of links when signed out', async () => {
    fakeApi()
      .on('GET /api/movies/top-rated', () => ({ ...page([]), min_votes: 1, mean_rating: null }))
      .on('GET /api/genres', () => page([]));
    renderAt(<App />, { route: '/' });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const signUp = await within(nav).findByRole('link', { name: 'Sign up' });
    expect(signUp.closest('ul')).toHaveClass('nav-account');
    expect(within(nav).getByRole('link', { name: 'Log in' }).closest('ul')).toBe(signUp.closest('ul'));
    expect(within(nav).getByRole('link', { name: 'Browse' }).closest('ul')).toHaveClass('nav-links');
  });
});
