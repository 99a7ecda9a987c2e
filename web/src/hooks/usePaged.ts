import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { isAbort } from '../api/problem';

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface Paged<T> {
  items: T[];
  status: 'loading' | 'ok' | 'error';
  /** loading more (items stay shown) */
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

/** A cursor-paginated list: the first page when deps change, then more on demand. */
export function usePaged<T>(loadPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>, deps: DependencyList): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [status, setStatus] = useState<Paged<T>['status']>('loading');
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(loadPage);
  loadRef.current = loadPage;
  const ctrlRef = useRef<AbortController | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    ctrlRef.current = ctrl;
    setCursor(null); // the old list's position means nothing to the new one
    setStatus('loading');
    setError(null);
    loadRef
      .current(undefined, ctrl.signal)
      .then((page) => {
        if (ctrl.signal.aborted) return;
        setItems(page.items);
        setCursor(page.next_cursor ?? null);
        setStatus('ok');
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted || isAbort(err)) return;
        setItems([]);
        setError(err);
        setStatus('error');
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const ctrl = ctrlRef.current ?? new AbortController();
    setLoadingMore(true);
    setError(null);
    loadRef
      .current(cursor, ctrl.signal)
      .then((page) => {
        if (ctrl.signal.aborted) return;
        setItems((prev) => [...prev, ...page.items]);
        setCursor(page.next_cursor ?? null);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted && !isAbort(err)) setError(err);
      })
      .finally(() => setLoadingMore(false));
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { items, status, loadingMore, error, hasMore: !!cursor, loadMore, reload };
}
