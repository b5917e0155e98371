import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetryableError } from '#shared/errors.ts';
import type { PollResult } from '#shared/nodes/define.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import { openDatabase, type Db } from '../db/sqlite/connection.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import { silentLogger } from '../lib/logger.ts';
import type { StartRequest } from '../services/execution.service.ts';
import type { PollRunner } from './poll-run.ts';
import { createPoller } from './poller.ts';

let db: Db;
let started: StartRequest[];
let replies: (PollResult | Error)[];
let calls: { etag?: string | null }[];
let failStartAt: number;

const list = (...keys: string[]) => ({ items: keys.map((key) => ({ key, item: { id: key } })), etag: `"${keys.join('')}"` });

const runner = {
  prepare: async () => {
    throw new Error('unused');
  },
  run: async (_t: unknown, opts: { etag?: string | null }) => {
    calls.push({ etag: opts.etag ?? null });
    const r = replies.length > 1 ? replies.shift()! : replies[0]!;
    if (r instanceof Error) throw r;
    return r;
  },
} as unknown as PollRunner;

function makePoller() {
  const seenIdem = new Set<string>();
  return createPoller({
    db: db.kysely,
    clock: { now: () => Date.now() },
    logger: silentLogger,
    runner,
    maxStartJitterMs: 0,
    start: async (req) => {
      if (started.length === failStartAt) {
        failStartAt = -1;
        throw new Error('disk full');
      }
      const k = `${req.idempotency!.token}|${req.idempotency!.key}`;
      if (seenIdem.has(k)) return { executionId: 'dup', duplicate: true };
      seenIdem.add(k);
      started.push(req);
      return { executionId: `ex_${started.length}`, duplicate: false };
    },
  });
}

function workflow(config: Record<string, unknown> = {}): WorkflowRecord {
  const now = Date.now();
  db.sqlite
    .prepare(`INSERT OR IGNORE INTO workflows (id, name, active, version, nodes, edges, created_at, updated_at) VALUES ('wf_p', 'p', 1, 1, '[]', '[]', ?, ?)`)
    .run(now, now);
  const node: WorkflowNode = {
    id: 'poll',
    type: 'trigger.poll',
    position: { x: 0, y: 0 },
    config: { request: { url: 'https://api.example/items' }, intervalSeconds: 10, ...config },
  };
  return { id: 'wf_p', name: 'p', active: true, version: 1, nodes: [node], edges: [], createdAt: now, updatedAt: now };
}
const state = () => {
  const row = db.sqlite.prepare(`SELECT state FROM trigger_state WHERE workflow_id = 'wf_p'`).get() as { state: string } | undefined;
  return row && JSON.parse(row.state);
};
const firedKeys = () => started.map((r) => r.idempotency!.key);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(new Date('2030-03-01T10:00:00Z'));
  db = openDatabase(':memory:');
  started = [];
  replies = [];
  calls = [];
  failStartAt = -1;
});
afterEach(async () => {
  vi.useRealTimers();
  await db.close();
});

describe('poller', () => {
  it('seeds, then starts new items oldest first, sending the ETag back', async () => {
    const p = makePoller();
    const wf = workflow();
    replies = [list('b', 'a'), list('d', 'c', 'b', 'a')];
    await p.arm(wf, wf.nodes[0]!);
    await vi.advanceTimersByTimeAsync(1);
    expect(state()).toMatchObject({ seeded: true, seen: ['a', 'b'], etag: '"ba"' });
    expect(started).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10_100);
    expect(calls[1]).toEqual({ etag: '"ba"' });
    expect(firedKeys()).toEqual(['c', 'd']);
    expect(started[0]).toMatchObject({ mode: 'poll', event: { item: { id: 'c' }, polledAt: '2030-03-01T10:00:10.000Z' } });
    await p.stop!();
  });

  it('backs off per failure up to ten intervals, honours Retry-After, and a success clears the error', async () => {
    const p = makePoller();
    const wf = workflow();
    replies = [list('a'), new Error('HTTP 500'), new Error('HTTP 500'), new RetryableError('HTTP 429', { retryAfterMs: 75_000 }), new Error('HTTP 500'), list('a')];
    await p.arm(wf, wf.nodes[0]!);
    await vi.advanceTimersByTimeAsync(1);
    const gaps: number[] = [];
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(state().nextPollAt - Date.now());
      gaps.push(state().nextPollAt - state().lastErrorAt);
      expect(state().lastError).toMatch(/HTTP/);
    }
    expect(gaps).toEqual([20_000, 40_000, 80_000, 100_000]);
    await vi.advanceTimersByTimeAsync(state().nextPollAt - Date.now());
    expect(state()).toMatchObject({ failures: 0, lastError: null, lastErrorAt: null });
    expect(await p.info!(wf, wf.nodes[0]!)).toMatchObject({ lastError: null, lastPolledAt: expect.stringMatching(/Z$/) });
    await p.stop!();
  });

  it('stops at a failed start so no newer item runs before it, and retries the rest next poll', async () => {
    const p = makePoller();
    const wf = workflow();
    replies = [list('a'), list('d', 'c', 'b', 'a')];
    failStartAt = 1; // the second start (item c) fails
    await p.arm(wf, wf.nodes[0]!);
    await vi.advanceTimersByTimeAsync(10_100);
    expect(firedKeys()).toEqual(['b']);
    expect(state()).toMatchObject({ seen: ['a', 'b'], etag: null, lastError: 'disk full' });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(firedKeys()).toEqual(['b', 'c', 'd']);
    await p.stop!();
  });

  it('seeds again when the polled source changes (new URL or key), in a new dedupe space', async () => {
    const p = makePoller();
    let wf = workflow();
    replies = [list('a')];
    await p.arm(wf, wf.nodes[0]!);
    await vi.advanceTimersByTimeAsync(1);
    const epoch = state().epoch;
    wf = workflow({ request: { url: 'https://api.example/other' } });
    await p.arm(wf, wf.nodes[0]!);
    expect(state()).toMatchObject({ seeded: false, seen: [] });
    expect(state().epoch).not.toBe(epoch);
    // Only the interval changed: the state (and its seen keys) carry over.
    await vi.advanceTimersByTimeAsync(1);
    wf = workflow({ request: { url: 'https://api.example/other' }, intervalSeconds: 60 });
    await p.arm(wf, wf.nodes[0]!);
    expect(state()).toMatchObject({ seeded: true, seen: ['a'] });
    await p.stop!();
  });

  it('fires nothing after disarm, and clearState removes the seen keys', async () => {
    const p = makePoller();
    const wf = workflow();
    replies = [list('a'), list('b', 'a')];
    await p.arm(wf, wf.nodes[0]!);
    await vi.advanceTimersByTimeAsync(1);
    await p.disarm('wf_p', { clearState: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toHaveLength(0);
    expect(state()).toBeUndefined();
    await p.stop!();
  });

  it('validates the items and key expressions with paths', () => {
    const p = createPoller({ db: db.kysely, clock: { now: Date.now }, logger: silentLogger, runner, start: async () => ({ executionId: 'x', duplicate: false }), check: (e) => (e.includes('[') && !e.includes(']') ? 'unclosed [' : null) });
    const issues = p.validate!({ id: 'poll', type: 'trigger.poll', position: { x: 0, y: 0 }, config: { items: 'body.data[', key: 'id' } }, 0);
    expect(issues).toEqual([{ path: 'nodes.0.config.items', message: 'unclosed [' }]);
  });
});
