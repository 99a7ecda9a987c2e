// Build the marquee binary into a temporary directory and run it on a fresh
// data dir and a free port. Used by gen-api.mjs (to read /api/openapi.json)
// and by the end-to-end tests.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(webDir, '..');

/** Builds ./cmd/marquee into dir (the web app in web/dist is embedded as it is). */
export async function buildMarquee(dir) {
  const bin = path.join(dir, 'marquee');
  const started = Date.now();
  await run(process.env.GO || 'go', ['build', '-o', bin, './cmd/marquee'], {
    cwd: repoDir,
    env: { ...process.env, GOFLAGS: process.env.GOFLAGS || '-mod=mod' },
    maxBuffer: 16 << 20,
  });
  log(`built ${bin} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function log(msg) {
  process.stderr.write(`[marquee] ${msg}\n`);
}

/**
 * Starts `marquee serve` (with --demo when demo is true) and waits until
 * /readyz answers 200. MARQUEE_BIN names a binary to use instead of building one; env
 * adds variables (MARQUEE_SMTP_URL, ...). Returns {url, dataDir, bin, run(args), stop()}.
 */
export async function startMarquee({ demo = false, bin, quiet = true, env: extraEnv = {} } = {}) {
  const work = await mkdtemp(path.join(tmpdir(), 'marquee-web-'));
  bin = bin || process.env.MARQUEE_BIN || (await buildMarquee(work));
  const dataDir = path.join(work, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    MARQUEE_DATA_DIR: dataDir,
    MARQUEE_HTTP_ADDR: `127.0.0.1:${port}`,
    MARQUEE_LOG_LEVEL: process.env.MARQUEE_LOG_LEVEL || 'warn',
    ...extraEnv,
  };
  const args = ['serve', ...(demo ? ['--demo'] : [])];
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20000);
    if (!quiet) process.stderr.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const started = Date.now();
  for (;;) {
    if (exited) {
      throw new Error(`marquee serve exited (${JSON.stringify(exited)}) before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - started > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`marquee serve was not ready after 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`serving ${url} (data ${dataDir}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  return {
    url,
    dataDir,
    bin,
    output: () => output,
    /** Runs another marquee command on the same data dir (admin create, ...). */
    async run(cmdArgs) {
      const { stdout } = await run(bin, cmdArgs, { env });
      return stdout;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const deadline = Date.now() + 10_000;
        while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (!exited) child.kill('SIGKILL');
      }
      await rm(work, { recursive: true, force: true });
    },
  };
}
