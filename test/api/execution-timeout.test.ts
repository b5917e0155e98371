/**
 * settings.timeoutSeconds: a run still going after its running time is spent fails with
 * EXECUTION_TIMEOUT naming the step that was running (inside a loop, the item's step), whose HTTP
 * call is cut off at the remote end; time parked on a durable delay or waiting for a called
 * workflow is not counted; error workflows see a timeout like any failure; a retry of a timed-out
 * run starts with a fresh budget. SQLite, and PostgreSQL in the postgres project.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';

let sy: Booted;
/** A remote whose /hang… paths never answer (the first call only, for /hang-once), noting when a caller gives up. */
const arrived: string[] = [];
const closed: string[] = [];
const received: { url: string; json: any }[] = [];
const remote = createServer((req, res) => {
  arrived.push(req.url!);
  const first = arrived.filter((u) => u === req.url).length === 1;
  if (req.url!.startsWith('/hang') && (req.url !== '/hang-once' || first)) {
    res.on('close', () => closed.push(req.url!));
    return;
  }
  let body = '';
  req.on('data', (c: Buffer) => (body += c));
  req.on('end', () => {
    received.push({ url: req.url!, json: body ? JSON.parse(body) : undefined });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
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

type Node = { id: string; type: string; name?: string; config: unknown };
/** A chain of nodes; a flow.forEach leads on through its `each` handle (the rest is its body). */
const workflow = async (name: string, nodes: Node[], settings?: unknown, active = false) => {
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id, ...(nodes[i]!.type === 'flow.forEach' ? { sourceHandle: 'each' } : {}) }));
  const wf = await sy.api('/api/workflows', { body: { name, nodes, edges, ...(settings ? { settings } : {}) } });
  expect(wf.status).toBe(201);
  if (active) expect((await sy.api(`/api/workflows/${wf.body.id}/activate`, { method: 'POST' })).status).toBe(200);
  return wf.body.id as string;
};
const run = async (workflowId: string) => (await sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: {} } })).body.executionId as string;
const detail = async (id: string) => (await sy.api(`/api/executions/${id}`)).body;
const final = (id: string, waitMs = 20_000) =>
  until(async () => {
    const d = await detail(id);
    return d.status === 'success' || d.status === 'error' || d.status === 'canceled' ? d : undefined;
  }, waitMs, 50);
const start: Node = { id: 'start', type: 'trigger.manual', config: {} };
const http = (id: string, path: string, name?: string): Node => ({ id, type: 'action.http', ...(name ? { name } : {}), config: { method: 'POST', url: `${remoteUrl}${path}`, timeoutMs: 120_000 } });

describe('execution timeout', () => {
  it('fails a run still going after timeoutSeconds, cutting off its HTTP call, and names the step', async () => {
    const wf = await workflow('hangs past its timeout', [start, http('slow', '/hang', 'Slow API'), http('after', '/after')], { timeoutSeconds: 1 });
    const id = await run(wf);
    const done = await final(id);
    expect(done.status).toBe('error');
    expect(done.error).toMatchObject({ code: 'EXECUTION_TIMEOUT', nodeId: 'slow', details: { timeoutSeconds: 1 } });
    expect(done.error.message).toMatch(/timeout of 1 s/);
    expect(done.error.message).toMatch(/"Slow API"/);
    // The remote sees its request given up (the connection closed), not answered.
    await until(() => closed.includes('/hang'), 10_000);
    const steps = done.steps.map((s: { nodeId: string; status: string; error: { code: string } | null }) => [s.nodeId, s.status, s.error?.code ?? null]);
    expect(steps).toEqual([
      ['start', 'success', null],
      ['slow', 'error', 'EXECUTION_TIMEOUT'],
    ]);
    expect(arrived).not.toContain('/after');
    const listed = (await sy.api(`/api/executions?workflowId=${wf}`)).body.items[0];
    expect(listed).toMatchObject({ status: 'error', failedNode: { id: 'slow', name: 'Slow API', type: 'action.http' } });
  });

  it('names the item’s step when the budget runs out inside a loop', async () => {
    const wf = await workflow('loop past its timeout', [start, { id: 'each', type: 'flow.forEach', config: { items: '[1, 2]' } }, http('fetch', '/hang-loop', 'Fetch item')], { timeoutSeconds: 1 });
    const done = await final(await run(wf));
    expect(done.status).toBe('error');
    expect(done.error).toMatchObject({ code: 'EXECUTION_TIMEOUT', nodeId: 'fetch', iteration: '0' });
    const step = (nodeId: string, iteration?: string) => done.steps.find((s: { nodeId: string; iteration?: string }) => s.nodeId === nodeId && s.iteration === iteration);
    expect(step('fetch', '0')).toMatchObject({ status: 'error', error: { code: 'EXECUTION_TIMEOUT' } });
    expect(step('each')).toMatchObject({ status: 'error', error: { code: 'EXECUTION_TIMEOUT' } });
    expect(step('fetch', '1')).toBeUndefined();
  });

  it('does not count time parked on a durable delay, nor waiting for a called workflow', async () => {
    const wf = await workflow(
      'waits longer than its timeout',
      [start, http('before', '/before'), { id: 'pause', type: 'flow.delay', config: { seconds: 2.5 } }, http('later', '/later')],
      { timeoutSeconds: 1 },
    );
    const child = await workflow('slow child', [start, { id: 'pause', type: 'flow.delay', config: { seconds: 2.5 } }], undefined, true);
    const caller = await workflow('calls a slow child', [start, { id: 'call', type: 'flow.call', config: { workflowId: child } }], { timeoutSeconds: 1 });
    const called = await run(caller);
    const id = await run(wf);
    const viaCall = await final(called);
    expect(viaCall.error).toBeNull();
    expect(viaCall.status).toBe('success');
    const done = await final(id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('success');
    expect(done.steps.map((s: { nodeId: string; status: string }) => [s.nodeId, s.status])).toEqual([
      ['start', 'success'],
      ['before', 'success'],
      ['pause', 'success'],
      ['later', 'success'],
    ]);
    // The whole run took longer than its timeout: only the parked time made that allowed.
    expect(Date.parse(done.finishedAt) - Date.parse(done.startedAt)).toBeGreaterThan(1000);
  });

  it('starts the error workflow with the timeout, and a retry of the timed-out run works normally', async () => {
    const orders = await workflow('times out once', [start, http('charge', '/hang-once', 'Charge'), http('receipt', '/receipt')], { timeoutSeconds: 1 }, true);
    await workflow('Page on timeout', [{ id: 'failed', type: 'trigger.error', config: { workflows: [orders] } }, { id: 'page', type: 'action.http', config: { method: 'POST', url: `${remoteUrl}/page`, body: '{{ trigger }}' } }], undefined, true);
    const id = await run(orders);
    expect((await final(id)).error.code).toBe('EXECUTION_TIMEOUT');
    const page = await until(() => received.find((r) => r.url === '/page'), 15_000);
    expect(page.json).toMatchObject({
      workflow: { id: orders },
      execution: { id },
      failedNode: { id: 'charge', type: 'action.http' },
      error: { code: 'EXECUTION_TIMEOUT', message: expect.stringMatching(/timeout of 1 s/) },
    });

    const retry = await sy.api(`/api/executions/${id}/retry`, { body: { from: 'failed' } });
    expect(retry.status).toBe(202);
    const again = await final(retry.body.executionId);
    expect(again.status).toBe('success');
    expect(again.steps.map((s: { nodeId: string; status: string }) => [s.nodeId, s.status])).toEqual([
      ['start', 'success'],
      ['charge', 'success'],
      ['receipt', 'success'],
    ]);
  });

  it('is checked at save: a whole number of seconds, at least 1', async () => {
    for (const timeoutSeconds of [0, 1.5, 7 * 86_400 + 1]) {
      const r = await sy.api('/api/workflows', { body: { name: `bad timeout ${timeoutSeconds}`, nodes: [start], settings: { timeoutSeconds } } });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'settings.timeoutSeconds' })] });
    }
  });
});
