import { useState } from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, problem, review, signIn, summary } from '../test/api';
import { Field, FormError } from './Field';
import { FollowButton } from './FollowButton';
import { MovieCard } from './MovieCard';
import { Poster } from './Poster';
import { RatingHistogram } from './RatingHistogram';
import { ReviewEditor } from './ReviewEditor';
import { Empty, ErrorState, Loading } from './States';

describe('RatingHistogram', () => {
  it('shows the average, the count and one bar per value', () => {
    render(<RatingHistogram summary={summary(3, 7.3333, { '10': 1, '7': 1, '5': 1 })} />);
    expect(screen.getByTestId('rating-average')).toHaveTextContent('7.3');
    expect(screen.getByTestId('rating-count')).toHaveTextContent('3 ratings');
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows).toHaveLength(10);
    expect(within(rows[0]).getByRole('rowheader')).toHaveTextContent('10');
    expect(within(rows[0]).getByRole('cell')).toHaveTextContent('1');
    expect(within(rows[1]).getByRole('cell')).toHaveTextContent('0');
  });

  it('has no bars before the first rating', () => {
    render(<RatingHistogram summary={summary()} />);
    expect(screen.queryByTestId('rating-average')).toBeNull();
    expect(screen.getByText(/Not rated yet/)).toBeInTheDocument();
    expect(screen.getByTestId('rating-count')).toHaveTextContent('0 ratings');
    expect(screen.queryByRole('table')).toBeNull();
  });
});

describe('Poster', () => {
  it('uses the image when there is one', () => {
    render(<Poster id="m1" title="Alien" url="https://img.example/alien.jpg" decorative={false} />);
    expect(screen.getByRole('img', { name: 'Poster of Alien' })).toHaveAttribute('src', 'https://img.example/alien.jpg');
  });

  it('falls back to a placeholder with the title when there is none or it fails', () => {
    const { container } = render(<Poster id="m1" title="Alien" url="https://img.example/broken.jpg" />);
    fireEvent.error(container.querySelector('img')!);
    expect(container.querySelector('.poster-placeholder')).toHaveTextContent('Alien');
  });
});

describe('MovieCard', () => {
  it('is one link to the movie with its year and rating', () => {
    render(
      <MemoryRouter>
        <MovieCard movie={{ id: 'm1', title: 'Alien', release_date: '1979-05-25', rating_summary: { average: 8.44, count: 12 } }} />
      </MemoryRouter>,
    );
    const link = screen.getByRole('link');
    expect(link).toHaveAttribute('href', '/movies/m1');
    expect(link).toHaveTextContent('Alien');
    expect(link).toHaveTextContent('1979');
    expect(screen.getByLabelText('rated 8.4 out of 10 by 12')).toBeInTheDocument();
  });
});

describe('States', () => {
  it('loading is a polite status, errors are alerts with a retry button', async () => {
    const retry = vi.fn();
    render(
      <>
        <Loading label="Loading movie…" />
        <ErrorState error={new Error('Boom.')} onRetry={retry} />
        <Empty>Nothing yet.</Empty>
      </>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Loading movie…');
    expect(screen.getByRole('alert')).toHaveTextContent('Boom.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(retry).toHaveBeenCalledOnce();
    expect(screen.getByText('Nothing yet.')).toBeInTheDocument();
  });
});

describe('Field and FormError', () => {
  it('puts the server error beside its field and links it for assistive tech', () => {
    render(<Field label="Title" error="is required" value="" onChange={() => {}} />);
    const input = screen.getByLabelText('Title');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription('is required');
  });

  it('lists only the errors no field shows', () => {
    render(<FormError message="Not saved." fields={{ title: 'is required', 'cast[0].person_id': 'unknown', other: 'bad' }} shown={['title', 'cast']} />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Not saved.');
    expect(alert).toHaveTextContent('other bad');
    expect(alert).not.toHaveTextContent('is required');
    expect(alert).not.toHaveTextContent('unknown');
  });
});

describe('ReviewEditor', () => {
  it('posts a new review with the chosen rating and body', async () => {
    signIn();
    const fake = fakeApi().on('POST /api/movies/{id}/reviews', async (req) => ({ ...review(), ...(await req.json()), id: 'r9', author: { id: 'u-me', display_name: 'Me' } }));
    const onChange = vi.fn();
    render(<ReviewEditor movieId="m1" mine={null} onChange={onChange} />);
    await userEvent.click(screen.getByLabelText('8'));
    await userEvent.type(screen.getByLabelText('Your review (optional)'), '  Great film.  ');
    await userEvent.click(screen.getByRole('button', { name: 'Post review' }));
    expect(fake.calls[0]).toMatchObject({ method: 'POST', path: '/api/movies/m1/reviews', body: { rating: 8, body: 'Great film.' } });
    expect(fake.calls[0].headers.get('X-CSRF-Token')).toBe('csrf-123');
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ id: 'r9', rating: 8 }));
  });

  it('asks for a rating before sending anything', async () => {
    const fake = fakeApi();
    render(<ReviewEditor movieId="m1" mine={null} onChange={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Post review' }));
    expect(screen.getByText('Pick a rating from 1 to 10.')).toBeInTheDocument();
    expect(fake.calls).toHaveLength(0);
  });

  it('shows server validation errors beside the fields', async () => {
    signIn();
    fakeApi().on('POST /api/movies/{id}/reviews', () => problem(422, 'The request has invalid fields.', [{ field: 'body', reason: 'must be at most 10000 characters' }]));
    render(<ReviewEditor movieId="m1" mine={null} onChange={() => {}} />);
    await userEvent.click(screen.getByLabelText('3'));
    await userEvent.click(screen.getByRole('button', { name: 'Post review' }));
    await waitFor(() => expect(screen.getByLabelText('Your review (optional)')).toHaveAccessibleDescription('must be at most 10000 characters'));
  });

  it('edits and deletes your review', async () => {
    signIn();
    const mine = review({ id: 'r1', rating: 6, body: 'Fine.', author: { id: 'u-me', display_name: 'Me' } });
    const fake = fakeApi()
      .on('PUT /api/reviews/{id}', async (req) => ({ ...mine, ...(await req.json()) }))
      .on('DELETE /api/reviews/{id}', () => new Response(null, { status: 204 }));
    const onChange = vi.fn();
    function Parent() {
      const [current, setCurrent] = useState<typeof mine | null>(mine);
      return (
        <ReviewEditor
          movieId="m1"
          mine={current as never}
          onChange={(r) => {
            onChange(r);
            setCurrent(r as never);
          }}
        />
      );
    }
    render(
      <MemoryRouter>
        <Parent />
      </MemoryRouter>,
    );
    expect(screen.getByText('Fine.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Edit your review' }));
    expect(screen.getByLabelText('6')).toBeChecked();
    await userEvent.click(screen.getByLabelText('9'));
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(fake.calls[0]).toMatchObject({ method: 'PUT', path: '/api/reviews/r1', body: { rating: 9, body: 'Fine.' } });

    expect(await screen.findByText('★ 9')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Delete your review' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    expect(fake.calls[1]).toMatchObject({ method: 'DELETE', path: '/api/reviews/r1' });
    expect(onChange).toHaveBeenLastCalledWith(null);
    expect(screen.getByRole('button', { name: 'Post review' })).toBeInTheDocument();
  });
});

describe('FollowButton', () => {
  it('follows, then offers to unfollow', async () => {
    signIn();
    const fake = fakeApi()
      .on('PUT /api/users/{id}/follow', () => ({ id: 'u2', display_name: 'Bo', followed_at: '2026-01-01T00:00:00Z' }))
      .on('DELETE /api/users/{id}/follow', () => new Response(null, { status: 204 }));
    const onChange = vi.fn();
    const { rerender } = render(<FollowButton userId="u2" name="Bo" following={false} onChange={onChange} />);
    await userEvent.click(screen.getByRole('button', { name: 'Follow Bo' }));
    expect(fake.calls[0]).toMatchObject({ method: 'PUT', path: '/api/users/u2/follow' });
    expect(onChange).toHaveBeenCalledWith(true);
    rerender(<FollowButton userId="u2" name="Bo" following onChange={onChange} />);
    await userEvent.click(screen.getByRole('button', { name: 'Unfollow Bo' }));
    expect(fake.calls[1]).toMatchObject({ method: 'DELETE', path: '/api/users/u2/follow' });
  });

  it('shows why following failed', async () => {
    signIn();
    fakeApi().on('PUT /api/users/{id}/follow', () => problem(422, 'You cannot follow yourself.'));
    render(<FollowButton userId="u2" name="Bo" following={false} onChange={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Follow Bo' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('You cannot follow yourself.');
  });
});
