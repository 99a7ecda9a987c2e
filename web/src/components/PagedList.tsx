import type { ReactNode } from 'react';
import type { Paged } from '../hooks/usePaged';
import { Empty, ErrorState, Loading } from './States';

interface PagedListProps<T> {
  list: Paged<T>;
  render(item: T): ReactNode;
  keyOf(item: T): string;
  empty: ReactNode;
  loadingLabel?: string;
  className?: string;
  testId?: string;
}

/** A list with its loading, empty and error states and a "Show more" button. */
export function PagedList<T>({ list, render, keyOf, empty, loadingLabel, className = 'plain-list', testId }: PagedListProps<T>) {
  if (list.status === 'loading') return <Loading label={loadingLabel} />;
  if (list.status === 'error') return <ErrorState error={list.error} onRetry={list.reload} />;
  if (list.items.length === 0) return <Empty>{empty}</Empty>;
  return (
    <>
      <ul className={className} data-testid={testId}>
        {list.items.map((item) => (
          <li key={keyOf(item)}>{render(item)}</li>
        ))}
      </ul>
      {list.error != null && <ErrorState error={list.error} onRetry={list.loadMore} title="Could not load more" />}
      {list.hasMore && (
        <button type="button" className="button button-quiet more" onClick={list.loadMore} disabled={list.loadingMore}>
          {list.loadingMore ? 'Loading…' : 'Show more'}
        </button>
      )}
    </>
  );
}
