/**
 * flow.call in the engine: a child execution of another workflow, its trigger output the payload;
 * with `wait` the parent parks until the child ends and goes on with its last output (or fails
 * with its error), without it the parent goes on at once. Recursion stops at depth 10. Real SQLite
 * store, real HTTP to a loopback sink; test/engine/call-restart.test.ts covers both databases and
 * a restart while the parent waits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSink } from '../../test/helpers/sink.ts';
import { createWorkflowRepo } from '../db/repos/workflow.repo.ts';
import { createEngine, finished, saveWorkflow, sqliteBackend, until, type Database, type Engine } from './engine.test-helpers.ts';

describe('flow.call', () => {
  let db: Database;
  let engine: Engine;
  let sink: Awaited<ReturnType<typeof startSink>>;
  beforeEach(async () => {
    db = await sqliteBackend.open();
    engine = await createEngine(db.store);
    sink = await startSink(async (req) => {
      await new Promise((r) => setTimeout(r, 100));
      return { status: 200, body: { echoed: req.json } };
    });
  });
  afterEach(async () => {
    await engine.stop();
    await sink.close();
    await db.cleanup();
  });

  const child = (id = 'wf_child', extra: { fail?: boolean } = {}) =>
    saveWorkflow(db.store, id, [
      { id: 'start', type: 'trigger.manual' },
      { id: 'double', type: 'data.transform', config: { expression: extra.fail ? '$error("child says no")' : '{ "got": trigger.n * 2 }' } },
      { id: 'post', type: 'action.http', config: { method: 'POST', url: `${sink.url}/child`, body: '{{ input }}' } },
    ]);
  const parent = (wait: boolean, target = 'wf_child') =>
    saveWorkflow(db.store, `wf_parent_${wait}`, [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'flow.call', config: { workflowId: target, payload: { n: '{{ trigger.n }}' }, wait } },
      { id: 'after', type: 'data.transform', config: { expression: '{ "from": input }' } },
    ]);
  const stepOutput = async (id: string, node: string) => JSON.parse((await db.store.executions.getStep(id, node))?.output ?? 'null');
  const children = (parentId: string) => db.store.kysely.selectFrom('executions').selectAll().where('parent_execution_id', '=', parentId).execute();

  it('with wait: runs the child with the payload, parks, then goes on with the child’s last output', async () => {
    await child();
    const wf = await parent(true);
    const id = (await engine.service.start({ ...wf, mode: 'manual', event: { n: 21 } })).executionId;
    const row = await finished(db.store, id);
    expect(row.status).toBe('success');
    const kids = await children(id);
    expect(kids).toHaveLength(1);
    expect(kids[0]).toMatchObject({ workflow_id: 'wf_child', mode: 'call', call_depth: 1, status: 'success' });
    expect(JSON.parse((await db.store.executions.getStep(kids[0]!.id, 'start'))!.output!)).toEqual({ n: 21 });
    expect(sink.requests.map((r) => r.json)).toEqual([{ got: 42 }]);
    expect(await stepOutput(id, 'call')).toMatchObject({ status: 200, body: { echoed: { got: 42 } } });
    expect(await stepOutput(id, 'after')).toMatchObject({ from: { body: { echoed: { got: 42 } } } });
    expect((await engine.service.get(kids[0]!.id)).parentExecutionId).toBe(id);
    expect((await engine.service.get(id)).children?.map((c) => [c.id, c.mode, c.workflowName])).toEqual([[kids[0]!.id, 'call', 'wf_child']]);
  });

  it('without wait: goes on at once with the child’s execution id; the child runs on its own', async () => {
    await child();
    const wf = await parent(false);
    const id = (await engine.service.start({ ...wf, mode: 'manual', event: { n: 1 } })).executionId;
    expect((await finished(db.store, id)).status).toBe('success');
    const { executionId } = await stepOutput(id, 'call');
    expect((await children(id)).map((k) => k.id)).toEqual([executionId]);
    expect((await finished(db.store, executionId)).status).toBe('success');
    expect(sink.requests.map((r) => r.json)).toEqual([{ got: 2 }]);
  });

  it('fails with the child’s error when the child fails', async () => {
    await child('wf_child', { fail: true });
    const wf = await parent(true);
    const id = (await engine.service.start({ ...wf, mode: 'manual', event: { n: 1 } })).executionId;
    const row = await finished(db.store, id);
    expect(row.status).toBe('error');
    const err = JSON.parse(row.error!);
    expect(err).toMatchObject({ nodeId: 'call', code: 'CALL_FAILED', details: { executionId: (await children(id))[0]!.id } });
    expect(err.message).toContain('child says no');
    expect(await db.store.executions.getStep(id, 'after')).toBeUndefined();
  });

  it('refuses to call a workflow that is inactive or does not start with a manual trigger', async () => {
    await saveWorkflow(db.store, 'wf_hooked', [{ id: 'hook', type: 'trigger.webhook' }]);
    const notManual = await parent(true, 'wf_hooked');
    const a = await engine.service.start({ ...notManual, mode: 'manual', event: {} });
    expect(JSON.parse((await finished(db.store, a.executionId)).error!)).toMatchObject({ code: 'CALL_WORKFLOW_NOT_MANUAL' });

    await child('wf_off');
    const repo = createWorkflowRepo(db.store.kysely);
    await repo.save({ ...(await repo.get('wf_off'))!, active: false });
    const inactive = await saveWorkflow(db.store, 'wf_calls_off', [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'flow.call', config: { workflowId: 'wf_off' } },
    ]);
    const b = await engine.service.start({ ...inactive, mode: 'manual', event: {} });
    expect(JSON.parse((await finished(db.store, b.executionId)).error!)).toMatchObject({ code: 'CALL_WORKFLOW_INACTIVE', message: '"wf_off" is not active: activate it to call it' });
    expect(await children(b.executionId)).toEqual([]);
  });

  it('stops recursion: a workflow calling itself fails at the 11th call, and the chain fails back up', async () => {
    const wf = await saveWorkflow(db.store, 'wf_self', [
      { id: 'start', type: 'trigger.manual' },
      { id: 'again', type: 'flow.call', config: { workflowId: 'wf_self', payload: { n: '{{ trigger.n + 1 }}' } } },
    ]);
    const id = (await engine.service.start({ ...wf, mode: 'manual', event: { n: 0 } })).executionId;
    const row = await finished(db.store, id, 30_000);
    expect(row.status).toBe('error');
    const all = await db.store.kysely.selectFrom('executions').select(['id', 'call_depth', 'status', 'error']).where('workflow_id', '=', 'wf_self').execute();
    expect(all).toHaveLength(11);
    expect(all.map((e) => e.call_depth).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const deepest = all.find((e) => e.call_depth === 10)!;
    expect(JSON.parse(deepest.error!)).toMatchObject({ code: 'CALL_TOO_DEEP', message: 'calls nest at most 10 deep: this would be call 11 (does a workflow call itself?)' });
    expect(JSON.parse(row.error!)).toMatchObject({ code: 'CALL_FAILED' });
    await until(async () => (await db.store.executions.getStep(deepest.id, 'start')) !== undefined);
    expect(JSON.parse((await db.store.executions.getStep(deepest.id, 'start'))!.output!)).toEqual({ n: 10 });
  });
});
