import type { FieldErrors } from '../../api/problem';

/** The messages for field and everything under it (genre_ids[2], cast[0].person_id), joined. */
export function errorFor(fields: FieldErrors, name: string): string | undefined {
  const hits = Object.entries(fields).filter(([f]) => f === name || f.startsWith(`${name}[`) || f.startsWith(`${name}.`));
  if (hits.length === 0) return undefined;
  return hits.map(([f, reason]) => (f === name ? reason : `${f}: ${reason}`)).join('; ');
}

/** "" → null, for the nullable fields of a write. */
export function orNull(s: string): string | null {
  const t = s.trim();
  return t === '' ? null : t;
}
