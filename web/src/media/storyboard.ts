// The storyboard index: a WebVTT file whose cues name a region of the sprite
// image ("storyboard.jpg#xywh=160,0,160,90") for a span of the video.
//
// Written by hand: the browser's own WebVTT parser only hands out cues through
// a <track> on the video element (which hls.js manages), and the index is a
// short list of timestamps and media fragments; the npm WebVTT parsers are
// caption-oriented and unmaintained.

export interface StoryboardCue {
  start: number;
  end: number;
  /** absolute URL of the sprite image */
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** "hh:mm:ss.ttt" or "mm:ss.ttt" → seconds; NaN when it is neither. */
export function parseTimestamp(s: string): number {
  const m = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

/**
 * Parses the index; cue image URLs are resolved against base (the index's own
 * URL). Cues without a usable #xywh fragment are skipped.
 */
export function parseStoryboard(text: string, base: string): StoryboardCue[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (!/^WEBVTT(?:[ \t]|$)/.test(lines[0]?.replace(/^\uFEFF/, '') ?? '')) return [];
  const cues: StoryboardCue[] = [];
  for (let i = 1; i < lines.length; i++) {
    const timing = /^(\S+)[ \t]+-->[ \t]+(\S+)/.exec(lines[i]);
    if (!timing) continue;
    const start = parseTimestamp(timing[1]);
    const end = parseTimestamp(timing[2]);
    const payload = (lines[i + 1] ?? '').trim();
    i++;
    if (Number.isNaN(start) || Number.isNaN(end) || !payload) continue;
    const hash = payload.indexOf('#');
    const frag = hash >= 0 ? /(?:^|&)xywh=(?:pixel:)?(\d+),(\d+),(\d+),(\d+)(?:&|$)/.exec(payload.slice(hash + 1)) : null;
    if (!frag) continue;
    let url: string;
    try {
      url = new URL(payload.slice(0, hash), base).href;
    } catch {
      continue;
    }
    cues.push({ start, end, url, x: Number(frag[1]), y: Number(frag[2]), w: Number(frag[3]), h: Number(frag[4]) });
  }
  return cues;
}

/** The cue showing time t (cues are in order; the last one also covers times past its end). */
export function cueAt(cues: StoryboardCue[], t: number): StoryboardCue | null {
  if (cues.length === 0 || Number.isNaN(t)) return null;
  let lo = 0;
  let hi = cues.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cues[mid].start <= t) lo = mid;
    else hi = mid - 1;
  }
  return cues[lo].start <= t || lo === 0 ? cues[lo] : null;
}
