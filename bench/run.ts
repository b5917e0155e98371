/**
 * `npm run bench`: the benchmark table (issue 7). Floors are measured in the same run, on the same
 * machine, with the load generator (autocannon) in this process and each server in its own.
 * Writes bench/results/latest.json. Benchmarks are not tests: nothing here fails a build.
 * `--postgres` adds PostgreSQL mode's rows (bench/postgres.ts: scenarios pg-ack, pg-e2e, pg-latency).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { apiKey, createActive, forkServer, load, percentile, root, rssMb, sampleFileSize, sampleRss, startSwitchyard } from './lib.ts';
import { runLoopBench } from './loop.ts';
import { runPostgresBench } from './postgres.ts';
import { runSearchBench } from './search.ts';

const quick = process.argv.includes('--quick');
const duration = quick ? 3 : 10;
const rows: { scenario: string; metric: string; value: number | string; aim?: string }[] = [];
const add = (scenario: string, metric: string, value: number | string, aim?: string) => rows.push({ scenario, metric, value, ...(aim ? { aim } : {}) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function floors() {
  const bare = await forkServer(join(root, 'bench/servers/bare-http.mjs'));
  const r1 = await load({ url: `http://127.0.0.1:${bare.port}/hook`, duration });
  await bare.stop();
  add('1. floor', 'bare node:http 202 req/s', r1.rps);
  const ex = await forkServer(join(root, 'bench/servers/bare-express.mjs'));
  const r2 = await load({ url: `http://127.0.0.1:${ex.port}/hook`, duration });
  await ex.stop();
  add('1. floor', 'bare Express 5 202 req/s', r2.rps);
  return r1.rps;
}

/** The disk's own floor for "on disk before the 202": fdatasync latency on this machine, measured here. */
function fsyncFloor() {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w+');
  const page = Buffer.alloc(4096, 1);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    writeSync(fd, page, 0, page.length, (i % 16) * page.length);
    const t = performance.now();
    fdatasyncSync(fd);
    times.push(performance.now() - t);
  }
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  const ms = (v: number) => Math.round(v * 100) / 100;
  add('1. floor', 'fdatasync p50 / p99 ms (this disk)', `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}`);
}

async function webhookAck(floor: number) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const sy = await startSwitchyard({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
  try {
    const base = `http://127.0.0.1:${sy.port}`;
    const key = await apiKey(base);
    const { hookUrl } = await createActive(base, key, {
      name: 'ack bench',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'shape', type: 'data.transform', config: { expression: '{ "email": input.body.email, "plan": input.body.plan }' } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'shape' }],
    });
    await sleep(1000);
    const idle = rssMb(sy.child.pid!);
    const stopRss = sampleRss(sy.child.pid!);
    const walPeak = sampleFileSize(join(dir, 'switchyard.db-wal'));
    const r = await load({ url: hookUrl, duration });
    const peak = stopRss();
    add('2. webhook ack', 'accepted req/s (fsync before 202)', r.rps, '≥ 10,000 and ≥ ½ floor');
    add('2. webhook ack', 'share of node:http floor', `${Math.round((r.rps / floor) * 100)}%`, '≥ 50%');
    add('2. webhook ack', 'latency p50 / p99 ms', `${r.p50} / ${r.p99}`, 'p99 ≤ 20');
    add('2. webhook ack', 'non-2xx + errors', r.non2xx + r.errors, '0');
    add('5. memory', 'RSS idle MB', idle, '≤ 120');
    add('5. memory', 'RSS under load MB', peak, '≤ 300');
    // Let the queue drain, then measure storage per execution.
    const h = { authorization: `Bearer ${key}` };
    for (let i = 0; i < 120; i++) {
      const q = (await (await fetch(`${base}/api/executions?status=queued&limit=1`, { headers: h })).json()) as any;
      const running = (await (await fetch(`${base}/api/executions?status=running&limit=1`, { headers: h })).json()) as any;
      if (!q.items.length && !running.items.length) break;
      await sleep(500);
    }
    const dbFile = join(dir, 'switchyard.db');
    add('5. storage', 'WAL bytes after the run', statSync(`${dbFile}-wal`).size);
    add('5. storage', 'WAL bytes at most during the run', walPeak());
    await sy.stop();
    const db = new Database(dbFile);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const n = (db.prepare('SELECT count(*) AS n FROM executions').get() as { n: number }).n;
    const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
    const bytes = pages * (db.pragma('page_size', { simple: true }) as number);
    db.close();
    add('5. storage', 'database bytes per small execution', Math.round(bytes / Math.max(1, n)), '≤ 2,048');
    add('5. storage', 'executions stored', n);
  } finally {
    await sy.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function endToEnd() {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-e2e-'));
  const sink = await forkServer(join(root, 'bench/servers/sink.mjs'));
  const sy = await startSwitchyard({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
  const stats = () =>
    new Promise<{ count: number; latencies: number[] }>((resolve) => {
      sink.child.once('message', (m: any) => resolve(m));
      sink.child.send('stats');
    });
  try {
    const base = `http://127.0.0.1:${sy.port}`;
    const key = await apiKey(base);
    const { hookUrl } = await createActive(base, key, {
      name: 'e2e bench',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'shape', type: 'data.transform', config: { expression: '{ "email": input.body.email, "receivedAt": input.receivedAt }' } },
        { id: 'send', type: 'action.http', config: { method: 'POST', url: `http://127.0.0.1:${sink.port}/in`, body: '{{ input }}' } },
      ],
      edges: [
        { id: 'a', source: 'hook', target: 'shape' },
        { id: 'b', source: 'shape', target: 'send' },
      ],
    });
    // Warm-up (discarded): JIT, the first keep-alive connections to the sink, expression compiles.
    await load({ url: hookUrl, duration: 3, overallRate: 300, connections: 10 });
    await sleep(500);
    // Fixed rate first, while nothing is queued: latency from receipt to the sink.
    await stats();
    const fixed = await load({ url: hookUrl, duration, overallRate: 300, connections: 10 });
    await sleep(1000);
    const lat = (await stats()).latencies;
    add('3. end to end', 'ack p99 ms at 300/s', fixed.p99, '≤ 5');
    add('3. end to end', 'receipt→sink p50 / p99 ms at 300/s', `${percentile(lat, 50)} / ${percentile(lat, 99)}`);
    // Saturation: completions per second measured at the sink over the load window.
    const before = (await stats()).count;
    const t0 = performance.now();
    const sat = await load({ url: hookUrl, duration });
    const done = (await stats()).count - before;
    const secs = (performance.now() - t0) / 1000;
    add('3. end to end', 'executions completed/s at saturation', Math.round(done / secs), '≥ 3,000');
    add('3. end to end', 'accepted/s during saturation', sat.rps);
  } finally {
    await sy.stop();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function backlog() {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/backlog.ts', quick ? '5000' : '20000'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  add('4. backlog', `${out.count} queued executions drained/s`, out.perSecond);
  add('4. backlog', 'drain seconds', out.seconds);
}

async function schedules() {
  try {
    const path = './schedules.ts'; // written by the schedules work; absent → row says so
    const mod = (await import(path)) as { runScheduleBench?: () => Promise<Record<string, number | string>> };
    if (!mod.runScheduleBench) return;
    for (const [k, v] of Object.entries(await mod.runScheduleBench())) add('6. schedules', k, v);
  } catch (err) {
    add('6. schedules', 'not run', String((err as Error).message).slice(0, 80));
  }
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (n: string) => !only || only.includes(n);
let floor = 20_000;
if (want('floors')) {
  fsyncFloor();
  floor = await floors();
}
if (want('ack')) await webhookAck(floor);
if (want('e2e')) await endToEnd();
if (want('backlog')) backlog();
if (want('schedules')) await schedules();
if (want('loops')) await runLoopBench(add);
if (want('search')) await runSearchBench(add, { queries: quick ? 100 : 300 });
// --postgres: PostgreSQL mode's rows (bench/postgres.ts), after the SQLite ones, in the same run.
const measured = (metric: string) => rows.find((r) => r.metric === metric && typeof r.value === 'number')?.value as number | undefined;
if (process.argv.includes('--postgres')) {
  await runPostgresBench({ duration, quick, want, add, sqlite: { ack: measured('accepted req/s (fsync before 202)'), e2e: measured('executions completed/s at saturation') } });
}

const width = Math.max(...rows.map((r) => r.metric.length));
console.log(`\nSwitchyard benchmark — ${new Date().toISOString()} — node ${process.version}, ${quick ? 'quick' : 'full'} run`);
let last = '';
for (const r of rows) {
  if (r.scenario !== last) console.log(`\n${r.scenario}`);
  last = r.scenario;
  console.log(`  ${r.metric.padEnd(width)}  ${String(r.value).padStart(14)}${r.aim ? `   (aim ${r.aim})` : ''}`);
}
// Only a complete, full-length run replaces the committed results.
if (!quick && !only) {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/latest.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, quick, rows }, null, 2));
}
