/** Runs the real server as a child process (node --import tsx server/main.ts), for crash and browser tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseEnvFor } from './test-db.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = { child: ChildProcess; port: number; base: string; output: () => string; exited: Promise<number | null> };

export type StartOptions = {
  /**
   * Run a bundle of the current sources (esbuild, as `npm start` runs dist/server.mjs) instead of
   * TypeScript through tsx: starts in about a second instead of several, which matters to tests
   * that start dozens of processes. Built once per test process, into a file of its own.
   */
  bundle?: boolean;
  /** How long to wait for "switchyard listening" (default 30 s). */
  startTimeoutMs?: number;
};

let bundled: Promise<string> | undefined;

/** Bundles server/main.ts into node_modules/.cache (under the project root, where lib/paths.ts finds it), once per process. */
function serverBundle(): Promise<string> {
  return (bundled ??= (async () => {
    const { build } = await import('esbuild');
    const dir = join(root, 'node_modules/.cache/switchyard-test');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `server-${process.pid}.mjs`);
    await build({ entryPoints: [join(root, 'server/main.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
    process.on('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })());
}

/**
 * Starts server/main.ts with `env`. In the `postgres` test project, a server given a DATA_DIR and
 * no DATABASE_URL runs on the PostgreSQL database kept for that directory (a fresh one at its
 * first start, reused by a restart on it; see databaseEnvFor), so drop it with discardData(dataDir).
 */
export async function startServerProcess(env: Record<string, string>, opts: StartOptions = {}): Promise<ServerProcess> {
  const args = opts.bundle ? [await serverBundle()] : ['--import', 'tsx', 'server/main.ts'];
  const dbEnv = env.DATA_DIR && !env.DATABASE_URL ? await databaseEnvFor(env.DATA_DIR) : {};
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...dbEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // A busy process logs a lot (a line per execution): keep the newest few MB.
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 8_000_000) out = out.slice(-4_000_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // not left running behind a failed test
      reject(new Error(`server did not start:\n${out}`));
    }, opts.startTimeoutMs ?? 30_000);
    const onData = () => {
      const m = /"msg":"switchyard listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"switchyard listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(Number(m[1] ?? m[2]));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
  return { child, port, base: `http://127.0.0.1:${port}`, output: () => out, exited };
}

/** Sets up the owner on a fresh server and returns an API key. */
export async function ownerKey(base: string): Promise<string> {
  const setup = await fetch(`${base}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password: 'correct horse battery' }) });
  const cookie = setup.headers.get('set-cookie')!.split(';')[0]!;
  const key = await fetch(`${base}/api/api-keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: base }, body: '{"label":"test"}' });
  return ((await key.json()) as { key: string }).key;
}

/**
 * JSON calls to a server process with an API key: GET without a body, POST with one. `proc` is read
 * on every call, so the same function keeps working after a restart replaces the process.
 */
export function processApi(proc: () => ServerProcess, key: string): (path: string, body?: unknown) => Promise<any> {
  return (path, body) =>
    fetch(proc().base + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json());
}
