/**
 * POST /api/executions/:id/retry {from, version}: from the failed step, the finished steps are
 * carried over and only the failed node and what follows run (checked at a loopback sink), a loop
 * resumes at its failed item, the current version may be used unless it lost a finished node
 * (409 naming it), and the default still runs the whole event again. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
const failing = new Set<string>();
beforeAll(async () => {
  sink = await startSink((req) => (failing.has(req.url.split('?')[0]!) ? { status: 500, body: { down: true } } : { status: 200, body: { at: req.url } }));
  sy = await boot({ env: { OUTBOUND_BLOCK_PRIVATE: 'false' } });
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

const http = (id: string, path: string) => ({ id, type: 'action.http', config: { method: 'POST', url: `${sink.url}${path}`, body: { n: '{{ trigger.n }}', item: '{{ $exists(item) ? item : null }}' } } });
const chain = (nodes: { id: string }[]) => nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
const finished = (id: string) =>
  until(async () => {
    const d = (await sy.api(`/api/executions/${id}`)).body;
    return d.status === 'success' || d.status === 'error' ? d : undefined;
  }, 20_000);
const paths = () => sink.requests.map((r) => r.url);

describe('retrying an execution', () => {
  it('from the failed step: finished steps are carried over, only the failed node and what follows run', async () => {
    const nodes = [{ id: 'start', type: 'trigger.manual', config: {} }, http('a', '/a'), http('b', '/b'), http('c', '/c')];
    const wf = (await sy.api('/api/workflows', { body: { name: 'abc', nodes, edges: chain(nodes) } })).body;
    failing.add('/b');
    const first = (await sy.api(`/api/workflows/${wf.id}/run`, { body: { payload: { n: 7 } } })).body.executionId;
    const failed = await finished(first);
    expect(failed.status).toBe('error');
    expect(paths()).toEqual(['/a', '/b']);

    failing.delete('/b');
    sink.requests.length = 0;
    const r = await sy.api(`/api/executions/${first}/retry`, { body: { from: 'failed' } });
    expect(r.status).toBe(202);
    const retried = await finished(r.body.executionId);
    expect(retried).toMatchObject({ status: 'success', mode: 'retry', retryOf: first, retriedFrom: 'failed', workflowVersion: 1 });
    expect(paths()).toEqual(['/b', '/c']);
    const a = retried.steps.find((s: { nodeId: string }) => s.nodeId === 'a');
    expect(a.output).toEqual(failed.steps.find((s: { nodeId: string }) => s.nodeId === 'a').output);
    expect(sink.requests.every((q) => (q.json as { n: number }).n === 7)).toBe(true);

    // The default is today's: the whole event again, on the version it ran.
    sink.requests.length = 0;
    const again = await finished((await sy.api(`/api/executions/${first}/retry`, { method: 'POST' })).body.executionId);
    expect(again).toMatchObject({ status: 'success', retriedFrom: 'start' });
    expect(paths()).toEqual(['/a', '/b', '/c']);

    // Only a failed run has a failed step to retry from.
    const refused = await sy.api(`/api/executions/${again.id}/retry`, { body: { from: 'failed' } });
    expect(refused.status).toBe(409);
    const bad = await sy.api(`/api/executions/${first}/retry`, { body: { from: 'middle' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('from');
  });

  it('on the current version: runs its new nodes, and refuses (409, naming them) when a finished node is gone', async () => {
    const nodes = [{ id: 'start', type: 'trigger.manual', config: {} }, http('a', '/v-a'), http('b', '/v-b')];
    const wf = (await sy.api('/api/workflows', { body: { name: 'versions', nodes, edges: chain(nodes) } })).body;
    failing.add('/v-b');
    const first = (await sy.api(`/api/workflows/${wf.id}/run`, { body: { payload: { n: 1 } } })).body.executionId;
    expect((await finished(first)).status).toBe('error');
    failing.delete('/v-b');

    // v2 adds a step after b: retried on the current version, it runs too; a stays carried.
    const v2 = [...nodes, http('d', '/v-d')];
    expect((await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { name: 'versions', nodes: v2, edges: chain(v2) } })).status).toBe(200);
    sink.requests.length = 0;
    const onCurrent = await finished((await sy.api(`/api/executions/${first}/retry`, { body: { from: 'failed', version: 'current' } })).body.executionId);
    expect(onCurrent).toMatchObject({ status: 'success', workflowVersion: 2 });
    expect(paths()).toEqual(['/v-b', '/v-d']);

    // v3 drops a, which the original run finished: refused, naming it.
    const v3 = [nodes[0]!, nodes[2]!];
    await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { name: 'versions', nodes: v3, edges: chain(v3) } });
    const gone = await sy.api(`/api/executions/${first}/retry`, { body: { from: 'failed', version: 'current' } });
    expect(gone.status).toBe(409);
    expect(gone.body.error.message).toContain('"a"');
    expect(gone.body.error.details).toEqual([{ path: 'version', message: 'missing node "a"' }]);
    // From the start on the current version is fine.
    expect((await finished((await sy.api(`/api/executions/${first}/retry`, { body: { version: 'current' } })).body.executionId)).workflowVersion).toBe(3);
  });

  it('a loop that failed at an item resumes there: the items before it are not sent again', async () => {
    const nodes = [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'each', type: 'flow.forEach', config: { items: 'trigger.items' } },
      { id: 'post', type: 'action.http', config: { method: 'POST', url: `${sink.url}/item/{{ item }}` } },
    ];
    const edges = [
      { id: 'e0', source: 'start', target: 'each' },
      { id: 'e1', source: 'each', target: 'post', sourceHandle: 'each' },
    ];
    const wf = (await sy.api('/api/workflows', { body: { name: 'loop retry', nodes, edges } })).body;
    failing.add('/item/2');
    sink.requests.length = 0;
    const first = (await sy.api(`/api/workflows/${wf.id}/run`, { body: { payload: { items: [0, 1, 2, 3, 4] } } })).body.executionId;
    expect((await finished(first)).error.code).toBe('LOOP_ITEM_FAILED');
    expect(paths()).toEqual(['/item/0', '/item/1', '/item/2']);
    failing.delete('/item/2');
    sink.requests.length = 0;
    const retried = await finished((await sy.api(`/api/executions/${first}/retry`, { body: { from: 'failed' } })).body.executionId);
    expect(retried.status).toBe('success');
    expect(paths()).toEqual(['/item/2', '/item/3', '/item/4']);
    const loop = retried.steps.find((s: { nodeId: string; iteration?: string }) => s.nodeId === 'each' && !s.iteration);
    expect(loop.output.results.map((r: { body: { at: string } }) => r.body.at)).toEqual(['/item/0', '/item/1', '/item/2', '/item/3', '/item/4']);
  });
});
