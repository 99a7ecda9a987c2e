import type { FieldErrors } from '../../api/problem';

/** The messages for field and everything under it (genre_ids[2], cast[0].person_id), joined. */
export function errorFor(fields: FieldErrors, name: string): string | undefined {
  const hits = Object.entries(fields).filter(([f]) => f === name || f.startsWith(`${name}[`) || f.startsWith(`${name}.`));
  if (hits.length === 0) return undefined;
  return hits.map(([f, reason]) => (f === name ? reason : `${readableField(f)}: ${reason}`)).join('; ');
}

const FIELD_NAMES: Record<string, string> = {
  title: 'Title',
  original_title: 'Original title',
  overview: 'Overview',
  release_date: 'Release date',
  runtime_minutes: 'Runtime',
  maturity_rating: 'Maturity rating',
  languages: 'Language',
  poster_url: 'Poster URL',
  genre_ids: 'Genre',
  cast: 'Cast member',
  crew: 'Crew member',
  person_id: 'person',
  character: 'character',
  job: 'job',
  name: 'Name',
  birth_date: 'Birth date',
  nationality: 'Nationality',
  biography: 'Biography',
  photo_url: 'Photo URL',
};

/**
 * A field path of a problem document as people read it:
 * "languages[0]" → "Language 1", "cast[2].person_id" → "Cast member 3, person".
 */
export function readableField(path: string): string {
  const parts: string[] = [];
  for (const m of path.matchAll(/([a-z_]+)|\[(\d+)\]/g)) {
    if (m[1]) parts.push(FIELD_NAMES[m[1]] ?? m[1].replace(/_/g, ' '));
    else if (parts.length) parts[parts.length - 1] += ` ${Number(m[2]) + 1}`;
  }
  const [first = path, ...rest] = parts;
  return [first, ...rest].join(', ');
}

/** "" → null, for the nullable fields of a write. */
export function orNull(s: string): string | null {
  const t = s.trim();
  return t === '' ? null : t;
}
