/**
 * The PostgreSQL rows of `npm run bench -- --postgres` (issue 11), measured in the same run as the
 * SQLite rows. Each scenario gets a database of its own (CREATE DATABASE sy_bench_…, dropped at
 * the end) on the PostgreSQL named by BENCH_DATABASE_URL (default: postgres on 127.0.0.1:5432),
 * which shares this machine's cores with the servers and the load generator. Every server process
 * runs as `npm start` runs it (the dist/server.mjs bundle, LOG_LEVEL=warn), with one DATABASE_URL
 * and one ENCRYPTION_KEY shared by all of them, and SWITCHYARD_ROLE all, web or worker.
 *
 * Scenarios (names for --only=): pg-ack, pg-e2e, pg-latency; --only=pg runs all three.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CHANNELS } from '../server/db/store.ts';
import { apiKey, createActive, forkServer, load, paced, percentile, root, startSwitchyard, type Child } from './lib.ts';

export type Add = (scenario: string, metric: string, value: number | string, aim?: string) => void;
/** `sqlite`: this run's SQLite ack and end-to-end figures, when measured, for a same-run share. */
export type PgBenchOptions = { duration: number; quick: boolean; want(name: string): boolean; add: Add; sqlite?: { ack?: number | undefined; e2e?: number | undefined } };
const share = (v: number, of: number | undefined) => (of ? `${Math.round((v / of) * 100)}%` : undefined);

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The two workflows of the SQLite scenarios, unchanged. */
export const ACK_WORKFLOW = {
  name: 'ack bench',
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: {} },
    { id: 'shape', type: 'data.transform', config: { expression: '{ "email": input.body.email, "plan": input.body.plan }' } },
  ],
  edges: [{ id: 'e', source: 'hook', target: 'shape' }],
};
export const e2eWorkflow = (sinkPort: number) => ({
  name: 'e2e bench',
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: {} },
    { id: 'shape', type: 'data.transform', config: { expression: '{ "email": input.body.email, "receivedAt": input.receivedAt }' } },
    { id: 'send', type: 'action.http', config: { method: 'POST', url: `http://127.0.0.1:${sinkPort}/in`, body: '{{ input }}' } },
  ],
  edges: [
    { id: 'a', source: 'hook', target: 'shape' },
    { id: 'b', source: 'shape', target: 'send' },
  ],
});

export type Bench = { name: string; url: string; db: pg.Client };

/** A fresh database for one scenario, dropped afterwards (WITH FORCE: whatever is still connected). */
export async function withDatabase<T>(tag: string, fn: (b: Bench) => Promise<T>): Promise<T> {
  const name = `sy_bench_${tag}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(ADMIN_URL);
    u.pathname = `/${name}`;
    const db = new pg.Client({ connectionString: u.href });
    await db.connect();
    try {
      return await fn({ name, url: u.href, db });
    } finally {
      await db.end().catch(() => undefined);
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

export type Role = 'all' | 'web' | 'worker';
export type Proc = Child & { role: Role };
export type Processes = { procs: Proc[]; base: string; stop(): Promise<void> };

/**
 * Starts one process per role on `url`, the first alone (it migrates), the others together.
 * `base` is the first process's address (an `all` or `web` one). `nodeArgs` go to the roles named.
 */
export async function startRoles(url: string, roles: Role[], opts: { nodeArgs?: Partial<Record<Role, string[]>> } = {}): Promise<Processes> {
  const key = randomBytes(32).toString('hex');
  const dirs: string[] = [];
  const procs: Proc[] = [];
  const one = async (role: Role): Promise<Proc> => {
    const dir = mkdtempSync(join(tmpdir(), `switchyard-bench-pg-${role}-`));
    dirs.push(dir);
    const env = { DATABASE_URL: url, ENCRYPTION_KEY: key, SWITCHYARD_ROLE: role, DATA_DIR: dir, LOG_LEVEL: 'warn' };
    const p = { ...(await startSwitchyard(env, opts.nodeArgs?.[role] ?? [])), role };
    procs.push(p);
    return p;
  };
  const stop = async () => {
    // Ingest first, then the workers (each gives its leases back as it stops).
    for (const p of procs.filter((x) => x.role !== 'worker')) await p.stop();
    await Promise.all(procs.filter((x) => x.role === 'worker').map((p) => p.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    const first = await one(roles[0]!);
    await Promise.all(roles.slice(1).map(one));
    return { procs, base: `http://127.0.0.1:${first.port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * One scenario for the dissecting tools (pg-probe.ts, pg-statements.ts, profile-pg.ts): `roles` on
 * the scenario's database, webhook → transform (→ a local sink when `e2e`), a 2 s warm-up at
 * `warmRate` drained; then `fn`, and everything stopped whatever happens.
 */
export async function withScenario<T>(
  b: Bench,
  o: { e2e: boolean; roles: Role[]; warmRate: number; nodeArgs?: Partial<Record<Role, string[]>> },
  fn: (s: { sy: Processes; hookUrl: string }) => Promise<T>,
): Promise<T> {
  const sink = o.e2e ? await forkServer(join(root, 'bench/servers/sink.mjs')) : undefined;
  const sy = await startRoles(b.url, o.roles, o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}).catch(async (err: unknown) => {
    await sink?.stop();
    throw err;
  });
  try {
    const key = await apiKey(sy.base);
    const { hookUrl } = await createActive(sy.base, key, sink ? e2eWorkflow(sink.port) : ACK_WORKFLOW);
    await load({ url: hookUrl, duration: 2, overallRate: o.warmRate, connections: 10 });
    await drain(b.db);
    return await fn({ sy, hookUrl });
  } finally {
    await sy.stop();
    await sink?.stop();
  }
}

const int = async (db: pg.Client, sql: string, values: unknown[] = []) => Number((await db.query(sql, values)).rows[0]?.n ?? 0);

/** Waits until no execution is queued or running; returns how long that took (ms). */
export async function drain(db: pg.Client, timeoutMs = 180_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if ((await int(db, `SELECT count(*)::int AS n FROM executions WHERE status IN ('queued', 'running')`)) === 0) break;
    await sleep(50);
  }
  return performance.now() - t0;
}

/** CPU seconds (user + system) of a process from /proc, or undefined if it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks; CLK_TCK is 100 on Linux
  } catch {
    return undefined;
  }
}

/** Microseconds some runnable task waited for a CPU (PSI), machine-wide; undefined without PSI. */
function cpuStallUs(): number | undefined {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

/** Every PostgreSQL process: the backends of all databases, the WAL writer, the checkpointer, … */
function postgresPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU use over a window, as % of one core: each server process, PostgreSQL (only the backends of
 * this scenario's database and the server-wide processes: WAL writer, checkpointer, …; not other
 * databases' sessions) and this process (the load generator). Also the transactions committed in
 * this database and the server's WAL flushes (those are server-wide).
 */
export async function sampleWindow(b: Bench, procs: Proc[]) {
  const pgOurs = async () => {
    const { rows } = await b.db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE (datname = $1 AND pid <> pg_backend_pid()) OR datname IS NULL`, [b.name]);
    const ours = new Set(rows.map((r) => r.pid));
    return postgresPids().filter((p) => ours.has(p));
  };
  const counters = async () => {
    const r = (
      await b.db.query(
        `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = $1)::float8 AS commits, wal_sync::float8 AS syncs FROM pg_stat_wal`,
        [b.name],
      )
    ).rows[0] as { commits: number; syncs: number };
    return r;
  };
  const pgStart = new Map((await pgOurs()).map((p) => [p, cpuSeconds(p) ?? 0]));
  const procStart = procs.map((p) => cpuSeconds(p.child.pid!) ?? 0);
  const self0 = process.cpuUsage();
  const stall0 = cpuStallUs();
  const c0 = await counters();
  const t0 = performance.now();
  /** `per`: executions to divide CPU by, for the `perExecution` line (µs of CPU per execution). */
  return async (per?: number) => {
    const secs = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const stall1 = cpuStallUs();
    const procEnd = procs.map((p, i) => (cpuSeconds(p.child.pid!) ?? procStart[i]!) - procStart[i]!);
    let pgCpu = 0;
    for (const p of new Set([...pgStart.keys(), ...(await pgOurs())])) pgCpu += Math.max(0, (cpuSeconds(p) ?? pgStart.get(p) ?? 0) - (pgStart.get(p) ?? 0));
    // Backends report their counters about once a second: wait for the window's last ones.
    await sleep(1100);
    const c1 = await counters();
    const pct = (s: number) => Math.round((s / secs) * 100);
    const names = procs.map((p, i) => `${p.role}${procs.filter((q) => q.role === p.role).length > 1 ? ` ${procs.slice(0, i + 1).filter((q) => q.role === p.role).length}` : ''}`);
    const loadGen = (self.user + self.system) / 1e6;
    const us = (v: number) => Math.round((v * 1e6) / Math.max(1, per ?? 1));
    return {
      perExecution: [...names.map((n, i) => `${n} ${us(procEnd[i]!)}`), `PostgreSQL ${us(pgCpu)}`, `load gen ${us(loadGen)}`].join(' / '),
      /** Two cores' worth of CPU divided by what one execution costs in all (load generator included). */
      capacity: Math.round((2 * Math.max(1, per ?? 1)) / (procEnd.reduce((a, b) => a + b, 0) + pgCpu + loadGen)),
      cpu: [...names.map((n, i) => `${n} ${pct(procEnd[i]!)}`), `PostgreSQL ${pct(pgCpu)}`, `load gen ${pct(loadGen)}`].join(' / '),
      /** Share of the window in which some runnable task waited for a core (this run's or anyone's). */
      stall: stall0 === undefined || stall1 === undefined ? '—' : `${Math.round((stall1 - stall0) / 1e4 / secs)}%`,
      commitsPerSecond: Math.round((c1.commits - c0.commits) / secs),
      walSyncsPerSecond: Math.round((c1.syncs - c0.syncs) / secs),
    };
  };
}

const S_ACK = '7. PostgreSQL webhook ack';
const S_E2E = '8. PostgreSQL end to end';
const S_LAT = '9. PostgreSQL commit → start';

/** Webhook → transform in one `all` process: the SQLite ack scenario's workflow and load. */
async function pgAck(o: PgBenchOptions): Promise<void> {
  await withDatabase('ack', async (b) => {
    const sy = await startRoles(b.url, ['all']);
    try {
      const key = await apiKey(sy.base);
      const { hookUrl } = await createActive(sy.base, key, ACK_WORKFLOW);
      await sleep(1000);
      const window = await sampleWindow(b, sy.procs);
      const whole = await sampleWindow(b, sy.procs);
      const r = await load({ url: hookUrl, duration: o.duration });
      const w = await window();
      o.add(S_ACK, 'accepted req/s, 1 all (202 after COMMIT)', r.rps, '≥ 2,000');
      const ofSqlite = share(r.rps, o.sqlite?.ack);
      if (ofSqlite) o.add(S_ACK, 'share of this run’s SQLite ack', ofSqlite);
      o.add(S_ACK, 'latency p50 / p99 ms', `${r.p50} / ${r.p99}`);
      o.add(S_ACK, 'non-2xx + errors', r.non2xx + r.errors, '0');
      o.add(S_ACK, 'CPU % of a core; time a task waited for a core', `${w.cpu}; ${w.stall}`);
      o.add(S_ACK, 'transactions / WAL flushes per s', `${w.commitsPerSecond} / ${w.walSyncsPerSecond}`);
      await drain(b.db);
      const stored = await int(b.db, `SELECT count(*)::int AS n FROM executions WHERE status = 'success'`);
      const all = await whole(stored);
      o.add(S_ACK, 'successful executions / 202s received', `${stored} / ${r.ok}`, 'every 202 stored');
      o.add(S_ACK, 'CPU µs per execution (load + drain)', all.perExecution);
      o.add(S_ACK, '2 cores ÷ that: executions/s if alone', all.capacity);
    } finally {
      await sy.stop();
    }
  });
}

/**
 * Webhook → transform → HTTP request to the local sink, 1 `web` + `workers` `worker` processes,
 * at saturation (50 connections). Finished per second comes from the database: success rows whose
 * finished_at lies in the load window, counted once the backlog has drained.
 */
async function pgEndToEnd(o: PgBenchOptions, workers: number): Promise<void> {
  await withDatabase(`e2e${workers}`, async (b) => {
    const sink = await forkServer(join(root, 'bench/servers/sink.mjs'));
    const sy = await startRoles(b.url, ['web', ...Array<Role>(workers).fill('worker')]).catch(async (err) => {
      await sink.stop();
      throw err;
    });
    const label = `1 web + ${workers} worker${workers > 1 ? 's' : ''}`;
    try {
      const key = await apiKey(sy.base);
      const { hookUrl } = await createActive(sy.base, key, e2eWorkflow(sink.port));
      // Warm-up (discarded): JIT in every process, keep-alive connections to the sink, pools.
      await load({ url: hookUrl, duration: 3, overallRate: 300, connections: 10 });
      await drain(b.db);
      const window = await sampleWindow(b, sy.procs);
      const whole = await sampleWindow(b, sy.procs);
      const t0 = Date.now();
      const sat = await load({ url: hookUrl, duration: o.duration });
      const t1 = Date.now();
      const backlog = await int(b.db, `SELECT count(*)::int AS n FROM executions WHERE status IN ('queued', 'running')`);
      const w = await window();
      await drain(b.db);
      const { rows } = await b.db.query<{ inwin: number; total: number; failed: number; last: number }>(
        `SELECT count(*) FILTER (WHERE status = 'success' AND finished_at BETWEEN $1 AND $2)::int AS inwin,
                count(*) FILTER (WHERE status = 'success')::int AS total,
                count(*) FILTER (WHERE status <> 'success')::int AS failed,
                max(finished_at)::float8 AS last
           FROM executions WHERE created_at >= $1`,
        [t0, t1],
      );
      const r = rows[0]!;
      const all = await whole(r.total);
      const perSecond = Math.round(r.inwin / ((t1 - t0) / 1000));
      o.add(S_E2E, `executions finished/s, ${label}`, perSecond, '≥ 1,000');
      const ofSqlite = share(perSecond, o.sqlite?.e2e);
      if (ofSqlite) o.add(S_E2E, `  share of this run’s SQLite end to end`, ofSqlite);
      o.add(S_E2E, `  accepted/s; p50 / p99 ack ms`, `${sat.rps}; ${sat.p50} / ${sat.p99}`);
      o.add(S_E2E, `  backlog at load end; drained/s after`, `${backlog}; ${r.last > t1 ? Math.round((r.total - r.inwin) / ((r.last - t1) / 1000)) : '—'}`);
      o.add(S_E2E, `  successful / 202s; failed; errors`, `${r.total} / ${sat.ok}; ${r.failed}; ${sat.non2xx + sat.errors}`, 'all, 0, 0');
      o.add(S_E2E, `  CPU % of a core; waited for a core`, `${w.cpu}; ${w.stall}`);
      o.add(S_E2E, `  transactions / WAL flushes per s`, `${w.commitsPerSecond} / ${w.walSyncsPerSecond}`);
      o.add(S_E2E, `  CPU µs per execution (load + drain)`, all.perExecution);
      o.add(S_E2E, `  2 cores ÷ that: executions/s if alone`, all.capacity);
    } finally {
      await sy.stop();
      await sink.stop();
    }
  });
}

/**
 * Commit → start with an idle worker: 1 `web` + 1 `worker`, webhooks at 50/s; started_at − created_at
 * per execution (created_at is taken just before the ingest commit, started_at when the worker's
 * executor begins it).
 */
async function pgLatency(o: PgBenchOptions): Promise<void> {
  await withDatabase('latency', async (b) => {
    const sy = await startRoles(b.url, ['web', 'worker']);
    try {
      const key = await apiKey(sy.base);
      const { hookUrl } = await createActive(sy.base, key, ACK_WORKFLOW);
      await paced({ url: hookUrl, rate: 50, duration: 2 }); // warm-up, discarded
      await drain(b.db);
      // The queue's wake-up as a listener of our own sees it: splits the latency at the NOTIFY.
      const heard: number[] = [];
      const listener = new pg.Client({ connectionString: b.url });
      await listener.connect();
      listener.on('notification', () => heard.push(Date.now()));
      await listener.query(`LISTEN ${CHANNELS.queue}`);
      const t0 = Date.now();
      const r = await paced({ url: hookUrl, rate: 50, duration: o.duration });
      await drain(b.db);
      await listener.end();
      const { rows } = await b.db.query<{ s: number; f: number; c: number; st: number }>(
        `SELECT (started_at - created_at)::float8 AS s, (finished_at - created_at)::float8 AS f, created_at::float8 AS c, started_at::float8 AS st
           FROM executions WHERE created_at >= $1 AND status = 'success'`,
        [t0],
      );
      // Each execution's wake-up: the first NOTIFY heard at or after its created_at (50/s: ingests rarely share one).
      const split = rows.flatMap((x) => {
        const at = heard.find((h) => h >= x.c);
        return at === undefined || at > x.st ? [] : [{ toNotify: at - x.c, toStart: x.st - at }];
      });
      const s = rows.map((x) => x.s);
      const f = rows.map((x) => x.f);
      o.add(S_LAT, 'commit→start p50 / p99 ms, idle worker, paced 50/s', `${percentile(s, 50)} / ${percentile(s, 99)}`, 'p50 ≤ 20');
      const tn = split.map((x) => x.toNotify);
      const ts = split.map((x) => x.toStart);
      o.add(S_LAT, '  created → NOTIFY heard p50 / p99 ms', `${percentile(tn, 50)} / ${percentile(tn, 99)}`);
      o.add(S_LAT, '  NOTIFY heard → started p50 / p99 ms', `${percentile(ts, 50)} / ${percentile(ts, 99)}`);
      o.add(S_LAT, 'commit→finished p50 / p99 ms', `${percentile(f, 50)} / ${percentile(f, 99)}`);
      const ms = (v: number) => Math.round(v * 10) / 10;
      o.add(S_LAT, 'ack p50 / p99 ms at 50/s; failed', `${ms(percentile(r.latencies, 50))} / ${ms(percentile(r.latencies, 99))}; ${r.failed}`);
      o.add(S_LAT, 'executions measured', rows.length);
    } finally {
      await sy.stop();
    }
  });
}

/** Runs the PostgreSQL scenarios `want` selects; a PostgreSQL that cannot be reached is a row saying so. */
export async function runPostgresBench(o: PgBenchOptions): Promise<void> {
  try {
    const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    await c.end();
  } catch (err) {
    o.add(S_ACK, 'not run', `cannot reach PostgreSQL at ${new URL(ADMIN_URL).host}: ${String((err as Error).message).slice(0, 60)}`);
    return;
  }
  const scenarios: [string, () => Promise<void>][] = [
    ['pg-ack', () => pgAck(o)],
    ['pg-e2e', async () => (await pgEndToEnd(o, 1), await pgEndToEnd(o, 2))],
    ['pg-latency', () => pgLatency(o)],
  ];
  for (const [name, run] of scenarios) {
    if (!o.want(name) && !o.want('pg')) continue;
    try {
      await run();
    } catch (err) {
      o.add(name, 'failed', String((err as Error).message).slice(0, 100));
    }
  }
}
