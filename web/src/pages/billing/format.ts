// Money and heights as the billing pages show them.
export function price(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount / 100);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency}`;
  }
}

export function quality(height: number): string {
  if (height >= 2160) return 'Ultra HD (2160p)';
  if (height >= 1080) return 'Full HD (1080p)';
  if (height >= 720) return 'HD (720p)';
  return `${height}p`;
}

export const TERMINAL = new Set(['completed', 'cancelled', 'refunded']);

export const STATUS_TEXT: Record<string, string> = {
  pending: 'Waiting for payment',
  paid: 'Paid — starting your subscription',
  completed: 'Completed — your subscription is active',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
};
