import { useEffect, useState } from 'react';

/** value, once it has stayed the same for ms milliseconds (initial until then; value itself by default). */
export function useDebounced<T>(value: T, ms: number, initial: T = value): T {
  const [settled, setSettled] = useState(initial);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}
