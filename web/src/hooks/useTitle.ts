import { useEffect } from 'react';

/** Sets the document title ("Page — Marquee"). */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} — Marquee` : 'Marquee';
  }, [title]);
}
