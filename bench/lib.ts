/** Benchmark plumbing: child servers on loopback, autocannon runs, RSS sampling, percentiles. */
import autocannon from 'autocannon';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export type Child = { child: ChildProcess; port: number; stop(): Promise<void> };

/** Forks a plain .mjs server that reports its port over IPC. */
export async function forkServer(script: string): Promise<Child> {
  const child = fork(script, [], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: any) => resolve(m.port));
    child.once('exit', (c) => reject(new Error(`${script} exited ${c}`)));
  });
  return { child, port, stop: () => stopChild(child) };
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts the real Switchyard server as `npm start` runs it (the dist/server.mjs bundle) and waits for its health check. */
export async function startSwitchyard(env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  const { buildServer, serverEnv } = (await import(join(root, 'scripts/build-server.mjs'))) as { buildServer(): Promise<string>; serverEnv: Record<string, string> };
  const bundle = await buildServer();
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, bundle], {
    cwd: root,
    env: { ...process.env, ...serverEnv, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; ; i++) {
    if (exited) throw new Error('switchyard exited during start');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health/ready`)).ok) break;
    } catch {
      // not listening yet, or still migrating (readiness answers 503 until the server is wired)
    }
    if (i > 300) throw new Error('switchyard did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

/** Samples a process's RSS every 200 ms; returns the max seen when stopped. */
export function sampleRss(pid: number): () => number {
  let max = rssMb(pid);
  const t = setInterval(() => {
    try {
      max = Math.max(max, rssMb(pid));
    } catch {
      // process gone: keep the max seen
    }
  }, 200);
  return () => (clearInterval(t), max);
}

/** Samples a file's size every 100 ms; returns the largest seen when stopped. */
export function sampleFileSize(path: string): () => number {
  let max = 0;
  const t = setInterval(() => {
    try {
      max = Math.max(max, statSync(path).size);
    } catch {
      // not created yet
    }
  }, 100);
  return () => (clearInterval(t), max);
}

/** `ok`: 2xx responses received (requests still in flight when the run ends are in none of these). */
export type LoadResult = { rps: number; p50: number; p99: number; non2xx: number; errors: number; total: number; ok: number };

export async function load(opts: { url: string; body?: string; method?: string; connections?: number; duration?: number; overallRate?: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const r = await autocannon({
    url: opts.url,
    method: (opts.method ?? 'POST') as 'POST',
    connections: opts.connections ?? 50,
    duration: opts.duration ?? 10,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: opts.body ?? '{"email":"a@b.co","plan":"pro","seats":3}',
  });
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    total: r.requests.total,
    ok: r['2xx'],
  };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Owner setup + API key on a fresh server. */
export async function apiKey(base: string): Promise<string> {
  const setup = await fetch(`${base}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'benchmark-password' }) });
  const cookie = setup.headers.get('set-cookie')!.split(';')[0]!;
  const r = await fetch(`${base}/api/api-keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: base }, body: '{"label":"bench"}' });
  return ((await r.json()) as { key: string }).key;
}

export async function createActive(base: string, key: string, doc: unknown): Promise<{ id: string; hookUrl: string }> {
  const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const wf = (await (await fetch(`${base}/api/workflows`, { method: 'POST', headers: h, body: JSON.stringify(doc) })).json()) as any;
  const act = (await (await fetch(`${base}/api/workflows/${wf.id}/activate`, { method: 'POST', headers: h })).json()) as any;
  if (!act.triggers) throw new Error(`activation failed: ${JSON.stringify(act)}`);
  return { id: wf.id, hookUrl: act.triggers[0].url.replace(/^http:\/\/[^/]+/, base) };
}

/**
 * An evenly paced load: one POST every 1000/rate ms (each sent on schedule, not after the last
 * answer), unlike autocannon's overallRate, which sends each connection's quota for the second
 * back to back at the start of every second. Returns each answer's latency (ms) and the failures.
 */
export async function paced(opts: { url: string; rate: number; duration: number; body?: string }): Promise<{ latencies: number[]; ok: number; failed: number }> {
  const body = opts.body ?? '{"email":"a@b.co","plan":"pro","seats":3}';
  const n = Math.round(opts.rate * opts.duration);
  const interval = 1000 / opts.rate;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    inflight.push(
      fetch(opts.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (res) => {
          await res.arrayBuffer();
          latencies.push(performance.now() - sent);
          if (res.ok) ok++;
          else failed++;
        },
        () => void failed++,
      ),
    );
  }
  await Promise.all(inflight);
  return { latencies, ok, failed };
}
