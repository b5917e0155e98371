/**
 * The store port's contract, run on both drivers: whatever the engine and services may assume of
 * `Store` holds on SQLite and on PostgreSQL alike. PostgreSQL adds the shared queue (claims,
 * leases, fences), which only it has. Real databases, never a mock; a fresh one per test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePg, freshDatabase } from '../../test/helpers/postgres.ts';
import { openPostgresStore, type PostgresStore } from './postgres/driver.ts';
import { createTriggerStateRepo, stateKey } from './repos/trigger-state.repo.ts';
import { openSqliteStore } from './sqlite/driver.ts';
import { CHANNELS, type ExecutionRow, type StepRow, type Store, type SwapIngest, type WebhookRequestRow } from './store.ts';

type Opened<S extends Store> = { store: S; cleanup(): Promise<void> };
type Factory<S extends Store = Store> = { name: string; open(): Promise<Opened<S>> };

const KEEP = 3;
const sqlite: Factory = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'sy-contract-'));
    const store = openSqliteStore(join(dir, 'db.sqlite'), { inspectorKeep: KEEP });
    return { store, cleanup: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
  },
};
const postgres: Factory<PostgresStore> = {
  name: 'postgres',
  async open() {
    const db = await freshDatabase();
    const store = await openPostgresStore(db.url, { inspectorKeep: KEEP });
    return { store, cleanup: async () => (await store.close(), await db.drop()) };
  },
};

let seq = 0;
const WF = 'wf_contract';
const execRow = (id: string, createdAt = 1_000): ExecutionRow => ({
  id, workflow_id: WF, workflow_version: 1, status: 'queued', mode: 'webhook', retry_of: null, error: null,
  created_at: createdAt, started_at: null, finished_at: null, wake_at: null, summary: 'scheduled for 2026-01-01 00:00 UTC',
  parent_execution_id: null, call_depth: 0, retry_from: null,
});
const stepRow = (executionId: string, nodeId = 'trigger', over: Partial<StepRow> = {}): StepRow => ({
  execution_id: executionId, node_id: nodeId, iteration: '', status: 'success', attempts: 1, input: null,
  output: '{"scheduledAt":"2026-01-01T00:00:00.000Z"}', error: null, handle: null, truncated: 0,
  started_at: 1_000, finished_at: 1_001, resume_at: null, ...over,
});
const req = (createdAt = 1_000, extra: Partial<SwapIngest> = {}): SwapIngest => {
  const id = `ex_${String(++seq).padStart(6, '0')}`;
  return { execution: execRow(id, createdAt), triggerStep: stepRow(id), ...extra };
};
const addWorkflow = (store: Store) =>
  store.kysely.insertInto('workflows').values({ id: WF, name: 'c', active: 1, version: 1, nodes: '[]', edges: '[]', settings: '{}', created_at: 1, updated_at: 1 }).execute();
const countExecutions = async (store: Store) => Number((await store.kysely.selectFrom('executions').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Opens a fresh store per test (with the contract's workflow row) and closes it after. */
function useStore<S extends Store>(f: Factory<S>): () => S {
  let opened: Opened<S> | undefined;
  beforeEach(async () => {
    opened = await f.open();
    await addWorkflow(opened.store);
  });
  afterEach(async () => {
    await opened?.cleanup();
    opened = undefined;
  });
  return () => opened!.store;
}

function contract(f: Factory): void {
  const store = useStore(f);

  it('ingests an execution with its trigger step and reads it back', async () => {
    const r = req();
    expect(await store().executions.ingest(r)).toEqual({ executionId: r.execution.id, duplicate: false });
    expect(await store().executions.getExecution(r.execution.id)).toEqual({ ...r.execution, active_ms: 0 });
    expect(await store().executions.getSteps(r.execution.id)).toEqual([r.triggerStep]);
    expect(await store().executions.getStep(r.execution.id, 'trigger')).toEqual(r.triggerStep);
    expect(await store().executions.getStep(r.execution.id, 'nope')).toBeUndefined();
    expect(await store().executions.listUnfinished()).toEqual([{ id: r.execution.id, wake_at: null, concurrency_key: null, concurrency_limit: null }]);
    expect(await store().executions.hasUnfinished(WF)).toBe(true);
  });

  it('reads an execution with all its steps in one go, typed as the separate reads are', async () => {
    const r = req();
    const id = r.execution.id;
    await store().executions.ingest(r);
    await store().executions.writeStep(stepRow(id, 'a', { status: 'error', error: 'boom', handle: 'true', truncated: 1, resume_at: 7_000 }));
    await store().executions.markRunning(id, 2_000);
    const read = await store().executions.getExecutionWithSteps(id);
    expect(read?.execution).toEqual(await store().executions.getExecution(id));
    expect(read?.steps.sort((x, y) => x.node_id.localeCompare(y.node_id))).toEqual(
      (await store().executions.getSteps(id)).sort((x, y) => x.node_id.localeCompare(y.node_id)),
    );
    expect(read?.steps.map((s) => s.node_id).sort()).toEqual(['a', 'trigger']);
    expect(await store().executions.getExecutionWithSteps('ex_missing')).toBeUndefined();
  });

  it('dedupes 20 concurrent ingests of one key into one execution, all answering its id', async () => {
    const idem = { token: 'tok', key: 'delivery-1', since: 0 };
    const reqs = Array.from({ length: 20 }, () => req(1_000, { idempotency: idem }));
    const results = await Promise.all(reqs.map((r) => store().executions.ingest(r)));
    const first = results.find((r) => !r.duplicate)!;
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.executionId))).toEqual(new Set([first.executionId]));
    expect(await countExecutions(store())).toBe(1);
    expect(await store().executions.getSteps(first.executionId)).toHaveLength(1);
  });

  it('starts a new execution for a key older than `since` (window expired)', async () => {
    const a = req(1_000, { idempotency: { token: 'tok', key: 'k', since: 0 } });
    await store().executions.ingest(a);
    const b = req(5_000, { idempotency: { token: 'tok', key: 'k', since: 4_000 } });
    expect(await store().executions.ingest(b)).toEqual({ executionId: b.execution.id, duplicate: false });
    const c = req(6_000, { idempotency: { token: 'tok', key: 'k', since: 4_000 } });
    expect(await store().executions.ingest(c)).toEqual({ executionId: b.execution.id, duplicate: true });
    expect(await countExecutions(store())).toBe(2);
  });

  it('ingestMany is all or nothing', async () => {
    const good = [req(), req()];
    expect((await store().executions.ingestMany!(good)).map((r) => r.executionId)).toEqual(good.map((r) => r.execution.id));
    const bad = req();
    bad.execution.workflow_id = 'missing'; // foreign key violation
    await expect(store().executions.ingestMany!([req(), bad])).rejects.toThrow();
    expect(await countExecutions(store())).toBe(2);
  });

  it('keys steps by iteration: one node has a step per loop item, each upserted and read on its own', async () => {
    const r = req();
    const id = r.execution.id;
    await store().executions.ingest(r);
    const [a0, a1, nested] = [stepRow(id, 'a', { iteration: '0' }), stepRow(id, 'a', { iteration: '1', output: '{"n":1}' }), stepRow(id, 'a', { iteration: '1.2' })];
    for (const row of [a0, a1, nested]) expect(await store().executions.writeStep(row)).toBe(true);
    expect(await store().executions.writeStep({ ...a1, status: 'error', error: 'x' })).toBe(true);
    expect(await store().executions.getStep(id, 'a', '1')).toEqual({ ...a1, status: 'error', error: 'x' });
    expect(await store().executions.getStep(id, 'a', '1.2')).toEqual(nested);
    expect(await store().executions.getStep(id, 'a')).toBeUndefined();
    const steps = await store().executions.getSteps(id);
    expect(steps.filter((s) => s.node_id === 'a').map((s) => s.iteration).sort()).toEqual(['0', '1', '1.2']);
    expect(steps.find((s) => s.node_id === 'trigger')?.iteration).toBe('');
  });

  it('keeps a child execution’s parent and call depth', async () => {
    const parent = req();
    await store().executions.ingest(parent);
    const child = req();
    child.execution = { ...child.execution, mode: 'call', parent_execution_id: parent.execution.id, call_depth: 3 };
    await store().executions.ingest(child);
    expect(await store().executions.getExecution(child.execution.id)).toMatchObject({ parent_execution_id: parent.execution.id, call_depth: 3 });
    expect((await store().executions.getExecutionWithSteps(child.execution.id))?.execution).toMatchObject({ parent_execution_id: parent.execution.id, call_depth: 3 });
  });

  it('keeps a limited execution’s concurrency group and limit, listed with the unfinished ones', async () => {
    const free = req(1_000);
    const limited = req(1_001);
    limited.execution = { ...limited.execution, concurrency_key: `${WF}:acme`, concurrency_limit: 2 };
    await store().executions.ingestMany([free, limited]);
    expect(await store().executions.listUnfinished()).toEqual([
      { id: free.execution.id, wake_at: null, concurrency_key: null, concurrency_limit: null },
      { id: limited.execution.id, wake_at: null, concurrency_key: `${WF}:acme`, concurrency_limit: 2 },
    ]);
  });

  it('upserts steps (a re-run overwrites) and moves an execution through its states', async () => {
    const r = req();
    const id = r.execution.id;
    await store().executions.ingest(r);
    expect(await store().executions.writeStep(stepRow(id, 'a', { status: 'error', attempts: 1, error: 'x' }))).toBe(true);
    expect(await store().executions.writeStep(stepRow(id, 'a', { status: 'success', attempts: 2, output: '{"b":2}', truncated: 1 }))).toBe(true);
    expect(await store().executions.getStep(id, 'a')).toEqual(stepRow(id, 'a', { status: 'success', attempts: 2, output: '{"b":2}', truncated: 1 }));
    expect(await store().executions.markRunning(id, 2_000)).toBe(true);
    expect(await store().executions.park(id, 9_000)).toBe(true);
    expect(await store().executions.listUnfinished()).toEqual([{ id, wake_at: 9_000, concurrency_key: null, concurrency_limit: null }]);
    expect(await store().executions.finish(id, 'success', null, 3_000, 2_000)).toBe(true);
    expect(await store().executions.getExecution(id)).toMatchObject({ status: 'success', started_at: 2_000, finished_at: 3_000, wake_at: null });
    expect(await store().executions.hasUnfinished(WF)).toBe(false);
  });

  it('stores the running time with a park and a checkpoint, never on a finished execution', async () => {
    const r = req();
    const id = r.execution.id;
    await store().executions.ingest(r);
    expect(await store().executions.recordActive(id, 1_250)).toBe(true);
    expect(await store().executions.getExecution(id)).toMatchObject({ active_ms: 1_250, wake_at: null });
    expect(await store().executions.park(id, 9_000, undefined, 2_500)).toBe(true);
    expect(await store().executions.getExecution(id)).toMatchObject({ active_ms: 2_500, wake_at: 9_000 });
    // A checkpoint leaves the wake-up alone; a park without a time keeps the stored one.
    expect(await store().executions.recordActive(id, 2_600)).toBe(true);
    expect(await store().executions.getExecution(id)).toMatchObject({ active_ms: 2_600, wake_at: 9_000 });
    expect(await store().executions.park(id, 9_500)).toBe(true);
    expect(await store().executions.getExecution(id)).toMatchObject({ active_ms: 2_600, wake_at: 9_500 });
    expect((await store().executions.getExecutionWithSteps(id))?.execution.active_ms).toBe(2_600);
    expect(await store().executions.cancel(id, '{}', 10_000)).toBe(true);
    expect(await store().executions.recordActive(id, 5_000)).toBe(false);
    expect(await store().executions.getExecution(id)).toMatchObject({ status: 'canceled', active_ms: 2_600 });
  });

  it('rejects only the bad write of a batch', async () => {
    const r = req();
    await store().executions.ingest(r);
    const writes = [stepRow(r.execution.id, 'a'), stepRow('ex_missing', 'a'), stepRow(r.execution.id, 'b')].map((s) => store().executions.writeStep(s));
    const settled = await Promise.allSettled(writes);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store().executions.getSteps(r.execution.id)).map((s) => s.node_id).sort()).toEqual(['a', 'b', 'trigger']);
  });

  it('inspector: appends, trims to the newest `keep`, accumulates auth failures', async () => {
    const row = (n: number): WebhookRequestRow => ({
      id: `req_${n}`, workflow_id: WF, node_id: 'hook', received_at: n, method: 'POST', path: '/hooks/x', headers: '{}',
      query: '{}', body: `{"n":${n}}`, body_size: 7, body_truncated: 0, status: 202, execution_id: null, reason: null,
    });
    await store().inspector.append(WF, 'hook', [row(1), row(2)], { count: 2, at: 10, reason: 'bad_signature' });
    await store().inspector.append(WF, 'hook', [row(3), row(4), row(5)]);
    await store().inspector.append(WF, 'hook', [], { count: 3, at: 20, reason: 'missing_token' });
    expect((await store().inspector.list(WF, 'hook')).map((r) => r.id)).toEqual(['req_5', 'req_4', 'req_3']);
    expect(await store().inspector.get(WF, 'hook', 'req_4')).toEqual(row(4));
    expect(await store().inspector.get(WF, 'hook', 'req_1')).toBeUndefined();
    expect(await store().inspector.stats(WF, 'hook')).toEqual({ auth_failures: 5, last_auth_failure_at: 20, last_auth_failure_reason: 'missing_token' });
  });

  it('trigger state: insert-if-absent and compare-and-set swaps', async () => {
    const repo = createTriggerStateRepo(store().kysely, store().dialect);
    expect(await repo.insertIfAbsent(WF, 'cron', '{"next":1}', 1)).toBe(true);
    expect(await repo.insertIfAbsent(WF, 'cron', '{"next":9}', 1)).toBe(false);
    const swap = { workflowId: WF, nodeId: 'cron', expect: '{"next":1}', next: '{"next":2}' };
    const [a, b] = await Promise.all([repo.swapMany([swap], 5), repo.swapMany([swap], 5)]);
    expect([...a!, ...b!]).toEqual([stateKey(WF, 'cron')]);
    expect(await repo.get(WF, 'cron')).toEqual({ workflowId: WF, nodeId: 'cron', json: '{"next":2}', updatedAt: 5 });
  });

  it('a schedule pass: swaps, then only the ingests whose swap won, in one transaction', async () => {
    const repo = createTriggerStateRepo(store().kysely, store().dialect);
    await repo.insertIfAbsent(WF, 'c1', 'v1', 1);
    await repo.insertIfAbsent(WF, 'c2', 'v1', 1);
    const swaps = [
      { workflowId: WF, nodeId: 'c1', expect: 'v1', next: 'v2' },
      { workflowId: WF, nodeId: 'c2', expect: 'stale', next: 'v2' },
    ];
    const reqs = [req(1_000, { swapKey: stateKey(WF, 'c1') }), req(1_000, { swapKey: stateKey(WF, 'c2') }), req(1_000)];
    const { won, results } = await store().executions.ingestWithSwaps(swaps, reqs, 7);
    expect(won).toEqual(new Set([stateKey(WF, 'c1')]));
    expect(results.map((r) => r?.executionId ?? null)).toEqual([reqs[0]!.execution.id, null, reqs[2]!.execution.id]);
    expect((await repo.get(WF, 'c1'))?.json).toBe('v2');
    expect((await repo.get(WF, 'c2'))?.json).toBe('v1');
    // Two passes racing on one expected state: one wins, one execution.
    const race = () => store().executions.ingestWithSwaps([{ ...swaps[0]!, expect: 'v2', next: 'v3' }], [req(2_000, { swapKey: stateKey(WF, 'c1') })], 8);
    const [a, b] = await Promise.all([race(), race()]);
    expect([a!.results[0], b!.results[0]].filter((r) => r !== null)).toHaveLength(1);
    expect(await countExecutions(store())).toBe(3);
  });

  it('ping, sync and stats work', async () => {
    await store().ping();
    await store().sync();
    await store().executions.ingest(req());
    expect(store().stats().writes).toBeGreaterThan(0);
  });
}

describe.each([sqlite])('store port on $name', (f) => contract(f));

describePg('store port on postgres', () => {
  describe.each([postgres])('$name', (f) => contract(f));
  describe('the shared queue', () => claimContract(postgres));
});

function claimContract(f: Factory<PostgresStore>): void {
  const store = useStore(f);
  const queued = async (n: number, at = 1_000) => {
    const reqs = Array.from({ length: n }, (_, i) => req(at + i));
    await Promise.all(reqs.map((r) => store().executions.ingest(r)));
    return reqs.map((r) => r.execution.id);
  };
  const one = async (owner: string, now: number, leaseMs = 1_000) => (await store().claims.claim(owner, 1, now, leaseMs))[0];

  it('claims oldest first, with fence 1, and never a finished execution', async () => {
    const ids = await queued(5);
    const got = await store().claims.claim('A', 3, 10_000, 1_000);
    expect(got.map((c) => c.row.id)).toEqual(ids.slice(0, 3));
    expect(got.map((c) => c.lease)).toEqual([1, 2, 3].map(() => ({ owner: 'A', fence: 1 })));
    // The engine's columns; the list's summary and how a retry was made stay out of the claim (sy_claim returns neither).
    const { summary: _listOnly, retry_from: _retryOnly, ...engineColumns } = execRow(ids[0]!, 1_000);
    expect(got[0]!.row).toEqual(engineColumns);
    await store().executions.finish(ids[3]!, 'success', null, 2_000, 2_000);
    expect((await store().claims.claim('B', 10, 10_000, 1_000)).map((c) => c.row.id)).toEqual([ids[4]]);
  });

  it('never hands one execution to two concurrent claimers (SKIP LOCKED)', async () => {
    const ids = await queued(300);
    const claimer = async (owner: string) => {
      const mine: string[] = [];
      for (;;) {
        const got = await store().claims.claim(owner, 7, 10_000, 60_000);
        if (got.length === 0) return mine;
        mine.push(...got.map((c) => c.row.id));
      }
    };
    const all = (await Promise.all(['A', 'B', 'C', 'D'].map(claimer))).flat();
    expect(all).toHaveLength(300);
    expect(new Set(all)).toEqual(new Set(ids));
  });

  it('takes over an expired lease with fence + 1; the old owner is fenced out', async () => {
    const [id] = (await queued(1)) as [string];
    const a = (await one('A', 10_000))!; // lease until 11_000
    expect(await one('B', 10_999)).toBeUndefined();
    const b = (await one('B', 11_001))!;
    expect(b.lease).toEqual({ owner: 'B', fence: 2 });
    const ex = store().executions;
    expect(await ex.writeStep(stepRow(id, 'n1'), a.lease)).toBe(false);
    expect(await ex.markRunning(id, 12_000, a.lease)).toBe(false);
    expect(await ex.park(id, 99_000, a.lease)).toBe(false);
    expect(await ex.recordActive(id, 5_000, a.lease)).toBe(false);
    expect(await ex.finish(id, 'error', 'stale', 12_000, 12_000, a.lease)).toBe(false);
    expect(await ex.getStep(id, 'n1')).toBeUndefined();
    expect(await ex.getExecution(id)).toMatchObject({ status: 'queued', wake_at: null, active_ms: 0 });
    expect(await ex.writeStep(stepRow(id, 'n1'), b.lease)).toBe(true);
    expect(await ex.markRunning(id, 12_000, b.lease)).toBe(true);
    expect(await ex.finish(id, 'success', null, 13_000, 12_000, b.lease)).toBe(true);
    expect(await ex.getExecution(id)).toMatchObject({ status: 'success', finished_at: 13_000 });
    expect(await one('C', 99_999)).toBeUndefined();
  });

  /** `n` queued executions of one concurrency group (limit `limit`), created one ms apart from `at`. */
  const grouped = async (group: string, limit: number, n: number, at = 1_000) => {
    const reqs = Array.from({ length: n }, (_, i) => {
      const r = req(at + i);
      r.execution = { ...r.execution, concurrency_key: `${WF}:${group}`, concurrency_limit: limit };
      return r;
    });
    await store().executions.ingestMany(reqs);
    return reqs.map((r) => r.execution.id);
  };

  it('concurrency: takes at most a group’s limit (oldest first) and the rest of the queue meanwhile', async () => {
    const a = await grouped('a', 2, 4, 1_000);
    const b = await grouped('b', 1, 2, 1_010);
    const free = await queued(2, 1_020);
    const first = await store().claims.claim('A', 10, 10_000, 60_000);
    expect(first.map((c) => c.row.id)).toEqual([a[0], a[1], b[0], ...free]);
    // Full groups: nothing more, however much room the claimer has.
    expect(await store().claims.claim('B', 10, 10_000, 60_000)).toEqual([]);
    // A finished holder frees one slot, taken by the group's oldest waiting execution.
    await store().executions.finish(a[0]!, 'success', null, 11_000, 10_000, first[0]!.lease);
    expect((await store().claims.claim('B', 10, 11_000, 60_000)).map((c) => c.row.id)).toEqual([a[2]]);
    // A parked holder holds no slot; once due it waits for one like the others (oldest first).
    await store().executions.park(b[0]!, 20_000, first[2]!.lease);
    expect((await store().claims.claim('B', 10, 11_000, 60_000)).map((c) => c.row.id)).toEqual([b[1]]);
    expect(await store().claims.claim('B', 10, 20_000, 60_000)).toEqual([]);
  });

  it('concurrency: a killed worker’s expired leases give their slots back', async () => {
    const ids = await grouped('a', 2, 3);
    await store().claims.claim('dead', 10, 10_000, 1_000); // leases until 11_000, never renewed
    expect(await store().claims.claim('B', 10, 10_500, 60_000)).toEqual([]);
    // Expired: the two are claimable again, oldest first, and hold the group's two slots.
    expect((await store().claims.claim('B', 10, 11_001, 60_000)).map((c) => c.row.id)).toEqual(ids.slice(0, 2));
    expect(await store().claims.claim('C', 10, 11_002, 60_000)).toEqual([]);
  });

  it('concurrency: concurrent claimers never exceed a group’s limit', async () => {
    await grouped('a', 3, 60);
    const free = await queued(30, 5_000);
    const got = (await Promise.all(['A', 'B', 'C', 'D', 'E', 'F'].map((o) => store().claims.claim(o, 10, 10_000, 60_000)))).flat();
    const limited = got.filter((c) => !free.includes(c.row.id));
    expect(limited.length).toBeLessThanOrEqual(3);
    expect(new Set(got.map((c) => c.row.id)).size).toBe(got.length);
    const held = await store().kysely.selectFrom('executions').select('id').where('concurrency_key', '=', `${WF}:a`).where('lease_owner', 'is not', null).execute();
    expect(held.length).toBe(limited.length);
    // Whatever the race left free is taken by the next claim, never more than the limit in all.
    await store().claims.claim('G', 10, 10_000, 60_000);
    const after = await store().kysely.selectFrom('executions').select('id').where('concurrency_key', '=', `${WF}:a`).where('lease_owner', 'is not', null).execute();
    expect(after.length).toBe(3);
  });

  it('renew keeps a lease; release makes it claimable at once', async () => {
    await queued(1);
    await one('A', 10_000);
    expect(await store().claims.renew('A', 20_000)).toBe(1);
    expect(await one('B', 15_000)).toBeUndefined();
    await store().claims.release('A');
    expect((await one('B', 15_000))?.lease).toEqual({ owner: 'B', fence: 2 });
  });

  it('park clears the lease; the execution is claimable only once due, by anyone', async () => {
    const [id] = (await queued(1)) as [string];
    const a = (await one('A', 10_000, 60_000))!;
    expect(await store().executions.park(id, 50_000, a.lease)).toBe(true);
    expect(await store().executions.writeStep(stepRow(id, 'n1'), a.lease)).toBe(false); // no owner now
    expect(await store().claims.nextWake()).toBe(50_000);
    expect(await one('B', 49_999)).toBeUndefined();
    const b = (await one('B', 50_000))!;
    expect(b.lease).toEqual({ owner: 'B', fence: 2 });
    expect(await store().executions.markRunning(id, 50_001, b.lease)).toBe(true);
    expect(await store().claims.nextWake()).toBeNull();
  });

  it('keeps the writes of one execution in issue order within a batch (merged statements)', async () => {
    const [id] = (await queued(1)) as [string];
    const { lease } = (await one('A', 10_000))!;
    const ex = store().executions;
    // One tick: all of these share one transaction; finish gives the lease up, so it must land last.
    const results = await Promise.all([
      ex.markRunning(id, 10_001, lease),
      ex.writeStep(stepRow(id, 'a', { attempts: 1 }), lease),
      ex.writeStep(stepRow(id, 'a', { attempts: 2 }), lease),
      ex.writeStep(stepRow(id, 'b'), lease),
      ex.finish(id, 'success', null, 10_002, 10_001, lease),
    ]);
    expect(results).toEqual([true, true, true, true, true]);
    expect((await ex.getStep(id, 'a'))?.attempts).toBe(2);
    expect(await ex.getExecution(id)).toMatchObject({ status: 'success', started_at: 10_001, finished_at: 10_002 });
    expect(await ex.writeStep(stepRow(id, 'c'), lease)).toBe(false); // finished: the lease is gone
  });

  it('ingest with leaseTo holds the lease from the insert (fence 1)', async () => {
    const r = req(1_000, { leaseTo: { owner: 'A', until: 5_000 } });
    expect(await store().executions.ingest(r)).toEqual({ executionId: r.execution.id, duplicate: false, lease: { owner: 'A', fence: 1 } });
    expect(await store().executions.writeStep(stepRow(r.execution.id, 'n1'), { owner: 'A', fence: 1 })).toBe(true);
    expect(await one('B', 4_999)).toBeUndefined();
    expect((await one('B', 5_001))?.lease).toEqual({ owner: 'B', fence: 2 });
  });

  it('one key ingested by two processes at once starts one execution; both answer its id', async () => {
    const other = await openPostgresStore(urlOf(store()));
    try {
      const idem = { token: 'tok', key: 'same', since: 0 };
      const results = await Promise.all([store(), other, store(), other].flatMap((s) => Array.from({ length: 5 }, () => s.executions.ingest(req(1_000, { idempotency: idem })))));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.executionId)).size).toBe(1);
      expect(await countExecutions(store())).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('wakes the queue once per batch of free ingests, never for leased ones', async () => {
    const seen: string[] = [];
    const listener = await store().listen([CHANNELS.queue], (channel) => seen.push(channel));
    try {
      await Promise.all(Array.from({ length: 50 }, () => store().executions.ingest(req())));
      await waitFor(() => seen.length > 0);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([CHANNELS.queue]);
      await store().executions.ingest(req(1_000, { leaseTo: { owner: 'A', until: 9_000 } }));
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toHaveLength(1);
    } finally {
      await listener.close();
    }
  });
}

/** The URL a store was opened with (the pool keeps it; tests open a second "process" on it). */
const urlOf = (s: PostgresStore): string => (s.pool as unknown as { options: { connectionString: string } }).options.connectionString;

async function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
