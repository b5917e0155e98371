/**
 * A parent waiting on a called workflow survives kill -9: after the restart the child goes on
 * from its log, the parent is woken when it ends and finishes with the child's output, and
 * nothing ran twice (one child execution, one request each). SQLite and PostgreSQL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discardData, until } from '../helpers/boot.ts';
import { ownerKey, processApi, startServerProcess, type ServerProcess } from '../helpers/process.ts';
import { startSink } from '../helpers/sink.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-call-restart-'));
let proc: ServerProcess | undefined;
const sink = await startSink((req) => ({ status: 200, body: { path: req.url, got: req.json } }));

afterAll(async () => {
  proc?.child.kill('SIGKILL');
  await sink.close();
  await proc?.exited;
  await discardData(dataDir);
});

describe('a parent waiting on a child across a restart', () => {
  it('finishes with the child’s output, once', async () => {
    const env = { DATA_DIR: dataDir, EXECUTION_LEASE_SECONDS: '2' };
    proc = await startServerProcess(env, { bundle: true });
    const key = await ownerKey(proc.base);
    const api = processApi(() => proc!, key);

    const child = await api('/api/workflows', {
      name: 'slow child',
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'pause', type: 'flow.delay', config: { seconds: 3 } },
        { id: 'post', type: 'action.http', config: { method: 'POST', url: `${sink.url}/child`, body: { order: '{{ trigger.order }}' } } },
      ],
      edges: [
        { id: 'a', source: 'start', target: 'pause' },
        { id: 'b', source: 'pause', target: 'post' },
      ],
    });
    await api(`/api/workflows/${child.id}/activate`, {});
    const parent = await api('/api/workflows', {
      name: 'parent',
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'call', type: 'flow.call', config: { workflowId: child.id, payload: { order: '{{ trigger.order }}' } } },
        { id: 'after', type: 'action.http', config: { method: 'POST', url: `${sink.url}/after`, body: '{{ input.body }}' } },
      ],
      edges: [
        { id: 'a', source: 'start', target: 'call' },
        { id: 'b', source: 'call', target: 'after' },
      ],
    });
    const { executionId } = await api(`/api/workflows/${parent.id}/run`, { payload: { order: 'A-7' } });
    const waiting = await until(async () => {
      const e = await api(`/api/executions/${executionId}`);
      const call = e.steps?.find((s: { nodeId: string }) => s.nodeId === 'call');
      return call?.status === 'waiting' ? call : undefined;
    }, 10_000);
    const childId = waiting.output.executionId as string;
    expect((await api(`/api/executions/${childId}`)).parentExecutionId).toBe(executionId);

    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = await startServerProcess(env, { bundle: true });
    const done = await until(async () => {
      const e = await api(`/api/executions/${executionId}`);
      return e.status === 'success' || e.status === 'error' ? e : undefined;
    }, 30_000, 100);
    expect(done.status).toBe('success');
    expect(done.steps.find((s: { nodeId: string }) => s.nodeId === 'call').output).toMatchObject({ body: { path: '/child', got: { order: 'A-7' } } });
    expect(sink.requests.map((r) => r.url)).toEqual(['/child', '/after']);
    const children = (await api(`/api/executions?workflowId=${child.id}`)).items;
    expect(children.map((c: { id: string }) => c.id)).toEqual([childId]);
  }, 90_000);
});
