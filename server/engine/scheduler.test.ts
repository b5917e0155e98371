import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowNode } from '#shared/workflow.ts';
import { openDatabase, type Db } from '../db/sqlite/connection.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import { silentLogger } from '../lib/logger.ts';
import type { StartRequest } from '../services/execution.service.ts';
import { createScheduler } from './scheduler.ts';

let db: Db;
let started: StartRequest[];
let failStarts: boolean;
let busy: Set<string>;

function workflow(id: string, config: Record<string, unknown>, version = 1): WorkflowRecord {
  const now = Date.now();
  db.sqlite
    .prepare(`INSERT OR IGNORE INTO workflows (id, name, active, version, nodes, edges, created_at, updated_at) VALUES (?, ?, 1, ?, '[]', '[]', ?, ?)`)
    .run(id, id, version, now, now);
  const node: WorkflowNode = { id: 'cron', type: 'trigger.schedule', position: { x: 0, y: 0 }, config };
  return { id, name: id, active: true, version, nodes: [node], edges: [], createdAt: now, updatedAt: now };
}
const nodeOf = (wf: WorkflowRecord) => wf.nodes[0]!;
const state = (id: string) => {
  const row = db.sqlite.prepare('SELECT state FROM trigger_state WHERE workflow_id = ?').get(id) as { state: string } | undefined;
  return row && JSON.parse(row.state);
};

function makeScheduler() {
  return createScheduler({
    db: db.kysely,
    clock: { now: () => Date.now() },
    logger: silentLogger,
    start: async (req) => {
      if (failStarts) throw new Error('disk full');
      started.push(req);
      return { executionId: `ex_${started.length}` };
    },
    hasUnfinished: async (id) => busy.has(id),
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(new Date('2030-03-01T09:59:58.500Z'));
  db = openDatabase(':memory:');
  started = [];
  failStarts = false;
  busy = new Set();
});
afterEach(async () => {
  vi.useRealTimers();
  await db.close();
});

describe('scheduler', () => {
  it('fires each slot once through start(), with scheduledAt and firedAt, and persists the next run', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_a', { cron: '* * * * * *', overlap: 'allow' }, 3);
    await s.arm(wf, nodeOf(wf));
    expect(state('wf_a').nextRunAt).toBe(Date.parse('2030-03-01T09:59:59Z'));
    await vi.advanceTimersByTimeAsync(2600);
    expect(started.map((r) => (r.event as { scheduledAt: string }).scheduledAt)).toEqual(['2030-03-01T09:59:59.000Z', '2030-03-01T10:00:00.000Z', '2030-03-01T10:00:01.000Z']);
    expect(started[0]).toMatchObject({ workflowId: 'wf_a', workflowVersion: 3, triggerNodeId: 'cron', mode: 'schedule' });
    expect(state('wf_a')).toMatchObject({ nextRunAt: Date.parse('2030-03-01T10:00:02Z'), pending: null });
    expect(await s.info!(wf, nodeOf(wf))).toMatchObject({ nextRunAt: '2030-03-01T10:00:02.000Z' });
    await s.stop!();
  });

  it('stops firing on disarm, and clearState forgets the persisted state', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_b', { cron: '* * * * * *' });
    await s.arm(wf, nodeOf(wf));
    await vi.advanceTimersByTimeAsync(1000);
    const n = started.length;
    await s.disarm('wf_b', { clearState: true });
    await vi.advanceTimersByTimeAsync(5000);
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
    await vi.advanceTimersByTimeAsync(2000);
    expect(started).toHaveLength(0);
    expect(await s.info!(wf, nodeOf(wf))).toMatchObject({ skippedRuns: 2, lastSkippedAt: '2030-03-01T10:00:00.000Z' });
    await s.stop!();
  });

  it('does not fire a slot whose lease another process took; it adopts that process’s next run', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_d', { cron: '0 * * * * *' });
    await s.arm(wf, nodeOf(wf));
    // The other process leased 10:00:00 and moved the next run on.
    const other = { ...state('wf_d'), nextRunAt: Date.parse('2030-03-01T10:01:00Z'), lastFiredAt: Date.now() };
    db.sqlite.prepare('UPDATE trigger_state SET state = ? WHERE workflow_id = ?').run(JSON.stringify(other), 'wf_d');
    await vi.advanceTimersByTimeAsync(2000);
    expect(started).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started.map((r) => (r.event as { scheduledAt: string }).scheduledAt)).toEqual(['2030-03-01T10:01:00.000Z']);
    await s.stop!();
  });

  it('keeps a lease pending when its execution could not be written, and recovers it at the next arm', async () => {
    const s = makeScheduler();
    const wf = workflow('wf_e', { cron: '0 * * * * *' });
    await s.arm(wf, nodeOf(wf));
    failStarts = true;
    await vi.advanceTimersByTimeAsync(2000);
    expect(state('wf_e').pending).toEqual({ slot: Date.parse('2030-03-01T10:00:00Z'), firedAt: expect.any(Number) });
    await s.stop!();

    failStarts = false;
    vi.setSystemTime(new Date('2030-03-01T10:00:45Z')); // older than the 30 s grace: nobody is still writing it
    const again = makeScheduler();
    await again.arm(wf, nodeOf(wf));
    expect(started.map((r) => (r.event as { scheduledAt: string }).scheduledAt)).toEqual(['2030-03-01T10:00:00.000Z']);
    expect(state('wf_e').pending).toBeNull();
    await again.stop!();
  });

  it('validates cron and timezone with paths', () => {
    const s = makeScheduler();
    const issues = (config: Record<string, unknown>) => s.validate!({ id: 'c', type: 'trigger.schedule', position: { x: 0, y: 0 }, config }, 2);
    expect(issues({ cron: '*/5 * * * *', timezone: 'Europe/Paris' })).toEqual([]);
    expect(issues({ cron: '*/5 * * *' })).toEqual([{ path: 'nodes.2.config.cron', message: expect.stringMatching(/5 fields/) }]);
    expect(issues({ cron: '{{ trigger.cron }}' })).toEqual([{ path: 'nodes.2.config.cron', message: expect.stringMatching(/expressions/) }]);
    expect(issues({ cron: '0 9 * * *', timezone: 'Moon/Base' })).toEqual([{ path: 'nodes.2.config.timezone', message: expect.stringMatching(/IANA/) }]);
  });
});
