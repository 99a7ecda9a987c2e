import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { isAbort } from '../api/problem';

export type AsyncState<T> =
  | { status: 'loading'; data: T | undefined; error: null }
  | { status: 'ok'; data: T; error: null }
  | { status: 'error'; data: T | undefined; error: unknown };

export interface AsyncResult<T> {
  state: AsyncState<T>;
  /** Runs the loader again (keeps showing the current data while it runs). */
  reload(): void;
  /** Replaces the data (after a write answered with the new resource). */
  set(data: T): void;
}

/**
 * Runs load(signal) when deps change; answers of superseded runs are dropped
 * and their requests aborted. With keepData, the previous data stays while
 * new deps load (search results while typing).
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  { keepData = false }: { keepData?: boolean } = {},
): AsyncResult<T> {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading', data: undefined, error: null });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ status: 'loading', data: tick || keepData ? s.data : undefined, error: null }));
    loadRef
      .current(ctrl.signal)
      .then((data) => {
        if (!ctrl.signal.aborted) setState({ status: 'ok', data, error: null });
      })
      .catch((error: unknown) => {
        if (!ctrl.signal.aborted && !isAbort(error)) setState((s) => ({ status: 'error', data: s.data, error }));
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const set = useCallback((data: T) => setState({ status: 'ok', data, error: null }), []);
  return { state, reload, set };
}
