import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, me, signIn } from '../../test/api';
import { renderAt } from '../../test/render';
import { OrderPage } from './OrderPage';
import { Plans } from './Plans';
import { SubscriptionPanel } from './SubscriptionPanel';

const plan = (over: Record<string, unknown> = {}) => ({
  id: 'p1', slug: 'standard', name: 'Standard', description: 'Two screens.', price: { amount: 1549, currency: 'USD' }, interval: 'month',
  max_height: 1080, max_streams: 2, includes_new_titles: true, archived_at: null, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  ...over,
});
const order = (status: string, over: Record<string, unknown> = {}) => ({
  id: 'o1', user_id: 'u1', plan_id: 'p1', status, amount: 1549, currency: 'USD', provider: 'sandbox', failure_reason: null,
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', ...over,
});
const sub = (over: Record<string, unknown> = {}) => ({
  id: 's1', user_id: 'u1', plan: plan(), status: 'active', current_period_start: '2026-01-01T00:00:00Z', current_period_end: '2026-02-01T00:00:00Z',
  cancel_at_period_end: false, grace_until: null, ...over,
});

describe('Plans', () => {
  it('shows what each plan gives and opens the checkout of the chosen one', async () => {
    signIn();
    const assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, assign });
    const fake = fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/plans', () => ({ items: [plan()] }))
      .on('POST /api/orders', () => ({ order: order('pending'), checkout_url: '/sandbox/checkout/cs_1' }));
    renderAt(<Plans />);
    expect(await screen.findByText('Full HD (1080p)')).toBeInTheDocument();
    expect(screen.getByText('2 screens at a time')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Choose Standard' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/sandbox/checkout/cs_1'));
    const post = fake.calls.find((c) => c.method === 'POST');
    expect(post?.body).toEqual({ plan_id: 'p1' });
    expect(post?.headers.get('Idempotency-Key')).toBeTruthy();
    vi.unstubAllGlobals();
  });
});

describe('OrderPage', () => {
  it('follows the order until it is final and shows why it failed', async () => {
    signIn();
    let n = 0;
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/orders/o1', () => (++n < 2 ? order('pending') : order('cancelled', { failure_reason: 'payment declined' })));
    renderAt(<OrderPage />, { route: '/account/orders/o1', path: '/account/orders/:id' });
    expect(await screen.findByText('Waiting for payment')).toBeInTheDocument();
    expect(await screen.findByText('Reason: payment declined')).toBeInTheDocument();
    expect(screen.getByTestId('order-status')).toHaveAttribute('data-status', 'cancelled');
  });
});

describe('SubscriptionPanel', () => {
  it('cancels at the period end and resumes', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/subscription', () => sub())
      .on('GET /api/orders', () => ({ items: [order('completed')], next_cursor: null }))
      .on('POST /api/subscription/cancel', () => sub({ cancel_at_period_end: true }))
      .on('POST /api/subscription/resume', () => sub());
    renderAt(<SubscriptionPanel />);
    expect(await screen.findByTestId('subscription-renews')).toHaveTextContent('Renews on');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel subscription' }));
    expect(await screen.findByTestId('subscription-ends')).toHaveTextContent('Ends on');
    await userEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(await screen.findByTestId('subscription-renews')).toBeInTheDocument();
    expect(screen.getByText(/Completed — your subscription is active/)).toBeInTheDocument();
  });

  it('offers the plans without a subscription', async () => {
    signIn();
    fakeApi()
      .on('GET /api/me', () => me())
      .on('GET /api/orders', () => ({ items: [], next_cursor: null }));
    renderAt(<SubscriptionPanel />);
    expect(await screen.findByRole('link', { name: 'Choose a plan' })).toHaveAttribute('href', '/plans');
  });
});
