import { useState } from 'react';

/** A stable hue from a string (id), so a film keeps its placeholder colour. */
function hue(seed: string): number {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) >>> 0;
  return h % 360;
}

interface PosterProps {
  id: string;
  title: string;
  url?: string | null;
  /** size hint: card (rows and grids), large (movie page), thumb (lists) */
  size?: 'card' | 'large' | 'thumb';
  /** decorative when the title is shown next to it (the default) */
  decorative?: boolean;
  kind?: 'movie' | 'person';
}

/** The poster (or photo), or a coloured placeholder with the title when there is none or it fails to load. */
export function Poster({ id, title, url, size = 'card', decorative = true, kind = 'movie' }: PosterProps) {
  const [failed, setFailed] = useState(false);
  const className = `poster poster-${size}`;
  const alt = decorative ? '' : `${kind === 'movie' ? 'Poster of' : 'Photo of'} ${title}`;
  if (url && !failed) {
    return <img className={className} src={url} alt={alt} loading="lazy" decoding="async" onError={() => setFailed(true)} />;
  }
  const h = hue(id);
  return (
    <div
      className={`${className} poster-placeholder`}
      data-hue={h}
      role={decorative ? undefined : 'img'}
      aria-label={decorative ? undefined : alt}
      aria-hidden={decorative ? true : undefined}
      ref={(el) => {
        // CSP forbids style attributes, but not CSSOM: set the colours here.
        if (el) {
          el.style.setProperty('--h1', String(h));
          el.style.setProperty('--h2', String((h + 40) % 360));
        }
      }}
    >
      <span className="poster-initials">{kind === 'person' ? initials(title) : title}</span>
    </div>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join('');
}
