/**
 * POST /api/executions/:id/cancel: a run with an HTTP call in flight is canceled (the call is cut
 * off at the remote end, nothing after it runs), a parked run (durable delay) is dropped and never
 * wakes, a called child is canceled with its parent, and a finished run answers 409. SQLite, and
 * PostgreSQL in the postgres project (the worker learns of the cancel through the event bridge).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';

let sy: Booted;
/** A remote that never answers /hang, and notes when a caller gives up on it. */
const held: IncomingMessage[] = [];
const closed: string[] = [];
const remote = createServer((req, res) => {
  if (req.url === '/hang') {
    held.push(req);
    res.on('close', () => closed.push(req.url!));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
});
let remoteUrl = '';

beforeAll(async () => {
  await new Promise<void>((r) => remote.listen(0, '127.0.0.1', r));
  remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
  sy = await boot({ env: { OUTBOUND_BLOCK_PRIVATE: 'false' } });
});
afterAll(async () => {
  await sy?.close();
  remote.closeAllConnections();
  await new Promise((r) => remote.close(r));
});

const workflow = async (name: string, nodes: unknown[], active = false) => {
  const ids = (nodes as { id: string }[]).map((n) => n.id);
  const wf = (
    await sy.api('/api/workflows', { body: { name, nodes, edges: ids.slice(1).map((id, i) => ({ id: `e${i}`, source: ids[i], target: id })) } })
  ).body;
  if (active) expect((await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' })).status).toBe(200);
  return wf.id as string;
};
const run = async (workflowId: string) => (await sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: {} } })).body.executionId as string;
const detail = async (id: string) => (await sy.api(`/api/executions/${id}`)).body;

describe('canceling an execution', () => {
  it('cuts off an HTTP call in flight, records no step after it, and is final', async () => {
    const wf = await workflow('hangs', [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'slow', type: 'action.http', config: { url: `${remoteUrl}/hang`, timeoutMs: 120_000 } },
      { id: 'after', type: 'action.http', config: { url: `${remoteUrl}/after` } },
    ]);
    const id = await run(wf);
    await until(() => held.length >= 1, 20_000);
    const res = await sy.api(`/api/executions/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'canceled', error: { code: 'CANCELED' } });
    // The remote sees the call given up, not answered.
    await until(() => closed.includes('/hang'), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const d = await detail(id);
    expect(d.status).toBe('canceled');
    expect(d.steps.map((s: { nodeId: string }) => s.nodeId)).toEqual(['start']);
    const again = await sy.api(`/api/executions/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  });

  it('drops a parked delay: it never wakes, and a finished run cannot be canceled', async () => {
    const wf = await workflow('parks', [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'pause', type: 'flow.delay', config: { seconds: 1.5 } },
      { id: 'after', type: 'action.http', config: { url: `${remoteUrl}/after-delay` } },
    ]);
    const id = await run(wf);
    await until(async () => (await detail(id)).steps.some((s: { status: string }) => s.status === 'waiting'), 10_000);
    expect((await sy.api(`/api/executions/${id}/cancel`, { method: 'POST' })).body.status).toBe('canceled');
    await new Promise((r) => setTimeout(r, 3_000));
    const d = await detail(id);
    expect(d.status).toBe('canceled');
    expect(d.steps.find((s: { nodeId: string }) => s.nodeId === 'after')).toBeUndefined();

    const quick = await workflow('quick', [{ id: 'start', type: 'trigger.manual', config: {} }]);
    const done = await run(quick);
    await until(async () => (await detail(done)).status === 'success', 10_000);
    expect((await sy.api(`/api/executions/${done}/cancel`, { method: 'POST' })).status).toBe(409);
    expect((await sy.api('/api/executions/ex_nope/cancel', { method: 'POST' })).status).toBe(404);
  });

  it('cancels a called child with its waiting parent', async () => {
    const child = await workflow('child that waits', [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'pause', type: 'flow.delay', config: { seconds: 60 } },
    ], true);
    const parent = await workflow('calls and waits', [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'call', type: 'flow.call', config: { workflowId: child } },
    ]);
    const id = await run(parent);
    const kid = await until(async () => (await detail(id)).children?.[0]?.id as string | undefined, 10_000);
    await until(async () => (await detail(kid)).steps.some((s: { status: string }) => s.status === 'waiting'), 10_000);
    expect((await sy.api(`/api/executions/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    await until(async () => (await detail(kid)).status === 'canceled', 10_000);
    expect((await detail(id)).status).toBe('canceled');
  });
});
