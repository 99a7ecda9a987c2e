// Small formatting helpers shared by the pages.

export function year(date: string | null | undefined): string {
  return date ? date.slice(0, 4) : '';
}

export function longDate(date: string | null | undefined): string {
  if (!date) return '';
  const d = new Date(date.length === 10 ? `${date}T00:00:00Z` : date);
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleDateString('en', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

export function runtime(minutes: number | null | undefined): string {
  if (!minutes) return '';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `${h} h ${m} min` : `${m} min`;
}

export function rating(avg: number | null | undefined): string {
  return avg == null ? '–' : avg.toFixed(1);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}
