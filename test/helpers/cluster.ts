/**
 * Multi-process tests on PostgreSQL (issue 11): real `node server/main.ts` processes of any role
 * sharing one fresh database and one ENCRYPTION_KEY, each with a DATA_DIR of its own; real HTTP on
 * loopback; a pg.Pool on the test database for counting rows. Nothing is mocked.
 *
 * @example
 *   const c = await startTestCluster('dedupe');
 *   const web = await c.spawn('web');
 *   await Promise.all([c.spawn('worker'), c.spawn('worker')]);
 *   const wf = await c.createWorkflow(web, { name: 'x', nodes: [...], edges: [...] });
 *   const sent = await sendHooks(wf.hookUrl(web), 100, { concurrency: 20 });
 *   await c.close();
 */
import { execFile, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, request } from 'undici';
import { asOwner, freshDatabase, ownerCommand, ownerId, postgresBin, type FreshDatabase } from './postgres.ts';
import { ownerKey, startServerProcess, type ServerProcess } from './process.ts';

export type Role = 'all' | 'web' | 'worker';

export type Member = ServerProcess & {
  role: Role;
  dataDir: string;
  pid: number;
  /** A LIKE pattern matching this process's lease_owner (`host:pid:token`) in the executions table. */
  ownerLike: string;
  alive(): boolean;
  /** Whether this process's log says it holds the trigger lock now (its last leadership line). */
  leading(): boolean;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop), and wait for the exit. */
  stop(): Promise<void>;
};

export type WorkflowDoc = { name: string; nodes: unknown[]; edges?: unknown[]; settings?: unknown };
export type Created = { id: string; version: number; triggers: Record<string, any>[]; hookUrl(m: Member, nodeIndex?: number): string };

export type TestCluster = {
  databaseUrl: string;
  encryptionKey: string;
  pool: pg.Pool;
  members: Member[];
  /** Starts a process of `role` on the shared database (own DATA_DIR, PORT 0, loopback). */
  spawn(role: Role, env?: Record<string, string>): Promise<Member>;
  /** The owner's API key, set up through the first web/all process asked (once per database). */
  apiKey(m: Member): Promise<string>;
  /** JSON over the API of `m` with the owner's key; throws on a status outside 2xx. */
  api<T = any>(m: Member, path: string, body?: unknown, method?: string): Promise<T>;
  /** Creates and activates a workflow through `m`'s API. */
  createWorkflow(m: Member, doc: WorkflowDoc, opts?: { activate?: boolean }): Promise<Created>;
  query<R extends pg.QueryResultRow = any>(sql: string, params?: unknown[]): Promise<R[]>;
  /** `SELECT count(*) …` → the number (the SQL must select one column, the count). */
  count(sql: string, params?: unknown[]): Promise<number>;
  /** The last lines of every member's output, for failure messages. */
  logs(lines?: number): string;
  /** SIGKILLs every member still running, ends the pool, drops the database, removes the data dirs. */
  close(): Promise<void>;
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `fn` until it returns something truthy, else throws naming `what` (and the last value seen,
 * and `context()` when given, e.g. the processes' logs).
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; everyMs?: number; context?: () => string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${seen})${opts.context ? `\n${opts.context()}` : ''}`);
    }
    await sleep(opts.everyMs ?? 100);
  }
}

/** 32 random bytes as 64 hex characters: a raw ENCRYPTION_KEY. */
export const newEncryptionKey = () => randomBytes(32).toString('hex');

const LEAD_ON = 'this process now runs schedules';
const LEAD_OFF = 'lost the trigger lock';

/**
 * A fresh database for this test and a way to start processes on it. `env` is given to every
 * process (before the per-spawn env).
 */
export async function startTestCluster(label: string, opts: { env?: Record<string, string>; databaseUrl?: string } = {}): Promise<TestCluster> {
  const db: FreshDatabase | undefined = opts.databaseUrl ? undefined : await freshDatabase(label);
  const databaseUrl = opts.databaseUrl ?? db!.url;
  const encryptionKey = newEncryptionKey();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, idleTimeoutMillis: 2000, allowExitOnIdle: true });
  // A database stopped or dropped under the pool must not crash the test process.
  pool.on('error', () => {});
  const members: Member[] = [];
  const dirs: string[] = [];
  let key: Promise<string> | undefined;

  async function spawn(role: Role, env: Record<string, string> = {}): Promise<Member> {
    const dataDir = mkdtempSync(join(tmpdir(), `switchyard-cluster-${role}-`));
    dirs.push(dataDir);
    const proc = await startServerProcess({
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEY: encryptionKey,
      SWITCHYARD_ROLE: role,
      DATA_DIR: dataDir,
      // 5 pooled + 4 dedicated connections a process: two test files of four or five processes
      // each stay within PostgreSQL's default max_connections (100).
      DATABASE_POOL_SIZE: '5',
      ...opts.env,
      ...env,
    }, { bundle: true, startTimeoutMs: 60_000 });
    let exited = false;
    void proc.exited.then(() => (exited = true));
    // Leadership from the log, line by line as it streams (the kept output is only a tail).
    let leadingNow = proc.output().lastIndexOf(LEAD_ON) > proc.output().lastIndexOf(LEAD_OFF);
    let carry = '';
    proc.child.stdout!.on('data', (d: Buffer) => {
      const text = carry + d.toString();
      const on = text.lastIndexOf(LEAD_ON);
      const off = text.lastIndexOf(LEAD_OFF);
      if (on > off) leadingNow = true;
      else if (off > on) leadingNow = false;
      carry = text.slice(-100);
    });
    const m: Member = {
      ...proc,
      role,
      dataDir,
      pid: proc.child.pid!,
      ownerLike: `%:${proc.child.pid}:%`,
      alive: () => !exited,
      leading: () => !exited && leadingNow,
      async kill() {
        if (!exited) proc.child.kill('SIGKILL');
        await proc.exited;
      },
      async stop() {
        if (!exited) proc.child.kill('SIGTERM');
        await proc.exited;
      },
    };
    members.push(m);
    return m;
  }
  // A test process that dies (a vitest timeout) leaves no server running on the database.
  const killAll = () => {
    for (const m of members) if (m.alive()) m.child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  async function apiKey(m: Member): Promise<string> {
    return (key ??= ownerKey(m.base));
  }

  async function api<T>(m: Member, path: string, body?: unknown, method?: string): Promise<T> {
    const k = await apiKey(m);
    const res = await fetch(m.base + path, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${k}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw new Error(`${method ?? (body === undefined ? 'GET' : 'POST')} ${path} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  async function createWorkflow(m: Member, doc: WorkflowDoc, o: { activate?: boolean } = {}): Promise<Created> {
    const created = await api<{ id: string; version: number }>(m, '/api/workflows', { edges: [], ...doc });
    const wf = o.activate === false ? await api<any>(m, `/api/workflows/${created.id}`) : await api<any>(m, `/api/workflows/${created.id}/activate`, {});
    return {
      id: created.id,
      version: wf.version,
      triggers: wf.triggers ?? [],
      hookUrl(target: Member, nodeIndex = 0) {
        const url = (wf.triggers ?? [])[nodeIndex]?.url as string | undefined;
        if (!url) throw new Error(`workflow ${created.id} has no webhook URL`);
        return url.replace(/^https?:\/\/[^/]+/, target.base);
      },
    };
  }

  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await pool.query<R>(sql, params)).rows;

  return {
    databaseUrl,
    encryptionKey,
    pool,
    members,
    spawn,
    apiKey,
    api,
    createWorkflow,
    query,
    async count(sql, params = []) {
      const rows = await query<Record<string, unknown>>(sql, params);
      return Number(Object.values(rows[0] ?? {})[0] ?? 0);
    },
    logs(lines = 15) {
      return members
        .map((m) => `--- ${m.role} pid ${m.pid}${m.alive() ? '' : ' (exited)'}:\n${m.output().trimEnd().split('\n').slice(-lines).join('\n')}`)
        .join('\n');
    },
    async close() {
      process.off('exit', killAll);
      await Promise.all(members.map((m) => m.kill()));
      await pool.end().catch(() => undefined);
      await db?.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Load: webhooks over real HTTP.

export type HookResult = { i: number; status: number; body: any; headers: Record<string, string | string[] | undefined>; sentAt: number; answeredAt: number; error?: string };

const agents = new Map<number, Agent>();
/** One keep-alive agent per concurrency level (reused across calls in a test process). */
function agentFor(concurrency: number): Agent {
  let a = agents.get(concurrency);
  if (!a) agents.set(concurrency, (a = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 10_000 })));
  return a;
}

/** One webhook; a connection failure (a killed process) is a result with status 0 and `error`. */
export async function sendHook(url: string, body: unknown, headers: Record<string, string> = {}, agent?: Agent): Promise<Omit<HookResult, 'i'>> {
  const sentAt = Date.now();
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      dispatcher: agent ?? agentFor(8),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    return { status: res.statusCode, body: parsed, headers: res.headers, sentAt, answeredAt: Date.now() };
  } catch (err) {
    return { status: 0, body: null, headers: {}, sentAt, answeredAt: Date.now(), error: (err as Error).message || String(err) };
  }
}

/**
 * Sends `n` webhooks (body `{n: i}` unless `body` says otherwise) with `concurrency` requests at
 * once, or until `stop()` says so; `target(i)` may pick a different URL per request (failover).
 */
export async function sendHooks(
  target: string | ((i: number) => string),
  n: number,
  opts: {
    concurrency?: number;
    body?: (i: number) => unknown;
    headers?: (i: number) => Record<string, string>;
    stop?: () => boolean;
    onResult?: (r: HookResult) => void;
    /** Each sender waits this long after each answer (a steady trickle rather than a flood). */
    pauseMs?: number;
  } = {},
): Promise<HookResult[]> {
  const concurrency = opts.concurrency ?? 50;
  const agent = agentFor(concurrency);
  const results: HookResult[] = [];
  let next = 0;
  const url = typeof target === 'string' ? () => target : target;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        if (opts.stop?.()) return;
        const i = next++;
        if (i >= n) return;
        const r = { i, ...(await sendHook(url(i), opts.body ? opts.body(i) : { n: i }, opts.headers?.(i) ?? {}, agent)) };
        results.push(r);
        opts.onResult?.(r);
        if (opts.pauseMs) await sleep(opts.pauseMs);
      }
    }),
  );
  return results.sort((a, b) => a.i - b.i);
}

/** Status → how many answers had it (0 = no answer: connection refused or cut). */
export function statusCounts(results: readonly { status: number }[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL cluster (for stopping and starting it under load): the recipe of
// test/helpers/postgres.ts — Debian's binaries run as `postgres`, a Unix socket only, fsync on.

export type PrivatePostgres = {
  url: string;
  dir: string;
  /** `pg_ctl stop -m fast`, waiting until it is down (asynchronous: the test's own load keeps running meanwhile). */
  stop(): Promise<void>;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>;
  /** Stops it (immediate) and removes its directory. */
  destroy(): void;
};

/** Whether a private cluster can be started here (Debian's PostgreSQL binaries are installed). */
export const canStartPrivatePostgres = () => postgresBin() !== undefined;

const isRoot = process.getuid?.() === 0;

/**
 * initdb + pg_ctl start in a new temp dir (its socket lives there too: nothing to collide with).
 * `stop()` is `pg_ctl stop -m fast` (waits), `start()` starts it again; `destroy()` stops and removes it.
 */
export function startPrivatePostgres(): PrivatePostgres {
  const bin = postgresBin();
  if (!bin) throw new Error('no /usr/lib/postgresql/*/bin/initdb to start a private cluster (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-private-'));
  if (isRoot) chownSync(dir, ownerId('-u'), ownerId('-g'));
  const port = 55433;
  const check = (r: SpawnSyncReturns<string>, what: string) => {
    if (r.status !== 0) {
      const log = join(dir, 'server.log');
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-8).join('\n') : '';
      throw new Error(`${what} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim()}\n${tail}`);
    }
  };
  check(asOwner(join(bin, 'initdb'), ['-D', dir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']), 'initdb');
  const options = `-c listen_addresses='' -k '${dir}' -p ${port} -c fsync=on`;
  const startArgs = ['start', '-w', '-t', '30', '-D', dir, '-l', join(dir, 'server.log'), '-o', options];
  const stopArgs = ['stop', '-w', '-m', 'fast', '-D', dir];
  check(asOwner(join(bin, 'pg_ctl'), startArgs), 'pg_ctl start');
  const ctl = async (args: string[], what: string) => {
    const [file, argv] = ownerCommand(join(bin, 'pg_ctl'), args);
    const r = await new Promise<SpawnSyncReturns<string>>((resolve) =>
      execFile(file, argv, { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, signal: null, pid: 0, output: [] } as SpawnSyncReturns<string>),
      ),
    );
    check(r, what);
  };
  return {
    url: `postgres://postgres@localhost:${port}/postgres?host=${encodeURIComponent(dir)}`,
    dir,
    start: () => ctl(startArgs, 'pg_ctl start'),
    stop: () => ctl(stopArgs, 'pg_ctl stop'),
    destroy() {
      if (asOwner(join(bin, 'pg_ctl'), ['status', '-D', dir]).status === 0) asOwner(join(bin, 'pg_ctl'), ['stop', '-w', '-m', 'immediate', '-D', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
