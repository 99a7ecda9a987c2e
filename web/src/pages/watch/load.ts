// The player chunk, loaded by the /watch route and fetched ahead by a Play
// button that can be pressed (the click then waits for nothing but the API).
export const loadWatchPage = () => import('./WatchPage');
