/**
 * The poller over a real SQLite file on a fake clock. Most tests start through a fake `start`; the
 * leadership tests start through the real store (idempotency keys in the database), with time
 * advanced in steps that wait for the real commits in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetryableError } from '#shared/errors.ts';
import type { PollResult } from '#shared/nodes/define.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import type { Db } from '../db/sqlite/connection.ts';
import { openSqliteStore, type SqliteStore } from '../db/sqlite/driver.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import { newId } from '../lib/ids.ts';
import { silentLogger } from '../lib/logger.ts';
import type { StartFn, StartRequest } from './start.ts';
import type { PollRunner } from './poll-run.ts';
import { createPoller } from './poller.ts';

let dir: string;
let stores: SqliteStore[];
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

function makePoller(opts: { leading?: boolean; start?: StartFn; on?: SqliteStore; runner?: PollRunner; onFailure?: (workflowId: string) => void } = {}) {
  const seenIdem = new Set<string>();
  const fakeStart: StartFn = async (req) => {
    if (started.length === failStartAt) {
      failStartAt = -1;
      throw new Error('disk full');
    }
    const k = `${req.idempotency!.token}|${req.idempotency!.key}`;
    if (seenIdem.has(k)) return { executionId: 'dup', duplicate: true };
    seenIdem.add(k);
    started.push(req);
    return { executionId: `ex_${started.length}`, duplicate: false };
  };
  return createPoller({
    db: (opts.on?.db ?? db).kysely,
    clock: { now: () => Date.now() },
    logger: silentLogger,
    runner: opts.runner ?? runner,
    maxStartJitterMs: 0,
    ...(opts.leading !== undefined ? { leading: opts.leading } : {}),
    start: opts.start ?? fakeStart,
    ...(opts.onFailure ? { onFailure: opts.onFailure } : {}),
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
  return { id: 'wf_p', name: 'p', active: true, version: 1, nodes: [node], edges: [], settings: {}, createdAt: now, updatedAt: now };
}
const state = () => {
  const row = db.sqlite.prepare(`SELECT state FROM trigger_state WHERE workflow_id = 'wf_p'`).get() as { state: string } | undefined;
  return row && JSON.parse(row.state);
};
const firedKeys = () => started.map((r) => r.idempotency!.key);

function openStore(): SqliteStore {
  const s = openSqliteStore(join(dir, 'switchyard.db'));
  stores.push(s);
  return s;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(new Date('2030-03-01T10:00:00Z'));
  dir = mkdtempSync(join(tmpdir(), 'switchyard-poller-'));
  stores = [];
  db = openStore().db;
  started = [];
  replies = [];
  calls = [];
  failStartAt = -1;
});
afterEach(async () => {
  await settle();
  vi.useRealTimers();
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
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
    const failed: string[] = [];
    const p = makePoller({ onFailure: (id) => failed.push(id) });
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
    // Each failed run is reported once (the metrics' poll failures), the seeding success not at all.
    expect(failed).toEqual(['wf_p', 'wf_p', 'wf_p', 'wf_p']);
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

const inflight = new Set<Promise<unknown>>();
/** Lets commits in flight (real fsync) and their continuations finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.allSettled([...inflight]);
    await new Promise((r) => setImmediate(r));
  }
}
async function advance(ms: number, step = 50): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - done));
    await settle();
  }
}

/** execution.service `start` without the queue: the execution row, its trigger step and the idempotency record, one transaction. */
function startOver(s: SqliteStore): StartFn {
  return (req) => {
    const now = Date.now();
    const id = newId('ex', now);
    const run = s.executions.ingest({
      execution: { id, workflow_id: req.workflowId, workflow_version: req.workflowVersion, status: 'queued', mode: req.mode, retry_of: null, error: null, created_at: now, started_at: null, finished_at: null, wake_at: null },
      triggerStep: { execution_id: id, node_id: req.triggerNodeId, iteration: '', status: 'success', attempts: 1, input: null, output: JSON.stringify(req.event), error: null, handle: null, truncated: 0, started_at: now, finished_at: now, resume_at: null },
      ...(req.idempotency ? { idempotency: req.idempotency } : {}),
    });
    inflight.add(run);
    void run.finally(() => inflight.delete(run)).catch(() => undefined);
    return run.then((r) => ({ executionId: r.executionId, duplicate: r.duplicate }));
  };
}

/** Item ids of the executions the database holds, oldest first. */
const committedItems = (): string[] =>
  (
    db.sqlite
      .prepare(`SELECT s.output FROM executions e JOIN steps s ON s.execution_id = e.id AND s.node_id = 'poll' WHERE e.workflow_id = 'wf_p' ORDER BY e.created_at, e.id`)
      .all() as { output: string }[]
  ).map((r) => JSON.parse(r.output).item.id);

/** A list endpoint whose content the test sets; counts requests per poller. */
function listRunner(current: () => PollResult, polls: { n: number }): PollRunner {
  return {
    prepare: async () => {
      throw new Error('unused');
    },
    run: async () => {
      polls.n++;
      return current();
    },
  } as unknown as PollRunner;
}

describe('leading and following', () => {
  it('a follower’s arm() writes the state but never polls; lead() starts polling', async () => {
    const p = makePoller({ leading: false });
    const wf = workflow();
    replies = [list('a')];
    await p.arm(wf, wf.nodes[0]!);
    expect(state()).toMatchObject({ kind: 'poll', seeded: false, epoch: expect.any(String) });
    expect(p.stats()).toEqual({ armed: 0, leading: false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(0);

    const epoch = state().epoch;
    const hook = { ...wf, id: 'wf_hook', nodes: [{ id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} }] };
    await p.lead([wf, hook]); // the webhook workflow is not this kind's: ignored
    expect(p.stats()).toEqual({ armed: 1, leading: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(state()).toMatchObject({ seeded: true, seen: ['a'], epoch }); // the state the follower wrote, kept
    await p.stop!();
  });

  it('follow() mid-poll: the poll writes no state and starts no further item; no poll after it', async () => {
    let release!: (r: PollResult) => void;
    const polls = { n: 0 };
    const gated = {
      prepare: async () => {
        throw new Error('unused');
      },
      run: () => {
        polls.n++;
        return new Promise<PollResult>((r) => (release = r));
      },
    } as unknown as PollRunner;
    const p = makePoller({ runner: gated });
    const wf = workflow();
    await p.arm(wf, wf.nodes[0]!);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls.n).toBe(1);
    const before = state();
    const followed = p.follow(); // the lock was lost while the request was out
    release(list('a'));
    await followed;
    expect(state()).toEqual(before);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(polls.n).toBe(1);
    await p.stop!();
  });

  it('told to follow while starting new items: the item in flight finishes, no further one starts, no state is written', async () => {
    let p!: ReturnType<typeof makePoller>;
    const startedKeys: string[] = [];
    p = makePoller({
      start: async (req) => {
        startedKeys.push(req.idempotency!.key);
        if (startedKeys.length === 1) void p.follow();
        return { executionId: `ex_${startedKeys.length}`, duplicate: false };
      },
    });
    const wf = workflow();
    replies = [list('a'), list('d', 'c', 'b', 'a')];
    await p.arm(wf, wf.nodes[0]!);
    await vi.advanceTimersByTimeAsync(1);
    const seeded = state();
    await vi.advanceTimersByTimeAsync(10_100);
    expect(startedKeys).toEqual(['b']);
    expect(state()).toEqual(seeded);
    expect(p.stats()).toEqual({ armed: 0, leading: false });
    await p.stop!();
  });

  it('two leaders on one database start each new item exactly once', async () => {
    const other = openStore();
    let current = list('b', 'a');
    const pollsA = { n: 0 };
    const pollsB = { n: 0 };
    const a = makePoller({ runner: listRunner(() => current, pollsA), start: startOver(stores[0]!) });
    const b = makePoller({ runner: listRunner(() => current, pollsB), start: startOver(other), on: other });
    const wf = workflow();
    await Promise.all([a.arm(wf, wf.nodes[0]!), b.arm(wf, wf.nodes[0]!)]);
    await advance(100); // both seed (one epoch: the first arm's state)
    expect(state()).toMatchObject({ seeded: true, seen: ['a', 'b'] });
    current = list('d', 'c', 'b', 'a');
    await advance(10_500);
    current = list('f', 'e', 'd', 'c', 'b', 'a');
    await advance(10_500);
    await advance(10_500);
    expect(pollsA.n).toBeGreaterThanOrEqual(3);
    expect(pollsB.n).toBeGreaterThanOrEqual(3);
    expect(committedItems()).toEqual(['c', 'd', 'e', 'f']);
    expect(state().seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    await Promise.all([a.stop!(), b.stop!()]);
  });
});
