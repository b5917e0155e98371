/**
 * The scheduler over a real SQLite file (group commit, fsync) on a fake clock. Time is advanced in
 * small steps, each followed by waiting for the passes in flight (their commit waits on a real
 * fdatasync), so a pass never straddles a step and what committed is what the test sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowNode } from '#shared/workflow.ts';
import { openSqliteStore, type SqliteStore } from '../db/sqlite/driver.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import type { SwapIngest } from '../db/store.ts';
import { newId } from '../lib/ids.ts';
import { silentLogger } from '../lib/logger.ts';
import type { StartPassFn, StartRequest } from './start.ts';
import { createScheduler } from './scheduler.ts';

let dir: string;
let stores: SqliteStore[];
let store: SqliteStore;
let started: StartRequest[];
let busy: Set<string>;
const inflight = new Set<Promise<unknown>>();

/** A second connection to the same file: another process, as far as SQLite is concerned. */
function openStore(): SqliteStore {
  const s = openSqliteStore(join(dir, 'switchyard.db'));
  stores.push(s);
  return s;
}

/** execution.service `startPass` without the queue: the swaps and the won slots' rows, one transaction. */
function passOver(s: SqliteStore): StartPassFn {
  return (swaps, reqs) => {
    const run = (async () => {
      const now = Date.now();
      const ingests: SwapIngest[] = reqs.map((r) => {
        const id = newId('ex', now);
        return {
          execution: { id, workflow_id: r.workflowId, workflow_version: r.workflowVersion, status: 'queued', mode: r.mode, retry_of: null, error: null, created_at: now, started_at: null, finished_at: null, wake_at: null },
          triggerStep: { execution_id: id, node_id: r.triggerNodeId, iteration: '', status: 'success', attempts: 1, input: null, output: JSON.stringify(r.event), error: null, handle: null, truncated: 0, started_at: now, finished_at: now, resume_at: null },
          ...(r.idempotency ? { idempotency: r.idempotency } : {}),
          ...(r.swapKey ? { swapKey: r.swapKey } : {}),
        };
      });
      const out = await s.executions.ingestWithSwaps(swaps, ingests, now);
      out.results.forEach((r, i) => {
        if (r && !r.duplicate) started.push(reqs[i]!);
      });
      return { won: out.won, results: out.results.map((r) => r && { executionId: r.executionId, duplicate: r.duplicate }) };
    })();
    inflight.add(run);
    void run.finally(() => inflight.delete(run)).catch(() => undefined);
    return run;
  };
}

function makeScheduler(opts: { on?: SqliteStore; leading?: boolean; onFired?: (lagMs: number) => void } = {}) {
  const on = opts.on ?? store;
  return createScheduler({
    db: on.kysely,
    clock: { now: () => Date.now() },
    logger: silentLogger,
    startPass: passOver(on),
    hasUnfinished: async (id) => busy.has(id),
    ...(opts.leading !== undefined ? { leading: opts.leading } : {}),
    ...(opts.onFired ? { onFired: opts.onFired } : {}),
  });
}

/** Lets passes in flight commit (real fsync) and their continuations run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.allSettled([...inflight]);
    await new Promise((r) => setImmediate(r));
  }
}
async function advance(ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - done));
    await settle();
  }
}

function workflow(id: string, config: Record<string, unknown>, version = 1): WorkflowRecord {
  const now = Date.now();
  store.db.sqlite
    .prepare(`INSERT OR IGNORE INTO workflows (id, name, active, version, nodes, edges, created_at, updated_at) VALUES (?, ?, 1, ?, '[]', '[]', ?, ?)`)
    .run(id, id, version, now, now);
  const node: WorkflowNode = { id: 'cron', type: 'trigger.schedule', position: { x: 0, y: 0 }, config };
  return { id, name: id, active: true, version, nodes: [node], edges: [], settings: {}, createdAt: now, updatedAt: now };
}
const nodeOf = (wf: WorkflowRecord) => wf.nodes[0]!;
const state = (id: string) => {
  const row = store.db.sqlite.prepare('SELECT state FROM trigger_state WHERE workflow_id = ?').get(id) as { state: string } | undefined;
  return row && JSON.parse(row.state);
};
const scheduledAt = (reqs: StartRequest[]) => reqs.map((r) => (r.event as { scheduledAt: string }).scheduledAt);
/** What the database holds: every execution's scheduledAt, oldest first. */
const committedSlots = (id: string): string[] =>
  (
    store.db.sqlite
      .prepare(`SELECT s.output FROM executions e JOIN steps s ON s.execution_id = e.id AND s.node_id = 'cron' WHERE e.workflow_id = ? ORDER BY e.created_at, e.id`)
      .all(id) as { output: string }[]
  ).map((r) => JSON.parse(r.output).scheduledAt);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(new Date('2030-03-01T09:59:58.500Z'));
  dir = mkdtempSync(join(tmpdir(), 'switchyard-scheduler-'));
  stores = [];
  store = openStore();
  started = [];
  busy = new Set();
});
afterEach(async () => {
  await settle();
  vi.useRealTimers();
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scheduler', () => {
  it('fires each slot once through startPass, with scheduledAt, firedAt and the slot key, and persists the next run', async () => {
    const lags: number[] = [];
    const s = makeScheduler({ onFired: (lag) => lags.push(lag) });
    const wf = workflow('wf_a', { cron: '* * * * * *', overlap: 'allow' }, 3);
    await s.arm(wf, nodeOf(wf));
    expect(state('wf_a').nextRunAt).toBe(Date.parse('2030-03-01T09:59:59Z'));
    await advance(2600);
    expect(scheduledAt(started)).toEqual(['2030-03-01T09:59:59.000Z', '2030-03-01T10:00:00.000Z', '2030-03-01T10:00:01.000Z']);
    expect(committedSlots('wf_a')).toEqual(scheduledAt(started));
    // One report per started slot, each on time (the fake clock fires the timer at the slot).
    expect(lags).toHaveLength(3);
    for (const lag of lags) expect(lag).toBeLessThan(100);
    expect(started[0]).toMatchObject({
      workflowId: 'wf_a',
      workflowVersion: 3,
      triggerNodeId: 'cron',
      mode: 'schedule',
      idempotency: { token: 'schedule:wf_a:cron', key: String(Date.parse('2030-03-01T09:59:59Z')), since: 0 },
    });
    expect(state('wf_a')).toMatchObject({ nextRunAt: Date.parse('2030-03-01T10:00:02Z'), pending: null });
    expect(await s.info!(wf, nodeOf(wf))).toMatchObject({ nextRunAt: '2030-03-01T10:00:02.000Z' });
    await s.stop!();
  });

  it('stops firing on disarm, and clearState forgets the persisted state', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_b', { cron: '* * * * * *' });
    await s.arm(wf, nodeOf(wf));
    await advance(1000);
    const n = started.length;
    await s.disarm('wf_b', { clearState: true });
    await advance(5000, 500);
    expect(started.length).toBe(n);
    expect(state('wf_b')).toBeUndefined();
    expect(await s.info!({ ...wf, active: false }, nodeOf(wf))).toMatchObject({ nextRunAt: null });
    await s.stop!();
  });

  it('skips a slot while the workflow has an unfinished run and records it', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_c', { cron: '* * * * * *', overlap: 'skip' });
    busy.add('wf_c');
    await s.arm(wf, nodeOf(wf));
    await advance(2000);
    expect(started).toHaveLength(0);
    expect(await s.info!(wf, nodeOf(wf))).toMatchObject({ skippedRuns: 2, lastSkippedAt: '2030-03-01T10:00:00.000Z' });
    await s.stop!();
  });

  it('does not fire a slot whose state another process moved on; it adopts that process’s next run', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_d', { cron: '0 * * * * *' });
    await s.arm(wf, nodeOf(wf));
    // The other process fired 10:00:00 and moved the next run on.
    const other = { ...state('wf_d'), nextRunAt: Date.parse('2030-03-01T10:01:00Z'), lastFiredAt: Date.now() };
    store.db.sqlite.prepare('UPDATE trigger_state SET state = ? WHERE workflow_id = ?').run(JSON.stringify(other), 'wf_d');
    await advance(2000);
    expect(started).toHaveLength(0);
    await advance(60_000, 1000);
    expect(scheduledAt(started)).toEqual(['2030-03-01T10:01:00.000Z']);
    await s.stop!();
  });

  it('a pass the database fails commits nothing (not even the next run), and the slot fires on the next pass', async () => {
    const lags: number[] = [];
    const s = makeScheduler({ onFired: (lag) => lags.push(lag) });
    const wf = workflow('wf_e', { cron: '0 * * * * *' });
    await s.arm(wf, nodeOf(wf));
    const before = state('wf_e');
    // Fails inside the pass's transaction, after its compare-and-set has run: all of it rolls back.
    store.db.sqlite.exec(`CREATE TRIGGER fail_ingest BEFORE INSERT ON executions BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    await advance(1600);
    expect(started).toHaveLength(0);
    expect(committedSlots('wf_e')).toEqual([]);
    expect(state('wf_e')).toEqual(before);
    store.db.sqlite.exec('DROP TRIGGER fail_ingest');
    await advance(1100); // the retry, one second later
    expect(committedSlots('wf_e')).toEqual(['2030-03-01T10:00:00.000Z']);
    // The failed pass reported nothing; the retry's slot started a second (RETRY_MS) late.
    expect(lags).toHaveLength(1);
    expect(lags[0]).toBeGreaterThanOrEqual(1000);
    expect(lags[0]).toBeLessThan(1600);
    expect(state('wf_e')).toMatchObject({ nextRunAt: Date.parse('2030-03-01T10:01:00Z'), lastScheduledAt: Date.parse('2030-03-01T10:00:00Z'), pending: null });
    await s.stop!();
  });

  it('a database down for more than a minute: the slot is missed (catchUp none), and the schedule goes on', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_f', { cron: '0 0 * * * *' });
    await s.arm(wf, nodeOf(wf));
    store.db.sqlite.exec(`CREATE TRIGGER fail_ingest BEFORE INSERT ON executions BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    await advance(75_000, 500);
    store.db.sqlite.exec('DROP TRIGGER fail_ingest');
    await advance(35_000, 500); // retries back off to 30 s at most
    expect(committedSlots('wf_f')).toEqual([]);
    expect(state('wf_f')).toMatchObject({ missedRuns: 1, lastMissedAt: Date.parse('2030-03-01T10:00:00Z'), nextRunAt: Date.parse('2030-03-01T11:00:00Z') });
    await advance(3600_000, 60_000);
    expect(committedSlots('wf_f')).toEqual(['2030-03-01T11:00:00.000Z']);
    await s.stop!();
  });

  it('a slot whose state was set back (e.g. a restored backup) is not started twice: its idempotency key holds', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_g', { cron: '* * * * * *', overlap: 'allow' });
    await s.arm(wf, nodeOf(wf));
    const before = store.db.sqlite.prepare('SELECT state FROM trigger_state WHERE workflow_id = ?').get('wf_g') as { state: string };
    await advance(600);
    expect(committedSlots('wf_g')).toEqual(['2030-03-01T09:59:59.000Z']);
    await s.stop!();
    store.db.sqlite.prepare('UPDATE trigger_state SET state = ? WHERE workflow_id = ?').run(before.state, 'wf_g');
    const again = makeScheduler();
    await again.arm(wf, nodeOf(wf));
    await advance(100);
    expect(committedSlots('wf_g')).toEqual(['2030-03-01T09:59:59.000Z']); // 09:59:59 won its swap again, and was a duplicate
    await advance(1000);
    expect(committedSlots('wf_g')).toEqual(['2030-03-01T09:59:59.000Z', '2030-03-01T10:00:00.000Z']);
    await again.stop!();
  });

  it('clears a lease an older version left pending, as handled, without starting it', async () => {
    const wf = workflow('wf_h', { cron: '0 * * * * *' });
    const s = makeScheduler();
    await s.arm(wf, nodeOf(wf));
    await s.stop!();
    const old = { ...state('wf_h'), pending: { slot: Date.parse('2030-03-01T09:59:00Z'), firedAt: Date.parse('2030-03-01T09:59:00.004Z') } };
    store.db.sqlite.prepare('UPDATE trigger_state SET state = ? WHERE workflow_id = ?').run(JSON.stringify(old), 'wf_h');
    const again = makeScheduler();
    await again.arm(wf, nodeOf(wf));
    expect(state('wf_h')).toMatchObject({ pending: null, nextRunAt: Date.parse('2030-03-01T10:00:00Z') });
    await advance(2000);
    expect(committedSlots('wf_h')).toEqual(['2030-03-01T10:00:00.000Z']);
    await again.stop!();
  });
});

describe('leading and following', () => {
  it('two schedulers on one database, both leading, fire each of 50 slots exactly once', async () => {
    const other = openStore();
    const a = makeScheduler();
    const b = makeScheduler({ on: other });
    const wf = workflow('wf_two', { cron: '* * * * * *', overlap: 'allow' });
    await Promise.all([a.arm(wf, nodeOf(wf)), b.arm(wf, nodeOf(wf))]);
    await advance(50_000);
    const slots = committedSlots('wf_two');
    const expected = Array.from({ length: 50 }, (_, i) => new Date(Date.parse('2030-03-01T09:59:59Z') + i * 1000).toISOString());
    expect(slots).toEqual(expected);
    expect(started).toHaveLength(50);
    await Promise.all([a.stop!(), b.stop!()]);
  });

  it('follow() stops firing and keeps the state; lead() resumes under the catch-up rules', async () => {
    const s = makeScheduler();
    const last = workflow('wf_last', { cron: '0 */5 * * * *', catchUp: 'last' });
    const none = workflow('wf_none', { cron: '0 */5 * * * *', catchUp: 'none' });
    const hook = { ...workflow('wf_hook', {}), nodes: [{ id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} }] };
    await s.arm(last, nodeOf(last));
    await s.arm(none, nodeOf(none));
    await advance(2000);
    expect(committedSlots('wf_last')).toEqual(['2030-03-01T10:00:00.000Z']);
    expect(committedSlots('wf_none')).toEqual(['2030-03-01T10:00:00.000Z']);
    const kept = state('wf_last');

    await s.follow();
    expect(s.stats()).toMatchObject({ armed: 0, heap: 0, leading: false });
    await advance(720_000, 10_000); // to 10:12: 10:05 and 10:10 come and go
    expect(committedSlots('wf_last')).toHaveLength(1);
    expect(state('wf_last')).toEqual(kept);

    await s.lead([last, none, hook]); // the webhook workflow is not this kind's: ignored
    expect(s.stats()).toMatchObject({ armed: 2, leading: true });
    await advance(500);
    // catchUp last: the latest missed slot runs once; catchUp none: two minutes late is missed.
    expect(committedSlots('wf_last')).toEqual(['2030-03-01T10:00:00.000Z', '2030-03-01T10:10:00.000Z']);
    expect(state('wf_last')).toMatchObject({ missedRuns: 1, nextRunAt: Date.parse('2030-03-01T10:15:00Z') });
    expect(committedSlots('wf_none')).toHaveLength(1);
    expect(state('wf_none')).toMatchObject({ missedRuns: 2, lastMissedAt: Date.parse('2030-03-01T10:10:00Z'), nextRunAt: Date.parse('2030-03-01T10:15:00Z') });
    await advance(180_000, 5000);
    expect(committedSlots('wf_none')).toEqual(['2030-03-01T10:00:00.000Z', '2030-03-01T10:15:00.000Z']);
    await s.stop!();
  });

  it('a follower’s arm() writes nextRunAt at once but fires nothing; disarm still clears state', async () => {
    const s = makeScheduler({ leading: false });
    const wf = workflow('wf_f', { cron: '* * * * * *' });
    await s.arm(wf, nodeOf(wf));
    expect(state('wf_f').nextRunAt).toBe(Date.parse('2030-03-01T09:59:59Z'));
    expect(await s.info!(wf, nodeOf(wf))).toMatchObject({ nextRunAt: '2030-03-01T09:59:59.000Z' });
    expect(s.stats()).toMatchObject({ armed: 0, leading: false });
    await advance(3000, 500);
    expect(committedSlots('wf_f')).toEqual([]);

    // The leader, elsewhere, had no timer for it either: taking the lead now fires the overdue slot
    // (less than a minute late), then the next ones.
    await s.lead([wf]);
    await advance(1000);
    expect(committedSlots('wf_f')).toEqual(['2030-03-01T10:00:01.000Z', '2030-03-01T10:00:02.000Z']);

    await s.follow();
    await s.disarm('wf_f', { clearState: true });
    expect(state('wf_f')).toBeUndefined();
    await s.stop!();
  });
});
