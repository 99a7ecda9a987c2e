#!/usr/bin/env node
// The home page's JavaScript budget: what index.html loads before the app can
// render (the entry script and the chunks it preloads), gzipped, must stay
// under 300 KB. Lazy chunks (the admin pages) do not count. Run after
// `vite build` (npm run build does).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { webDir } from './marquee-server.mjs';

const BUDGET = 300 * 1024;
const dist = path.join(webDir, 'dist');
const html = await readFile(path.join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map((m) => m[1]);
if (initial.length === 0) {
  console.error('check-size: found no script in dist/index.html');
  process.exit(1);
}
const size = async (f) => gzipSync(await readFile(path.join(dist, f)), { level: 9 }).length;
let total = 0;
for (const f of initial) total += await size(f);
const all = (await readdir(path.join(dist, 'assets'))).filter((f) => f.endsWith('.js'));
const lazy = all.filter((f) => !initial.includes(`assets/${f}`));
let lazyTotal = 0;
for (const f of lazy) lazyTotal += await size(`assets/${f}`);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`home page JavaScript: ${kb(total)} gzipped in ${initial.length} file(s) (budget ${kb(BUDGET)}); lazy chunks: ${kb(lazyTotal)} in ${lazy.length} file(s)`);
if (total > BUDGET) {
  console.error('check-size: over budget: code-split what the home page does not need (React.lazy)');
  process.exit(1);
}
