// hls.js's light build (no subtitles, alternate audio or DRM: Marquee's
// streams have none) ships no types of its own; they are the full build's.
declare module 'hls.js/light' {
  import Hls from 'hls.js';
  export default Hls;
}
