// mailpit, a real SMTP server with an HTTP API to read what it received: the
// end-to-end run points MARQUEE_SMTP_URL at it and checks the mail the flows
// send. It is required, like Chromium: .ci/run installs it into GOBIN.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, log } from '../scripts/marquee-server.mjs';

const INSTALL = 'GOFLAGS= go install github.com/axllent/mailpit@v1.33.1';

/** The mailpit binary: $MAILPIT, on PATH, or in GOBIN / GOPATH/bin where `go install` puts it. */
function findMailpit() {
  const candidates = [];
  if (process.env.MAILPIT) candidates.push(process.env.MAILPIT);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'mailpit'));
  try {
    const [gobin, gopath] = execFileSync(process.env.GO || 'go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' }).split('\n');
    if (gobin) candidates.push(path.join(gobin, 'mailpit'));
    if (gopath) candidates.push(path.join(gopath.split(path.delimiter)[0], 'bin', 'mailpit'));
  } catch {
    /* no go: PATH only */
  }
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  throw new Error(`mailpit is not installed: the end-to-end run sends its mail to a real SMTP server. Install it with \`${INSTALL}\` (.ci/run does), or set MAILPIT to its path.`);
}

/**
 * Starts mailpit on two free loopback ports with a database of its own.
 * Returns {smtpURL, api, search(query), message(id), headers(id), stop()}.
 */
export async function startMailpit() {
  const bin = findMailpit();
  const work = await mkdtemp(path.join(tmpdir(), 'marquee-mailpit-'));
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${httpPort}`;
  const args = ['--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${httpPort}`, '--database', path.join(work, 'mailpit.db'), '--smtp-disable-rdns', '--quiet'];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  // not left behind when this process ends without stop() (a crash, process.exit)
  const reap = () => exited || child.kill('SIGKILL');
  process.on('exit', reap);
  const started = Date.now();
  for (;;) {
    if (exited) throw new Error(`mailpit exited (${JSON.stringify(exited)}) before it was ready:\n${output}`);
    const ok = await fetch(`${api}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - started > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`mailpit was not ready after 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`mailpit: SMTP 127.0.0.1:${smtpPort}, API ${api} (ready after ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const get = async (p) => {
    const res = await fetch(`${api}${p}`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`mailpit GET ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    smtpURL: `smtp://127.0.0.1:${smtpPort}`,
    api,
    /** Summaries of the messages matching a mailpit search (to:, subject:, ...), newest first. */
    search: async (query) => (await get(`/api/v1/search?limit=200&query=${encodeURIComponent(query)}`)).messages,
    /** One message: Subject, To, Text, HTML, ListUnsubscribe{Header, Links, HeaderPost}, ... */
    message: (id) => get(`/api/v1/message/${encodeURIComponent(id)}`),
    /** Its headers as {Name: [values]}. */
    headers: (id) => get(`/api/v1/message/${encodeURIComponent(id)}/headers`),
    async stop() {
      process.off('exit', reap);
      if (!exited) {
        child.kill('SIGTERM');
        const deadline = Date.now() + 5000;
        while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (!exited) child.kill('SIGKILL');
      }
      await rm(work, { recursive: true, force: true });
    },
  };
}
