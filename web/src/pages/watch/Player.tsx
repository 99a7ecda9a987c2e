import Hls from 'hls.js/light';
import { useCallback, useEffect, useRef, useState, type PointerEvent } from 'react';
import type { PlaybackSession, Video } from '../../api/client';
import { clock, playerAction, seekTarget, stepVolume, type PlayerAction } from '../../media/keys';
import { cueAt, parseStoryboard, type StoryboardCue } from '../../media/storyboard';
import { HEARTBEAT_MS, heartbeat, leave } from './session';

interface PlayerProps {
  movieId: string;
  title: string;
  session: PlaybackSession;
  video: Video | null;
  /** asks for a new session (after this one was stopped) */
  onRestart(): void;
}

interface LevelChoice {
  index: number;
  height: number;
}

// React's development StrictMode mounts, unmounts and mounts again: a leave
// scheduled by the first unmount is cancelled by the second mount, so it does
// not end the session the page goes on using.
const pendingLeaves = new Map<string, ReturnType<typeof setTimeout>>();

// A resume point this close to the end starts the film over.
const START_OVER_SHARE = 0.95;

const STOPPED = 'Playback stopped on this screen: the session ended (another screen took it over, or it expired).';

export function Player({ movieId, title, session, video, onRestart }: PlayerProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  // until playback has begun, the position to report is the stored one (the
  // element says 0 while it loads)
  const begun = useRef(false);
  const over = useRef(false);
  const resume = session.resume_position_seconds > 0 ? session.resume_position_seconds : 0;

  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(resume);
  const [duration, setDuration] = useState(video?.duration_seconds ?? 0);
  const [volume, setVolume] = useState(1);
  const [muted, setMuted] = useState(false);
  const [levels, setLevels] = useState<LevelChoice[]>([]);
  const [level, setLevel] = useState(-1);
  const [shownLevel, setShownLevel] = useState(-1);
  const [stopped, setStopped] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fullscreen, setFullscreen] = useState(false);

  // The element's last reported time: when the player unmounts (a link to
  // another page), the element is detached before the lease's cleanup asks.
  const lastTime = useRef(resume);
  const position = useCallback(() => {
    if (!begun.current) return resume;
    return videoRef.current ? videoRef.current.currentTime : lastTime.current;
  }, [resume]);

  const stop = useCallback((message: string) => {
    over.current = true;
    hlsRef.current?.destroy();
    hlsRef.current = null;
    videoRef.current?.pause();
    setStopped(message);
  }, []);

  // the stream
  useEffect(() => {
    const el = videoRef.current;
    if (!el) return;
    const url = session.manifest_url;
    const play = () => el.play().catch(() => undefined); // autoplay refused: the viewer presses play
    if (Hls.isSupported()) {
      // No worker: the renditions are fMP4, there is nothing to transmux, and
      // the page's CSP does not allow blob: workers.
      const hls = new Hls({ startPosition: resume > 0 ? resume : -1, enableWorker: false });
      hlsRef.current = hls;
      let networkRetries = 0;
      hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
        setLevels(data.levels.map((l, index) => ({ index, height: l.height })));
        void play();
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => setShownLevel(data.level));
      hls.on(Hls.Events.FRAG_LOADED, () => (networkRetries = 0));
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data.fatal) return;
        const code = data.response?.code ?? 0;
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (code === 403 || code === 410)) {
          stop(STOPPED); // the token was refused: session ended or revoked
        } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && networkRetries++ < 3) {
          hls.startLoad();
        } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
        } else {
          stop(`The video could not be played (${data.details}).`);
        }
      });
      hls.loadSource(url);
      hls.attachMedia(el);
    } else if (el.canPlayType('application/vnd.apple.mpegurl')) {
      // Safari plays HLS itself (no quality menu there)
      el.src = url;
      el.addEventListener('loadedmetadata', () => (el.currentTime = resume), { once: true });
      void play();
    } else {
      setError('This browser cannot play streaming video (it has no Media Source Extensions).');
    }
    return () => {
      hlsRef.current?.destroy();
      hlsRef.current = null;
    };
  }, [session.manifest_url, resume, stop]);

  // the lease: heartbeats with the position, the last one and the end when the viewer leaves
  useEffect(() => {
    const id = session.session_id;
    const pending = pendingLeaves.get(id);
    if (pending) clearTimeout(pending);
    pendingLeaves.delete(id);
    let alive = true;
    const beat = async () => {
      if (over.current) return;
      if ((await heartbeat(id, position())) === 'ended' && alive) stop(STOPPED);
    };
    const timer = setInterval(beat, HEARTBEAT_MS);
    const el = videoRef.current;
    el?.addEventListener('pause', beat);
    const onHide = () => {
      if (!over.current) void leave(id, position());
    };
    // back from the back-forward cache: the session was ended when the page was hidden
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) onRestart();
    };
    window.addEventListener('pagehide', onHide);
    window.addEventListener('pageshow', onShow);
    return () => {
      alive = false;
      clearInterval(timer);
      el?.removeEventListener('pause', beat);
      window.removeEventListener('pagehide', onHide);
      window.removeEventListener('pageshow', onShow);
      if (over.current) return;
      const at = position();
      pendingLeaves.set(
        id,
        setTimeout(() => {
          pendingLeaves.delete(id);
          void leave(id, at);
        }, 0),
      );
    };
  }, [session.session_id, position, stop, onRestart]);

  const apply = useCallback((a: PlayerAction) => {
    const el = videoRef.current;
    if (!el || over.current) return;
    switch (a.type) {
      case 'toggle-play':
        if (el.paused) void el.play().catch(() => undefined);
        else el.pause();
        break;
      case 'seek':
        el.currentTime = seekTarget(el.currentTime, a.by, el.duration);
        break;
      case 'volume':
        el.volume = stepVolume(el.volume, a.by);
        if (el.volume > 0) el.muted = false;
        break;
      case 'mute':
        el.muted = !el.muted;
        break;
      case 'fullscreen':
        if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
        else void boxRef.current?.requestFullscreen?.().catch(() => undefined);
        break;
    }
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const a = playerAction(e);
      if (!a) return;
      e.preventDefault();
      apply(a);
    };
    const onFs = () => setFullscreen(document.fullscreenElement === boxRef.current);
    window.addEventListener('keydown', onKey);
    document.addEventListener('fullscreenchange', onFs);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('fullscreenchange', onFs);
    };
  }, [apply]);

  const chooseLevel = (index: number) => {
    setLevel(index);
    // currentLevel switches now (drops what is buffered at the old quality); -1 is automatic
    if (hlsRef.current) hlsRef.current.currentLevel = index;
  };

  const heights = [...levels].sort((a, b) => b.height - a.height);
  const shownHeight = levels[shownLevel]?.height;

  return (
    <div className={`player${fullscreen ? ' is-fullscreen' : ''}`} ref={boxRef} data-testid="player">
      <video
        ref={videoRef}
        className="player-video"
        playsInline
        poster={video?.poster_url ?? undefined}
        aria-label={title ? `${title} (video)` : 'Video'}
        data-testid="video"
        data-movie={movieId}
        onClick={() => apply({ type: 'toggle-play' })}
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onPlaying={() => (begun.current = true)}
        onSeeked={() => {
          if (videoRef.current && videoRef.current.currentTime > 0) begun.current = true;
        }}
        onLoadedMetadata={(e) => {
          const el = e.currentTarget;
          // the stored position was at the very end: start over
          if (resume > 0 && el.duration > 0 && resume >= el.duration * START_OVER_SHARE) el.currentTime = 0;
        }}
        onTimeUpdate={(e) => {
          lastTime.current = e.currentTarget.currentTime;
          setTime(e.currentTarget.currentTime);
        }}
        onDurationChange={(e) => Number.isFinite(e.currentTarget.duration) && setDuration(e.currentTarget.duration)}
        onVolumeChange={(e) => {
          setVolume(e.currentTarget.volume);
          setMuted(e.currentTarget.muted);
        }}
      />
      {(stopped || error) && (
        <div className="player-overlay" role="alert" data-testid="player-stopped">
          <p>{stopped ?? error}</p>
          {stopped && (
            <button type="button" className="button button-primary" onClick={onRestart}>
              Play here again
            </button>
          )}
        </div>
      )}
      <div className="player-controls">
        <button
          type="button"
          className="player-button"
          onClick={() => apply({ type: 'toggle-play' })}
          aria-label={playing ? 'Pause (space)' : 'Play (space)'}
          data-testid="player-toggle"
        >
          <Icon name={playing ? 'pause' : 'play'} />
        </button>
        <SeekBar time={time} duration={duration} thumbnailsUrl={video?.thumbnails_url ?? null} onSeek={(t) => videoRef.current && (videoRef.current.currentTime = t)} />
        <span className="player-time" data-testid="player-time">
          {clock(time)} / {clock(duration)}
        </span>
        <button type="button" className="player-button" onClick={() => apply({ type: 'mute' })} aria-label={muted ? 'Unmute (m)' : 'Mute (m)'} aria-pressed={muted}>
          <Icon name={muted || volume === 0 ? 'muted' : 'volume'} />
        </button>
        <input
          type="range"
          className="player-volume"
          min={0}
          max={1}
          step={0.05}
          value={muted ? 0 : volume}
          aria-label="Volume"
          onChange={(e) => {
            const el = videoRef.current;
            if (!el) return;
            el.volume = Number(e.target.value);
            el.muted = el.volume === 0;
          }}
        />
        {levels.length > 0 && (
          <select className="player-quality" aria-label="Quality" value={level} onChange={(e) => chooseLevel(Number(e.target.value))} data-testid="quality">
            <option value={-1}>{`Auto${level === -1 && shownHeight ? ` (${shownHeight}p)` : ''}`}</option>
            {heights.map((l) => (
              <option key={l.index} value={l.index}>
                {`${l.height}p`}
              </option>
            ))}
          </select>
        )}
        <button type="button" className="player-button" onClick={() => apply({ type: 'fullscreen' })} aria-label={fullscreen ? 'Exit full screen (f)' : 'Full screen (f)'}>
          <Icon name="fullscreen" />
        </button>
      </div>
    </div>
  );
}

const ICONS = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zM14 5h4v14h-4z',
  volume: 'M3 9v6h4l5 5V4L7 9H3zM14.5 8.5a4.5 4.5 0 0 1 0 7v-2a2.5 2.5 0 0 0 0-3zM14.5 4.5a8.5 8.5 0 0 1 0 15v-2a6.5 6.5 0 0 0 0-11z',
  muted: 'M3 9v6h4l5 5V4L7 9H3zM15 9.4l1.4-1.4 2.1 2.1 2.1-2.1 1.4 1.4-2.1 2.1 2.1 2.1-1.4 1.4-2.1-2.1-2.1 2.1-1.4-1.4 2.1-2.1z',
  fullscreen: 'M4 4h6v2H6v4H4zM14 4h6v6h-2V6h-4zM4 14h2v4h4v2H4zM18 14h2v6h-6v-2h4z',
};

// Drawn icons: the emoji ones are missing from many systems' fonts.
function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={ICONS[name]} />
    </svg>
  );
}

/** The seek bar, with the storyboard frame of the time under the pointer. */
function SeekBar({ time, duration, thumbnailsUrl, onSeek }: { time: number; duration: number; thumbnailsUrl: string | null; onSeek(t: number): void }) {
  const [cues, setCues] = useState<StoryboardCue[]>([]);
  const [hover, setHover] = useState<{ x: number; width: number; t: number } | null>(null);

  useEffect(() => {
    if (!thumbnailsUrl) return;
    const ctrl = new AbortController();
    const url = new URL(thumbnailsUrl, window.location.href).href;
    fetch(url, { signal: ctrl.signal, credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : ''))
      .then((text) => setCues(parseStoryboard(text, url)))
      .catch(() => undefined); // no previews: the bar still seeks
    return () => ctrl.abort();
  }, [thumbnailsUrl]);

  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    if (box.width <= 0 || !(duration > 0)) return;
    const x = Math.min(Math.max(0, e.clientX - box.left), box.width);
    setHover({ x, width: box.width, t: (x / box.width) * duration });
  };

  const cue = hover ? cueAt(cues, hover.t) : null;
  const previewWidth = cue?.w ?? 64;
  return (
    <div className="player-seek" onPointerMove={onMove} onPointerLeave={() => setHover(null)} data-cues={cues.length}>
      <input
        type="range"
        min={0}
        max={duration || 0}
        step={0.1}
        value={Math.min(time, duration || 0)}
        aria-label="Seek"
        aria-valuetext={`${clock(time)} of ${clock(duration)}`}
        onChange={(e) => onSeek(Number(e.target.value))}
        data-testid="seek"
      />
      {hover && (
        <div
          className="storyboard"
          data-testid="storyboard"
          aria-hidden="true"
          ref={(el) => {
            if (!el) return;
            // inline styles through the DOM: the page's CSP allows no style attributes
            el.style.left = `${Math.min(Math.max(0, hover.x - previewWidth / 2), Math.max(0, hover.width - previewWidth))}px`;
            el.style.width = `${previewWidth}px`;
          }}
        >
          {cue && (
            <div
              className="storyboard-frame"
              data-testid="storyboard-frame"
              ref={(el) => {
                if (!el) return;
                el.style.width = `${cue.w}px`;
                el.style.height = `${cue.h}px`;
                el.style.backgroundImage = `url("${cue.url.replace(/"/g, '%22')}")`;
                el.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
              }}
            />
          )}
          <span className="storyboard-time">{clock(hover.t)}</span>
        </div>
      )}
    </div>
  );
}
