/**
 * Browser-test harness: builds the editor when stale, starts the real server on a free port with a
 * fresh data dir, launches Debian's Chromium through playwright-core, and runs a local HTTP sink.
 * In CI a missing Chromium is an error, never a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { databaseEnvFor, discardData } from '../helpers/test-db.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'web/dist/index.html');
export const resultsDir = join(root, 'test-results');

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
export const chromiumPath = CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;

/** Locally, no Chromium means the browser tests are skipped; in CI it fails the run. */
export function browserAvailable(): boolean {
  if (chromiumPath) return true;
  if (process.env.CI) throw new Error(`Chromium not found (looked at ${CHROMIUM_CANDIDATES.join(', ')}); CI must install it (apt-get install chromium).`);
  return false;
}

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) if (entry !== 'node_modules') max = Math.max(max, newest(join(path, entry)));
  return max;
}

/**
 * Builds web/dist when it is missing or older than its sources (web/src, shared, index.html, vite
 * config). Under a lock file: the browser test runs in both test projects, maybe at once, and two
 * vite builds emptying one web/dist would serve each other's half-written editor.
 */
export function ensureWebBuilt(): void {
  const fresh = () => {
    const sources = Math.max(newest(join(root, 'web/src')), newest(join(root, 'shared')), newest(join(root, 'web/index.html')), newest(join(root, 'web/vite.config.ts')));
    return existsSync(dist) && statSync(dist).mtimeMs >= sources;
  };
  if (fresh()) return;
  const lock = join(root, 'node_modules/.cache/switchyard-web-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + 180_000; ; ) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A build takes well under a minute: a lock older than three is left by a killed process.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 180_000) rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`${lock} is still held`);
      Atomics.wait(wait, 0, 0, 200);
    }
  }
  try {
    if (fresh()) return; // built by whoever held the lock
    const r = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('vite build failed');
  } finally {
    rmSync(lock, { force: true });
  }
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export type RunningServer = { url: string; port: number; dataDir: string; logs: () => string; stop: () => Promise<void> };

export async function startServer(): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  const dbEnv = await databaseEnvFor(dataDir); // the postgres project: a PostgreSQL database of its own
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, PUBLIC_URL: url, LOG_LEVEL: 'warn', ...dbEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/api/health/ready`);
      if (res.ok) break;
    } catch {
      // Not listening yet (or still opening and migrating the database: readiness says 503); retried until the deadline.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy within 45 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  return {
    url,
    port,
    dataDir,
    logs: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      await discardData(dataDir);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium not found');
  return await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

export type SinkRequest = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
export type Sink = { url: string; requests: SinkRequest[]; waitFor: (pred: (r: SinkRequest) => boolean, timeoutMs?: number) => Promise<SinkRequest>; close: () => Promise<void> };

/** A local HTTP server standing in for a third-party API; it records every request and answers JSON. */
export async function startSink(): Promise<Sink> {
  const requests: SinkRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, received: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitFor(pred, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = requests.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`the sink saw no matching request; it saw: ${JSON.stringify(requests.map((r) => `${r.method} ${r.url}`))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `e2e-${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Brings the page to a signed-in state: creates the owner on a fresh install, else signs in. */
export async function signIn(page: Page, base: string, owner = { email: 'owner@example.com', password: 'correct horse battery' }): Promise<void> {
  await page.goto(base);
  const setup = page.getByRole('heading', { name: 'Create the owner account' });
  const login = page.getByRole('heading', { name: 'Sign in' });
  const home = page.getByRole('heading', { name: 'Workflows' });
  await setup.or(login).or(home).first().waitFor();
  if (await home.isVisible()) return;
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: (await setup.isVisible()) ? 'Create account' : 'Sign in' }).click();
  await home.waitFor();
}

/** Drags from a node's output handle to another node's input handle, as a person would. */
export async function dragConnect(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('handle not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
}
