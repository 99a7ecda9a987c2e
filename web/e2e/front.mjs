// A stand-in for the gateway's web handler, used only while `marquee serve`
// does not serve the app at / yet (web.Handler() not mounted): it serves
// web/dist with the same rules as web.go (SPA fallback, no-cache index.html)
// and passes /api, /.well-known and /healthz to marquee untouched.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
};

export async function startFront({ distDir, upstream }) {
  const target = new URL(upstream);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://front');
    if (/^\/(api|\.well-known|healthz|readyz)(\/|$)/.test(url.pathname)) {
      const out = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(out);
      return;
    }
    let file = path.join(distDir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
    let cache = url.pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
    let st = await stat(file).catch(() => null);
    if (!st || !st.isFile() || path.basename(file).startsWith('.')) {
      if (url.pathname.startsWith('/assets/')) {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      file = path.join(distDir, 'index.html');
      cache = 'no-cache';
      st = await stat(file);
    }
    if (path.basename(file) === 'index.html') cache = 'no-cache';
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': cache, 'Content-Length': st.size });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
