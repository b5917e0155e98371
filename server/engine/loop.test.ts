/**
 * flow.forEach in the engine: the body runs once per item (recorded under the item's index),
 * concurrently up to the limit, results in item order, failures per `onItemError`, nested loops,
 * branches and parks inside a body, and a resume that never repeats a finished iteration. Real
 * SQLite store, real HTTP to a loopback sink (the executor is the same on PostgreSQL: the
 * PostgreSQL project runs the crash test in test/engine/loop-crash.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSink, type SinkRequest } from '../../test/helpers/sink.ts';
import type { StepRow } from '../db/store.ts';
import { createEngine, finished, saveWorkflow, sqliteBackend, type Database, type Engine } from './engine.test-helpers.ts';

type Reply = (req: SinkRequest) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;

describe('flow.forEach', () => {
  let db: Database;
  let engine: Engine;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let reply: Reply;
  let inFlight = 0;
  let maxInFlight = 0;
  beforeEach(async () => {
    db = await sqliteBackend.open();
    engine = await createEngine(db.store);
    reply = () => ({ status: 200, body: { ok: true } });
    inFlight = 0;
    maxInFlight = 0;
    sink = await startSink(async (req) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await reply(req);
      } finally {
        inFlight--;
      }
    });
  });
  afterEach(async () => {
    await engine.stop();
    await sink.close();
    await db.cleanup();
  });

  const steps = (id: string) => db.store.executions.getSteps(id);
  const stepOf = (rows: StepRow[], nodeId: string, iteration = '') => rows.find((r) => r.node_id === nodeId && r.iteration === iteration);
  const outputOf = (rows: StepRow[], nodeId: string, iteration = '') => JSON.parse(stepOf(rows, nodeId, iteration)?.output ?? 'null');
  const run = async (wf: Awaited<ReturnType<typeof saveWorkflow>>, event: unknown) => {
    const id = (await engine.service.start({ ...wf, mode: 'manual', event })).executionId;
    return { id, row: await finished(db.store, id, 20_000) };
  };
  const loopWorkflow = (id: string, config: Record<string, unknown>, body: 'post' | 'post+if' = 'post') =>
    saveWorkflow(
      db.store,
      id,
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'each', type: 'flow.forEach', config: { items: 'trigger.lines', ...config } },
        {
          id: 'post',
          type: 'action.http',
          config: { method: 'POST', url: `${sink.url}/line`, body: { sku: '{{ item.sku }}', index: '{{ index }}', of: '{{ $count(items) }}', order: '{{ trigger.order }}' } },
        },
        ...(body === 'post+if'
          ? [
              { id: 'big', type: 'logic.if' as const, config: { condition: 'item.qty > 1' } },
              { id: 'bulk', type: 'data.transform' as const, config: { expression: '{ "bulk": item.sku, "status": steps.post.status }' } },
              { id: 'single', type: 'data.transform' as const, config: { expression: '{ "single": item.sku }' } },
            ]
          : []),
        { id: 'after', type: 'data.transform', config: { expression: '{ "count": $count(input.results), "failed": input.failed }' } },
      ],
      [
        { source: 'start', target: 'each' },
        { source: 'each', target: 'post', sourceHandle: 'each' },
        ...(body === 'post+if'
          ? [
              { source: 'post', target: 'big' },
              { source: 'big', target: 'bulk', sourceHandle: 'true' },
              { source: 'big', target: 'single', sourceHandle: 'false' },
            ]
          : []),
        { source: 'each', target: 'after', sourceHandle: 'done' },
      ],
    );
  const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `sku-${i}`, qty: (i % 3) + 1 }));

  it('sends one request per item, at most `concurrency` at once, and gives results in item order', async () => {
    reply = async (req) => {
      // Later items answer sooner: results must still come back in item order.
      const { index } = req.json as { index: number };
      await new Promise((r) => setTimeout(r, 30 - (Number(index) % 5) * 5));
      return { status: 200, body: { echoed: index } };
    };
    const wf = await loopWorkflow('wf_loop_50', { concurrency: 5 });
    const { id, row } = await run(wf, { order: 'A-1', lines: lines(50) });
    expect(row.status).toBe('success');
    expect(sink.requests).toHaveLength(50);
    expect(new Set(sink.requests.map((r) => r.headers['idempotency-key'])).size).toBe(50);
    expect(sink.requests.map((r) => r.headers['idempotency-key']).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `${id}.post.${i}`).sort());
    expect(sink.requests.map((r) => (r.json as { sku: string }).sku).sort()).toEqual(lines(50).map((l) => l.sku).sort());
    expect(sink.requests.every((r) => (r.json as { of: number }).of === 50 && (r.json as { order: string }).order === 'A-1')).toBe(true);
    expect(maxInFlight).toBe(5);

    const rows = await steps(id);
    const done = outputOf(rows, 'each');
    expect(done.succeeded).toBe(50);
    expect(done.failed).toBe(0);
    expect(done.results.map((r: { body: { echoed: number } }) => r.body.echoed)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(stepOf(rows, 'each')?.handle).toBe('done');
    expect(rows.filter((r) => r.node_id === 'post').map((r) => r.iteration).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(outputOf(rows, 'after')).toEqual({ count: 50, failed: 0 });
  });

  it('stores a 1,000-item loop with one HTTP step in under 1 MB of step rows', async () => {
    const wf = await loopWorkflow('wf_loop_1000', { concurrency: 10 });
    const { id, row } = await run(wf, { order: 'Z', lines: lines(1000) });
    expect(row.status).toBe('success');
    const rows = await steps(id);
    expect(rows.filter((r) => r.node_id === 'post')).toHaveLength(1000);
    const bytes = rows.reduce((n, r) => n + r.node_id.length + r.iteration.length + (r.input?.length ?? 0) + (r.output?.length ?? 0) + (r.error?.length ?? 0) + 64, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
  });

  it('with concurrency 1, runs items one after another in order', async () => {
    const wf = await loopWorkflow('wf_loop_serial', {});
    const { row } = await run(wf, { order: 'B', lines: lines(6) });
    expect(row.status).toBe('success');
    expect(maxInFlight).toBe(1);
    expect(sink.requests.map((r) => (r.json as { index: number }).index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('onItemError stop: the loop fails at the first failed item and starts no later one', async () => {
    reply = (req) => ((req.json as { index: number }).index === 3 ? { status: 500, body: { oops: true } } : { status: 200, body: {} });
    const wf = await loopWorkflow('wf_loop_stop', { onItemError: 'stop' });
    const { id, row } = await run(wf, { order: 'C', lines: lines(8) });
    expect(row.status).toBe('error');
    const failure = JSON.parse(row.error!);
    expect(failure).toMatchObject({ nodeId: 'each', nodeType: 'flow.forEach', code: 'LOOP_ITEM_FAILED', details: { index: 3, nodeId: 'post' } });
    expect(failure.message).toMatch(/^item 3 failed at "post": /);
    expect(sink.requests.map((r) => (r.json as { index: number }).index)).toEqual([0, 1, 2, 3]);
    const rows = await steps(id);
    expect(stepOf(rows, 'post', '3')?.status).toBe('error');
    expect(stepOf(rows, 'after'), 'nothing runs after a failure').toBeUndefined();
  });

  it('onItemError continue: failed items are listed, the others go on, done runs', async () => {
    reply = (req) => ((req.json as { index: number }).index === 3 ? { status: 500, body: { oops: true } } : { status: 200, body: {} });
    const wf = await loopWorkflow('wf_loop_continue', { onItemError: 'continue', concurrency: 3 });
    const { id, row } = await run(wf, { order: 'D', lines: lines(8) });
    expect(row.status).toBe('success');
    expect(sink.requests).toHaveLength(8);
    const rows = await steps(id);
    const done = outputOf(rows, 'each');
    expect(done).toMatchObject({ succeeded: 7, failed: 1, errors: [{ index: 3, nodeId: 'post', error: { code: 'HTTP_STATUS' } }] });
    expect(done.results[3]).toBeNull();
    expect(done.results[4]).toMatchObject({ status: 200 });
    expect(outputOf(rows, 'after')).toEqual({ count: 8, failed: 1 });
  });

  it('a body with an if: each item takes its own branch, the other is recorded skipped for that item', async () => {
    const wf = await loopWorkflow('wf_loop_if', {}, 'post+if');
    const { id, row } = await run(wf, { order: 'E', lines: lines(4) });
    expect(row.status).toBe('success');
    const rows = await steps(id);
    // qty: 1, 2, 3, 1 → single, bulk, bulk, single
    expect(['0', '1', '2', '3'].map((i) => [stepOf(rows, 'bulk', i)?.status, stepOf(rows, 'single', i)?.status])).toEqual([
      ['skipped', 'success'],
      ['success', 'skipped'],
      ['success', 'skipped'],
      ['skipped', 'success'],
    ]);
    // results[i] is the output of the last node that ran in the iteration; steps.post is this item's own.
    expect(outputOf(rows, 'each').results).toEqual([{ single: 'sku-0' }, { bulk: 'sku-1', status: 200 }, { bulk: 'sku-2', status: 200 }, { single: 'sku-3' }]);
  });

  it('nests: an inner loop per outer item, its steps keyed outer.inner', async () => {
    const wf = await saveWorkflow(
      db.store,
      'wf_loop_nested',
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'orders', type: 'flow.forEach', config: { items: 'trigger.orders' } },
        { id: 'lines', type: 'flow.forEach', config: { items: 'item.lines', concurrency: 2 } },
        { id: 'post', type: 'action.http', config: { method: 'POST', url: `${sink.url}/line`, body: { line: '{{ item }}', at: '{{ index }}' } } },
        { id: 'total', type: 'data.transform', config: { expression: '{ "order": item.id, "lines": input.succeeded }' } },
      ],
      [
        { source: 'start', target: 'orders' },
        { source: 'orders', target: 'lines', sourceHandle: 'each' },
        { source: 'lines', target: 'post', sourceHandle: 'each' },
        { source: 'lines', target: 'total', sourceHandle: 'done' },
      ],
    );
    const { id, row } = await run(wf, { orders: [{ id: 'o1', lines: ['a', 'b'] }, { id: 'o2', lines: ['c', 'd', 'e'] }] });
    expect(row.status).toBe('success');
    expect(sink.requests.map((r) => (r.json as { line: string }).line).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const rows = await steps(id);
    expect(rows.filter((r) => r.node_id === 'post').map((r) => r.iteration).sort()).toEqual(['0.0', '0.1', '1.0', '1.1', '1.2']);
    expect(new Set(sink.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['0.0', '0.1', '1.0', '1.1', '1.2'].map((k) => `${id}.post.${k}`)));
    expect(rows.filter((r) => r.node_id === 'lines').map((r) => [r.iteration, r.status])).toEqual(expect.arrayContaining([['0', 'success'], ['1', 'success']]));
    expect(outputOf(rows, 'orders').results).toEqual([{ order: 'o1', lines: 2 }, { order: 'o2', lines: 3 }]);
  });

  it('refuses items that are not a list, and more than maxItems, with a clear step error', async () => {
    const wf = await loopWorkflow('wf_loop_bad', { items: 'trigger.order', maxItems: 3 });
    const notList = await run(wf, { order: { id: 1 }, lines: [] });
    expect(notList.row.status).toBe('error');
    expect(JSON.parse(notList.row.error!)).toMatchObject({ code: 'LOOP_ITEMS_NOT_A_LIST', nodeId: 'each' });
    expect(JSON.parse(notList.row.error!).message).toContain('gave an object');

    const many = await loopWorkflow('wf_loop_many', { maxItems: 3 });
    const tooMany = await run(many, { order: 'F', lines: lines(4) });
    expect(JSON.parse(tooMany.row.error!)).toMatchObject({ code: 'LOOP_TOO_MANY_ITEMS', message: 'items has 4 entries, more than maxItems (3)' });
    expect(sink.requests).toHaveLength(0);
  });

  it('an empty list runs no iteration and goes straight to done', async () => {
    const wf = await loopWorkflow('wf_loop_empty', {});
    const { id, row } = await run(wf, { order: 'G', lines: [] });
    expect(row.status).toBe('success');
    expect(sink.requests).toHaveLength(0);
    expect(outputOf(await steps(id), 'after')).toEqual({ count: 0, failed: 0 });
  });

  it('a delay inside the body parks the execution, and the loop goes on when it wakes', async () => {
    const wf = await saveWorkflow(
      db.store,
      'wf_loop_delay',
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'each', type: 'flow.forEach', config: { items: 'trigger.n', concurrency: 2 } },
        { id: 'pause', type: 'flow.delay', config: { seconds: 0.2 } },
        { id: 'post', type: 'action.http', config: { method: 'POST', url: `${sink.url}/line`, body: { n: '{{ item }}' } } },
      ],
      [
        { source: 'start', target: 'each' },
        { source: 'each', target: 'pause', sourceHandle: 'each' },
        { source: 'pause', target: 'post' },
      ],
    );
    const { id, row } = await run(wf, { n: [1, 2, 3] });
    expect(row.status).toBe('success');
    expect(sink.requests.map((r) => (r.json as { n: number }).n).sort()).toEqual([1, 2, 3]);
    expect(outputOf(await steps(id), 'each')).toMatchObject({ succeeded: 3, results: [{ status: 200 }, { status: 200 }, { status: 200 }] });
  });

  it('resumes a loop from its log: finished iterations are not run again', async () => {
    const wf = await loopWorkflow('wf_loop_resume', {});
    // As a crash would leave it: the loop under way (its progress row), items 0–2 done, item 3 not.
    const id = 'ex_loop_resume_1';
    const now = Date.now();
    const row = (node_id: string, iteration: string, status: string, output: unknown): StepRow => ({
      execution_id: id, node_id, iteration, status, attempts: 1, input: null, output: JSON.stringify(output), error: null,
      handle: null, truncated: 0, started_at: now, finished_at: status === 'running' ? null : now, resume_at: null,
    });
    await db.store.executions.ingest({
      execution: { id, workflow_id: wf.workflowId, workflow_version: 1, status: 'running', mode: 'manual', retry_of: null, error: null, created_at: now, started_at: now, finished_at: null, wake_at: null },
      triggerStep: row('start', '', 'success', { order: 'H', lines: lines(5) }),
    });
    for (const i of [0, 1, 2]) await db.store.executions.writeStep(row('post', String(i), 'success', { status: 200, body: { before: i } }));
    await db.store.executions.writeStep(row('each', '', 'running', { total: 5, done: 3 }));
    engine.queue.enqueue(id);
    const done = await finished(db.store, id);
    expect(done.status).toBe('success');
    expect(sink.requests.map((r) => (r.json as { index: number }).index)).toEqual([3, 4]);
    const results = outputOf(await steps(id), 'each').results;
    expect(results.slice(0, 3)).toEqual([{ status: 200, body: { before: 0 } }, { status: 200, body: { before: 1 } }, { status: 200, body: { before: 2 } }]);
    expect(results[3]).toMatchObject({ status: 200 });
  });
});
