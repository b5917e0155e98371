/**
 * The engine over the store port, on both databases, without a server: executor, queue (in-process
 * on SQLite, leased claims on PostgreSQL), group commit / batched writer and fences, composed as
 * switchyard.ts composes them (engine.test-helpers.ts). Real stores, real HTTP to a loopback sink.
 * PostgreSQL adds what only several workers over one database can show: the fence, exclusive
 * claims, and leases given back on a graceful stop.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePg } from '../../test/helpers/postgres.ts';
import { startSink, type SinkReply, type SinkRequest } from '../../test/helpers/sink.ts';
import type { Lease, StepRow, Store } from '../db/store.ts';
import type { AdvanceResult } from './executor.ts';
import { isFinalStatus } from './events.ts';
import {
  createEngine, finished, gate, postgresBackend, recordAdvances, recordClaims, recordReleases, saveWorkflow, sqliteBackend, until,
  type Backend, type ClaimRecord, type Database, type Engine, type EngineOptions, type ReleaseRecord,
} from './engine.test-helpers.ts';

/** A fresh database per test; engines, sinks and gates made through it are closed after it. */
function useDatabase(b: Backend) {
  let db: Database | undefined;
  let defers: (() => unknown)[] = [];
  const engines: Engine[] = [];
  beforeEach(async () => void (db = await b.open()));
  afterEach(async () => {
    for (const f of defers.reverse()) await f();
    defers = [];
    await db?.cleanup();
    db = undefined;
    // No execution crashed and no write failed, in any engine of the test.
    const errors = engines.splice(0).flatMap((e) => e.logger.lines.filter((l) => l.level === 'error'));
    expect(errors).toEqual([]);
  });
  return {
    store: () => db!.store,
    another: () => db!.another(),
    defer: (f: () => unknown) => void defers.push(f),
    async engine(o: EngineOptions = {}, store: Store = db!.store) {
      const e = await createEngine(store, o);
      engines.push(e);
      defers.push(() => e.stop());
      return e;
    },
    async sink(reply?: (req: SinkRequest, n: number) => SinkReply | Promise<SinkReply>) {
      const s = await startSink(reply);
      defers.push(() => s.close());
      return s;
    },
    gate() {
      const g = gate();
      defers.push(() => g.open());
      return g;
    },
  };
}

const byNode = (rows: StepRow[]) => Object.fromEntries(rows.map((r) => [r.node_id, r]));
const out = (row: StepRow | undefined) => (row?.output == null ? undefined : JSON.parse(row.output));
const statuses = async (store: Store, id: string) =>
  Object.fromEntries((await store.executions.getSteps(id)).map((r) => [r.node_id, r.status]));

describe.each([sqliteBackend, postgresBackend])('engine over $name', (b) => {
  (b.name === 'postgres' ? describePg : describe)('contract', () => {
    const t = useDatabase(b);

    it('runs trigger → data.transform → action.http, records each step with its output, sends the Idempotency-Key', async () => {
      const sink = await t.sink((r) => ({ status: 201, body: { got: r.json } }));
      const wf = await saveWorkflow(t.store(), 'wf_straight', [
        { id: 'start', type: 'trigger.manual' },
        { id: 'shape', type: 'data.transform', config: { expression: '{ "email": $lowercase(input.email), "n": input.n + 1 }' } },
        { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/leads`, body: { email: '{{ steps.shape.email }}', n: '{{ input.n }}' } } },
      ]);
      const e = await t.engine();
      const { executionId: id, duplicate } = await e.service.start({ ...wf, mode: 'manual', event: { email: 'A@B.CO', n: 41 } });
      expect(duplicate).toBe(false);
      const row = await finished(t.store(), id);
      expect(row).toMatchObject({ status: 'success', error: null, workflow_id: 'wf_straight', workflow_version: 1, wake_at: null });
      expect(row.finished_at).not.toBeNull();
      const steps = byNode(await t.store().executions.getSteps(id));
      expect(Object.keys(steps).sort()).toEqual(['call', 'shape', 'start']);
      expect(out(steps.start)).toEqual({ email: 'A@B.CO', n: 41 });
      expect(steps.shape).toMatchObject({ status: 'success', attempts: 1 });
      expect(out(steps.shape)).toEqual({ email: 'a@b.co', n: 42 });
      expect(steps.call).toMatchObject({ status: 'success', attempts: 1, handle: null });
      expect(out(steps.call)).toMatchObject({ status: 201, body: { got: { email: 'a@b.co', n: 42 } } });
      expect(sink.requests).toHaveLength(1);
      expect(sink.requests[0]).toMatchObject({ method: 'POST', url: '/leads', json: { email: 'a@b.co', n: 42 } });
      expect(sink.requests[0]!.headers['idempotency-key']).toBe(`${id}.call`);
    });

    it('logic.if routes one way; the untaken branch (and what follows it) is recorded skipped', async () => {
      const sink = await t.sink();
      const wf = await saveWorkflow(
        t.store(),
        'wf_branch',
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'check', type: 'logic.if', config: { condition: 'input.amount > 100' } },
          { id: 'big', type: 'data.transform', config: { expression: '"big " & $string(input.amount)' } },
          { id: 'small', type: 'action.http', config: { url: `${sink.url}/small` } },
          { id: 'afterSmall', type: 'data.transform', config: { expression: '"after"' } },
        ],
        [
          { source: 'start', target: 'check' },
          { source: 'check', target: 'big', sourceHandle: 'true' },
          { source: 'check', target: 'small', sourceHandle: 'false' },
          { source: 'small', target: 'afterSmall' },
        ],
      );
      const e = await t.engine();
      const high = (await e.service.start({ ...wf, mode: 'manual', event: { amount: 250 } })).executionId;
      expect((await finished(t.store(), high)).status).toBe('success');
      expect(await statuses(t.store(), high)).toEqual({ start: 'success', check: 'success', big: 'success', small: 'skipped', afterSmall: 'skipped' });
      const hs = byNode(await t.store().executions.getSteps(high));
      expect(hs.check!.handle).toBe('true');
      expect(out(hs.big)).toBe('big 250');
      expect(sink.requests).toHaveLength(0);

      const low = (await e.service.start({ ...wf, mode: 'manual', event: { amount: 5 } })).executionId;
      expect((await finished(t.store(), low)).status).toBe('success');
      expect(await statuses(t.store(), low)).toEqual({ start: 'success', check: 'success', big: 'skipped', small: 'success', afterSmall: 'success' });
      expect(byNode(await t.store().executions.getSteps(low)).check!.handle).toBe('false');
      expect(sink.requests.map((r) => r.url)).toEqual(['/small']);
    });

    it('retries a 503 twice, then succeeds with attempts 3 and the same Idempotency-Key each time', async () => {
      const sink = await t.sink((_r, n) => (n <= 2 ? { status: 503, body: 'busy' } : { status: 200, body: { ok: n } }));
      const wf = await saveWorkflow(t.store(), 'wf_retry', [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'action.http', config: { url: `${sink.url}/flaky` }, retry: { attempts: 3, delayMs: 20 } },
      ]);
      const e = await t.engine();
      const id = (await e.service.start({ ...wf, mode: 'manual', event: {} })).executionId;
      expect((await finished(t.store(), id)).status).toBe('success');
      const call = (await t.store().executions.getStep(id, 'call'))!;
      expect(call).toMatchObject({ status: 'success', attempts: 3, error: null });
      expect(out(call)).toMatchObject({ status: 200, body: { ok: 3 } });
      expect(sink.requests.map((r) => r.headers['idempotency-key'])).toEqual([`${id}.call`, `${id}.call`, `${id}.call`]);
    });

    it('onError continue: the error is the output and the run goes on; stop: the execution fails there', async () => {
      const sink = await t.sink((r) => (r.url === '/fail' ? { status: 400, body: { bad: true } } : { status: 200, body: {} }));
      const nodes = (onError: 'continue' | 'stop') => [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'action.http', config: { url: `${sink.url}/fail` }, onError, retry: { attempts: 3, delayMs: 10 } },
        { id: 'next', type: 'action.http', config: { method: 'POST' as const, url: `${sink.url}/next`, body: { code: '{{ input.error.code }}' } } },
      ];
      const cont = await saveWorkflow(t.store(), 'wf_continue', nodes('continue'));
      const stop = await saveWorkflow(t.store(), 'wf_stop', nodes('stop'));
      const e = await t.engine();

      const a = (await e.service.start({ ...cont, mode: 'manual', event: {} })).executionId;
      expect(await finished(t.store(), a)).toMatchObject({ status: 'success', error: null });
      const as = byNode(await t.store().executions.getSteps(a));
      // A 4xx is a NodeFailure: not retried whatever the policy says.
      expect(as.call).toMatchObject({ status: 'error', attempts: 1 });
      expect(JSON.parse(as.call!.error!)).toMatchObject({ code: 'HTTP_STATUS', details: { status: 400 } });
      expect(out(as.call)).toMatchObject({ error: { code: 'HTTP_STATUS' } });
      expect(as.next!.status).toBe('success');
      expect(sink.requests.map((r) => [r.url, r.json])).toEqual([['/fail', undefined], ['/next', { code: 'HTTP_STATUS' }]]);

      const s = (await e.service.start({ ...stop, mode: 'manual', event: {} })).executionId;
      const row = await finished(t.store(), s);
      expect(row.status).toBe('error');
      expect(JSON.parse(row.error!)).toMatchObject({ nodeId: 'call', code: 'HTTP_STATUS' });
      expect(await statuses(t.store(), s)).toEqual({ start: 'success', call: 'error' });
      expect(sink.requests.map((r) => r.url)).toEqual(['/fail', '/next', '/fail']);
    });

    it('flow.delay parks the execution in the store (out of the worker pool, no lease), then wakes it and finishes', async () => {
      const wf = await saveWorkflow(t.store(), 'wf_delay', [
        { id: 'start', type: 'trigger.manual' },
        { id: 'pause', type: 'flow.delay', config: { seconds: 1 } },
        { id: 'after', type: 'data.transform', config: { expression: 'input.n + 1' } },
      ]);
      const e = await t.engine();
      const id = (await e.service.start({ ...wf, mode: 'manual', event: { n: 41 } })).executionId;
      const parked = await until(async () => {
        const [row, step] = [await t.store().executions.getExecution(id), await t.store().executions.getStep(id, 'pause')];
        const lease = await t.store().kysely.selectFrom('executions').select(['lease_owner', 'lease_until']).where('id', '=', id).executeTakeFirstOrThrow();
        return row?.wake_at != null && step?.status === 'waiting' && e.queue.stats().running === 0 && { row, step, lease };
      }, 5000, 'the execution to park');
      expect(['running', 'queued']).toContain(parked.row.status);
      expect(parked.step.resume_at).not.toBeNull();
      expect(parked.row.wake_at).toBe(parked.step.resume_at);
      expect(parked.lease).toEqual({ lease_owner: null, lease_until: null });
      expect(await t.store().executions.getStep(id, 'after')).toBeUndefined();

      expect((await finished(t.store(), id)).status).toBe('success');
      const steps = byNode(await t.store().executions.getSteps(id));
      expect(steps.pause).toMatchObject({ status: 'success' });
      expect(out(steps.after)).toBe(42);
      expect((await t.store().executions.getExecution(id))!.wake_at).toBeNull();
    });

    it('resumes from the step log: a recorded step does not run again, its output feeds the next', async () => {
      const sink = await t.sink((r) => ({ status: 200, body: { path: r.url } }));
      const wf = await saveWorkflow(t.store(), 'wf_resume', [
        { id: 'start', type: 'trigger.manual' },
        { id: 'A', type: 'action.http', config: { url: `${sink.url}/a` } },
        { id: 'B', type: 'action.http', config: { method: 'POST', url: `${sink.url}/b`, body: { fromA: '{{ steps.A.body.token }}' } } },
      ]);
      const id = 'ex_resume_0001';
      const now = Date.now();
      const step = (node_id: string, output: unknown): StepRow => ({
        execution_id: id, node_id, iteration: '', status: 'success', attempts: 1, input: null, output: JSON.stringify(output), error: null,
        handle: null, truncated: 0, started_at: now, finished_at: now, resume_at: null,
      });
      await t.store().executions.ingest({
        execution: { id, workflow_id: wf.workflowId, workflow_version: 1, status: 'running', mode: 'manual', retry_of: null, error: null, created_at: now, started_at: now, finished_at: null, wake_at: null },
        triggerStep: step('start', { n: 1 }),
      });
      const a = step('A', { status: 200, headers: {}, body: { token: 'from-the-log' }, durationMs: 1 });
      expect(await t.store().executions.writeStep(a)).toBe(true);

      const e = await t.engine();
      await e.queue.resumeAll();
      expect((await finished(t.store(), id)).status).toBe('success');
      expect(sink.requests.map((r) => [r.url, r.json])).toEqual([['/b', { fromA: 'from-the-log' }]]);
      expect(sink.requests[0]!.headers['idempotency-key']).toBe(`${id}.B`);
      const steps = byNode(await t.store().executions.getSteps(id));
      expect(steps.A).toEqual(a);
      expect(steps.B).toMatchObject({ status: 'success', attempts: 1 });
    });

    it('never commits the final status before the execution’s steps', async () => {
      const fan = Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, type: 'data.transform', config: { expression: `input.n * ${i}` } }));
      const wf = await saveWorkflow(
        t.store(),
        'wf_order',
        [{ id: 'start', type: 'trigger.manual' }, ...fan, { id: 'join', type: 'data.transform', config: { expression: '$sum([steps.p1, steps.p7])' } }],
        fan.flatMap((p) => [{ source: 'start', target: p.id }, { source: p.id, target: 'join' }]),
      );
      const e = await t.engine();
      const seen: Promise<{ id: string; status: string | undefined; steps: StepRow[] }>[] = [];
      // Read right when the final event fires (the event follows the final write).
      e.events.onExecution((ev) => {
        if (!isFinalStatus(ev.status)) return;
        seen.push((async () => ({ id: ev.executionId, status: (await t.store().executions.getExecution(ev.executionId))?.status, steps: await t.store().executions.getSteps(ev.executionId) }))());
      });
      const ids = await Promise.all(Array.from({ length: 20 }, (_, n) => e.service.start({ ...wf, mode: 'manual', event: { n } }).then((r) => r.executionId)));
      // Meanwhile a reader: whenever it sees a final status, every step must already be there.
      const torn: string[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          for (const id of ids) {
            const row = await t.store().executions.getExecution(id);
            if (row && isFinalStatus(row.status) && (await t.store().executions.getSteps(id)).length !== 10) torn.push(id);
          }
          await new Promise((r) => setImmediate(r)); // SQLite reads resolve at once: let the engine's I/O in
        }
      })();
      try {
        for (const id of ids) expect((await finished(t.store(), id)).status).toBe('success');
      } finally {
        watching = false;
        await watcher;
      }
      // The row can be read before its write is durable (SQLite: committed, fsync pending); the event waits for that.
      await until(() => seen.length === ids.length, 10_000, 'every final event');
      const reads = await Promise.all(seen);
      expect(reads.map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const r of reads) {
        expect(r.status).toBe('success');
        expect(r.steps.map((s) => [s.node_id, s.status]).sort()).toEqual([['join', 'success'], ['start', 'success'], ...fan.map((p) => [p.id, 'success'])].sort());
      }
      expect(torn).toEqual([]);
      expect(out(byNode(reads[0]!.steps).join)).toBe(8 * Number(out(byNode(reads[0]!.steps).start).n));
    });
  });
});

describePg('engine over postgres: several workers on one database', () => {
  const t = useDatabase(postgresBackend);
  const blockingFlow = async (sinkUrl: string) =>
    saveWorkflow(t.store(), 'wf_block', [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'action.http', config: { url: `${sinkUrl}/call` } },
      { id: 'after', type: 'data.transform', config: { expression: 'steps.call.body.n' } },
    ]);

  it('fences out a worker whose lease expired: the new owner finishes, the old one’s writes are refused', async () => {
    const g = t.gate();
    const sink = await t.sink(async (_r, n) => (n === 1 && (await g.promise), { status: 200, body: { n } }));
    const wf = await blockingFlow(sink.url);
    const claimsB: ClaimRecord[] = [];
    const advancesA: { id: string; lease: Lease | undefined; result: AdvanceResult }[] = [];
    const writesA: { node: string; ok: boolean }[] = [];
    // A renews nothing (a paused worker), so its 1 s lease runs out while its request hangs.
    const a = await t.engine({
      owner: 'A', leaseMs: 1000, concurrency: 1, claims: recordClaims([], () => true), executor: recordAdvances(advancesA),
      executions: (s) => ({ ...s, writeStep: async (row, lease) => { const ok = await s.writeStep(row, lease); writesA.push({ node: row.node_id, ok }); return ok; } }),
    });
    const b = await t.engine({ owner: 'B', leaseMs: 1000, pollMs: 100, claims: recordClaims(claimsB) }, await t.another());
    const id = (await a.service.start({ ...wf, mode: 'manual', event: {} })).executionId;

    const row = await finished(t.store(), id, 15_000);
    expect(row.status).toBe('success');
    expect(claimsB.map((c) => [c.id, c.fence])).toEqual([[id, 2]]);
    await until(() => sink.requests.length === 2);
    expect(advancesA).toEqual([]); // A is still waiting on the sink
    g.open();
    await until(() => advancesA.length === 1, 10_000, 'A to give up');
    expect(advancesA[0]).toEqual({ id, lease: { owner: 'A', fence: 1 }, result: { status: 'lost' } });
    // A learns it lost only when a write comes back refused (writes are pipelined, not awaited one by
    // one), so it may have run a node or two past that point: every one of its writes was refused.
    expect(writesA[0]).toEqual({ node: 'call', ok: false });
    expect(writesA.filter((w) => w.ok)).toEqual([]);

    const steps = await t.store().executions.getSteps(id);
    expect(steps.map((s) => s.node_id).sort()).toEqual(['after', 'call', 'start']);
    expect(out(byNode(steps).call)).toMatchObject({ body: { n: 2 } }); // B's answer, not A's
    expect(out(byNode(steps).after)).toBe(2);
    expect(sink.requests.map((r) => r.headers['idempotency-key'])).toEqual([`${id}.call`, `${id}.call`]);
    expect(await t.store().executions.getExecution(id)).toMatchObject({ status: 'success' });
    const lease = await t.store().kysely.selectFrom('executions').select(['lease_owner', 'fence']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(lease).toEqual({ lease_owner: null, fence: 2 });
    expect(b.logger.lines).toEqual([]);
  });

  it('a worker that re-claims an execution it is still running runs it again once the stale run stops', async () => {
    const gx = t.gate();
    const gy = t.gate();
    const sink = await t.sink(async (r) => (await (r.url === '/x' ? gx : gy).promise, { status: 200, body: { n: r.url } }));
    const flow = (id: string, path: string) => saveWorkflow(t.store(), id, [{ id: 'start', type: 'trigger.manual' }, { id: 'call', type: 'action.http', config: { url: `${sink.url}${path}` } }]);
    const [wx, wy] = [await flow('wf_x', '/x'), await flow('wf_y', '/y')];
    const claims: ClaimRecord[] = [];
    let paused = true;
    const a = await t.engine({ owner: 'A', leaseMs: 1000, pollMs: 100, concurrency: 4, claims: recordClaims(claims, () => paused) });
    const x = (await a.service.start({ ...wx, mode: 'manual', event: {} })).executionId;
    const y = (await a.service.start({ ...wy, mode: 'manual', event: {} })).executionId;
    // Renewals stall past the lease: A's own poll takes both back (fence 2) while it still runs them.
    await until(() => [x, y].every((id) => claims.some((c) => c.id === id && c.fence === 2)), 10_000, 'A to re-claim both');
    paused = false;
    gx.open(); // X's stale run is fenced out; Y stays blocked, so A stays busy and keeps renewing.
    expect((await finished(t.store(), x, 10_000)).status).toBe('success');
    expect(sink.requests.filter((r) => r.url === '/x')).toHaveLength(2);
    gy.open();
    expect((await finished(t.store(), y, 10_000)).status).toBe('success');
    expect(await statuses(t.store(), x)).toEqual({ start: 'success', call: 'success' });
  });

  it('200 executions over two queues: no two owners hold one execution at once, fences only grow', async () => {
    const wf = await saveWorkflow(t.store(), 'wf_many', [
      { id: 'start', type: 'trigger.manual' },
      { id: 'double', type: 'data.transform', config: { expression: 'input.n * 2' } },
      { id: 'pause', type: 'flow.delay', config: { seconds: 0 } }, // parks: the lease is given up, either queue takes it next
      { id: 'after', type: 'data.transform', config: { expression: 'steps.double + 1' } },
    ]);
    const claims: ClaimRecord[] = [];
    const releases: ReleaseRecord[] = [];
    const worker = async (owner: string) =>
      t.engine({ owner, leaseMs: 10_000, pollMs: 100, concurrency: 8, claims: recordClaims(claims), executions: recordReleases(releases) }, await t.another());
    await Promise.all([worker('A'), worker('B')]);
    const web = await t.engine({ remote: true });
    const ids: string[] = [];
    for (let n = 0; n < 200; n += 20) {
      ids.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => web.service.start({ ...wf, mode: 'manual', event: { n: n + i } }).then((r) => r.executionId)))));
    }
    for (const id of ids) expect((await finished(t.store(), id, 60_000)).status).toBe('success');

    for (const [i, id] of ids.entries()) {
      const mine = claims.filter((c) => c.id === id); // in the order the claims returned
      expect(mine.length).toBeGreaterThanOrEqual(2); // claimed, parked, claimed again
      mine.forEach((c, k) => {
        if (k === 0) return expect(c.fence).toBe(1);
        const prev = mine[k - 1]!;
        expect(c.fence).toBe(prev.fence + 1);
        // The previous holder had given it up (park/finish sent before this claim came back) or its lease had run out.
        const gaveUp = releases.some((r) => r.id === id && r.owner === prev.owner && r.fence === prev.fence && r.at <= c.at);
        expect(gaveUp || c.now > prev.until, `${id}: claim ${k} by ${c.owner} while ${prev.owner} held fence ${prev.fence}`).toBe(true);
      });
      const steps = byNode(await t.store().executions.getSteps(id));
      expect(Object.keys(steps).sort()).toEqual(['after', 'double', 'pause', 'start']);
      expect(out(steps.after)).toBe(2 * i + 1);
      const { fence } = await t.store().kysely.selectFrom('executions').select('fence').where('id', '=', id).executeTakeFirstOrThrow();
      expect(fence).toBe(mine.at(-1)!.fence);
    }
  });

  it('a graceful stop gives leases back: another worker takes the interrupted execution at once', async () => {
    const g = t.gate();
    const sink = await t.sink(async (_r, n) => (n === 1 && (await g.promise), { status: 200, body: { n } }));
    const wf = await blockingFlow(sink.url);
    const advancesA: { id: string; lease: Lease | undefined; result: AdvanceResult }[] = [];
    const claimsB: ClaimRecord[] = [];
    // Leases of a minute: B finishing within the wait below means it did not wait for A's to expire.
    const a = await t.engine({ owner: 'A', leaseMs: 60_000, concurrency: 1, executor: recordAdvances(advancesA) });
    await t.engine({ owner: 'B', leaseMs: 60_000, pollMs: 100, claims: recordClaims(claimsB) }, await t.another());
    const id = (await a.service.start({ ...wf, mode: 'manual', event: {} })).executionId;
    await until(async () => sink.requests.length === 1 && (await t.store().executions.getExecution(id))?.status === 'running');
    await a.stop();
    expect(advancesA).toEqual([{ id, lease: { owner: 'A', fence: 1 }, result: { status: 'interrupted' } }]);

    expect((await finished(t.store(), id, 10_000)).status).toBe('success');
    expect(claimsB.map((c) => [c.id, c.owner, c.fence])).toEqual([[id, 'B', 2]]);
    const steps = byNode(await t.store().executions.getSteps(id));
    expect(Object.keys(steps).sort()).toEqual(['after', 'call', 'start']);
    expect(out(steps.after)).toBe(2);
    expect(sink.requests.map((r) => r.headers['idempotency-key'])).toEqual([`${id}.call`, `${id}.call`]);
  });
});
