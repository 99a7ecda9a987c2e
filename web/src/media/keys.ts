// The player's keyboard controls (as on the video sites people know).

export type PlayerAction =
  | { type: 'toggle-play' }
  | { type: 'seek'; by: number }
  | { type: 'volume'; by: number }
  | { type: 'fullscreen' }
  | { type: 'mute' };

export const SEEK_STEP = 10;
export const VOLUME_STEP = 0.1;

interface KeyLike {
  key: string;
  altKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  target?: EventTarget | null;
}

/** Fields where keys type text or move a choice; the player leaves those keys alone. */
function typesText(target: EventTarget | null | undefined): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  const el = target as HTMLElement;
  if (el.isContentEditable) return true;
  if (el.closest('select, textarea')) return true;
  const input = el.closest('input');
  return !!input && input.type !== 'range' && input.type !== 'button' && input.type !== 'checkbox';
}

/** The action for a key press, or null when the player should not handle it. */
export function playerAction(e: KeyLike): PlayerAction | null {
  if (e.altKey || e.ctrlKey || e.metaKey || typesText(e.target)) return null;
  switch (e.key) {
    case ' ':
    case 'Spacebar':
    case 'k':
      return { type: 'toggle-play' };
    case 'ArrowLeft':
      return { type: 'seek', by: -SEEK_STEP };
    case 'ArrowRight':
      return { type: 'seek', by: SEEK_STEP };
    case 'ArrowUp':
      return { type: 'volume', by: VOLUME_STEP };
    case 'ArrowDown':
      return { type: 'volume', by: -VOLUME_STEP };
    case 'f':
    case 'F':
      return { type: 'fullscreen' };
    case 'm':
    case 'M':
      return { type: 'mute' };
    default:
      return null;
  }
}

/** Clamps a seek target into the video. */
export function seekTarget(current: number, by: number, duration: number): number {
  const end = Number.isFinite(duration) && duration > 0 ? duration : Infinity;
  return Math.min(Math.max(0, current + by), end);
}

/** Volume after a step, in [0, 1] and rounded so ten steps land on 0 or 1 exactly. */
export function stepVolume(volume: number, by: number): number {
  return Math.round(Math.min(1, Math.max(0, volume + by)) * 100) / 100;
}

/** "1:02:03" or "2:03". */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
