/**
 * Schedules benchmark (issue 3): 10,000 active schedules all due in the same second, fired by
 * (a) node-cron, one task each, with a no-op handler (its best case), and (b) Switchyard's
 * scheduler end to end (one timer, lease, durable execution). `npx tsx bench/schedules.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTask, type ScheduledTask } from 'node-cron';
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/sqlite/connection.ts';
import type { SqliteStore } from '../server/db/sqlite/driver.ts';
import { armState } from '../server/engine/schedule-plan.ts';
import { silentLogger } from '../server/lib/logger.ts';
import { createSwitchyard } from '../server/switchyard.ts';

const COUNT = 10_000;
const IDLE_WINDOW_MS = 3000;
const SETTLE_MS = 6000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** CPU used by this process over an idle window, as % of one core. */
async function idleCpu(ms: number): Promise<number> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(start);
  return Math.round(((used.user + used.system) / 1000 / (performance.now() - t0)) * 10_000) / 100;
}

/** A 6-field cron matching exactly one second a day (UTC), `leadMs` from now. */
function slotAhead(leadMs: number): { slot: number; cron: string } {
  const slot = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
  const d = new Date(slot);
  return { slot, cron: `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} * * *` };
}

async function nodeCronTasks(): Promise<Record<string, number>> {
  const { slot, cron } = slotAhead(9000);
  const fires = new Map<number, number[]>();
  let missed = 0;
  // node-cron logs every missed run; counted through its event instead.
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const tasks: ScheduledTask[] = [];
  for (let i = 0; i < COUNT; i++) {
    const task = createTask(
      cron,
      (ctx) => {
        const late = Date.now() - ctx.date.getTime();
        fires.set(i, [...(fires.get(i) ?? []), late]);
      },
      { timezone: 'UTC', logger: quiet },
    );
    task.on('execution:missed', () => {
      missed++;
    });
    tasks.push(task);
  }
  for (const t of tasks) await t.start();
  const armMs = performance.now() - t0;
  const rss = process.memoryUsage().rss - rss0;
  const idle = await idleCpu(IDLE_WINDOW_MS);
  await sleep(Math.max(0, slot - Date.now()) + 3000);
  for (const t of tasks) await t.destroy();
  const lateness = [...fires.values()].flat().sort((a, b) => a - b);
  return {
    'node-cron: arm 10k tasks (ms)': Math.round(armMs),
    'node-cron: idle CPU (% of a core)': idle,
    'node-cron: RSS for 10k tasks (MB)': mb(rss),
    'node-cron: lateness p50 (ms)': percentile(lateness, 50),
    'node-cron: lateness p99 (ms)': percentile(lateness, 99),
    'node-cron: missed': Math.max(missed, COUNT - fires.size),
    'node-cron: duplicates': [...fires.values()].reduce((n, l) => n + l.length - 1, 0),
  };
}

/** Writes 10k active schedule workflows and their armed state straight into a fresh database. */
function seed(dataDir: string, cron: string): void {
  const db = openDatabase(join(dataDir, 'switchyard.db'));
  const now = Date.now();
  const state = JSON.stringify(armState(undefined, { expression: cron, timezone: 'UTC', overlap: 'skip', catchUp: 'none' }, 1, now));
  const nodes = JSON.stringify([{ id: 'tick', type: 'trigger.schedule', position: { x: 0, y: 0 }, config: { cron } }]);
  const wf = db.sqlite.prepare(`INSERT INTO workflows (id, name, active, version, nodes, edges, created_at, updated_at) VALUES (?, ?, 1, 1, ?, '[]', ?, ?)`);
  const ver = db.sqlite.prepare(`INSERT INTO workflow_versions (workflow_id, version, name, nodes, edges, created_at) VALUES (?, 1, ?, ?, '[]', ?)`);
  const st = db.sqlite.prepare(`INSERT INTO trigger_state (workflow_id, node_id, state, updated_at) VALUES (?, 'tick', ?, ?)`);
  db.sqlite.transaction(() => {
    for (let i = 0; i < COUNT; i++) {
      const id = `wf_bench${String(i).padStart(6, '0')}`;
      wf.run(id, `schedule ${i}`, nodes, now, now);
      ver.run(id, `schedule ${i}`, nodes, now);
      st.run(id, state, now);
    }
  })();
  db.sqlite.close();
}

async function switchyardScheduler(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-sched-bench-'));
  try {
    const { slot, cron } = slotAhead(12_000);
    seed(dataDir, cron);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const sy = await createSwitchyard(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { logger: silentLogger });
    const bootMs = performance.now() - t0;
    const rss = process.memoryUsage().rss;
    const idleBefore = await idleCpu(IDLE_WINDOW_MS);
    if (Date.now() > slot - 200) throw new Error('boot took too long: the slot passed before arming finished');

    const count = (sy.store as SqliteStore).db.sqlite.prepare('SELECT count(*) AS n FROM executions');
    await sleep(slot - Date.now() - 20);
    let durableMs = Number.NaN;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(5)) {
      if ((count.get() as { n: number }).n >= COUNT) {
        durableMs = Date.now() - slot;
        break;
      }
    }
    await sy.queue.idle();
    const rows = (sy.store as SqliteStore).db.sqlite
      .prepare(`SELECT e.workflow_id AS w, e.created_at AS c, s.output AS o FROM executions e JOIN steps s ON s.execution_id = e.id AND s.node_id = 'tick'`)
      .all() as { w: string; c: number; o: string }[];
    const lateness: number[] = [];
    const created: number[] = [];
    const perSlot = new Set<string>();
    for (const r of rows) {
      const ev = JSON.parse(r.o) as { scheduledAt: string; firedAt: string };
      lateness.push(Date.parse(ev.firedAt) - Date.parse(ev.scheduledAt));
      created.push(r.c - Date.parse(ev.scheduledAt));
      perSlot.add(`${r.w}|${ev.scheduledAt}`);
    }
    lateness.sort((a, b) => a - b);
    created.sort((a, b) => a - b);
    // Let the after-burst work (executions finishing, WAL checkpoint) settle: "between fires" is the steady state.
    await sleep(SETTLE_MS);
    const idleAfter = await idleCpu(IDLE_WINDOW_MS);
    const rssAfter = process.memoryUsage().rss;
    // Something in stop() awaits an unref'd handle; keep the loop alive so a standalone run finishes.
    const keepAlive = setInterval(() => {}, 1000);
    await sy.stop().finally(() => clearInterval(keepAlive));
    return {
      'firing design': 'one timer over persisted next runs',
      'boot + arm 10k schedules (ms)': Math.round(bootMs),
      'RSS growth, 10k armed (MB)': mb(rss - rss0),
      'RSS after 10k fires (MB)': mb(rssAfter),
      'idle CPU before the fire (% of a core)': idleBefore,
      'idle CPU between fires (% of a core)': idleAfter,
      'lateness p50, firedAt − scheduledAt (ms)': percentile(lateness, 50),
      'lateness p99, firedAt − scheduledAt (ms)': percentile(lateness, 99),
      'lateness max (ms)': lateness[lateness.length - 1] ?? Number.NaN,
      'execution created − scheduledAt p50 (ms)': percentile(created, 50),
      'execution created − scheduledAt p99 (ms)': percentile(created, 99),
      'all 10k executions durable after (ms)': durableMs,
      missed: COUNT - new Set(rows.map((r) => r.w)).size,
      duplicates: rows.length - perSlot.size,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Both designs, node-cron first (its 10k tasks are destroyed before Switchyard boots). */
export async function runScheduleBench(): Promise<Record<string, number | string>> {
  const theirs = await nodeCronTasks();
  const ours = await switchyardScheduler();
  return { schedules: COUNT, ...ours, ...theirs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const result = await runScheduleBench();
  const width = Math.max(...Object.keys(result).map((k) => k.length));
  for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(width)}  ${String(v).padStart(12)}`);
  console.log(`(${Math.round((performance.now() - started) / 1000)} s)`);
}
