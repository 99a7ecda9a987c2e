import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useAsync } from '../hooks/useAsync';
import { MovieCard, type CardMovie } from './MovieCard';
import { Empty, ErrorState, Loading } from './States';

interface MovieRowProps {
  title: ReactNode;
  id: string;
  load: (signal: AbortSignal) => Promise<CardMovie[]>;
  /** load only once the row comes near the viewport */
  lazy?: boolean;
  empty?: ReactNode;
  testId?: string;
}

/** A titled, horizontally scrolling row of movie cards with its own loading, empty and error states. */
export function MovieRow({ title, id, load, lazy = false, empty = 'Nothing here yet.', testId }: MovieRowProps) {
  const ref = useRef<HTMLElement>(null);
  const [visible, setVisible] = useState(!lazy || typeof IntersectionObserver === 'undefined');

  useEffect(() => {
    if (visible || !ref.current) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setVisible(true);
      },
      { rootMargin: '300px 0px' },
    );
    io.observe(ref.current);
    return () => io.disconnect();
  }, [visible]);

  return (
    <section className="row" aria-labelledby={`${id}-title`} ref={ref} data-testid={testId}>
      <h2 id={`${id}-title`} className="row-title">
        {title}
      </h2>
      {visible ? <RowBody load={load} empty={empty} /> : <div className="row-placeholder" aria-hidden="true" />}
    </section>
  );
}

function RowBody({ load, empty }: { load: MovieRowProps['load']; empty: ReactNode }) {
  const { state, reload } = useAsync(load, []);
  if (state.status === 'loading') return <Loading label="Loading movies…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} title="Could not load this row" />;
  if (state.data.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="row-list">
      {state.data.map((m) => (
        <li key={m.id}>
          <MovieCard movie={m} />
        </li>
      ))}
    </ul>
  );
}
