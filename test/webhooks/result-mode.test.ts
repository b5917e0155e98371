/**
 * response.mode "result": the request is held until the execution ends — 200 with the last finished
 * node's output, 202 {executionId, statusUrl} when timeoutMs passes first, 500 {executionId, error} on failure.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { deliver, hookWorkflow } from './hook-helpers.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
let release: () => void = () => {};
beforeAll(async () => {
  sy = await boot();
  sink = await startSink(async (req) => {
    if (req.url.startsWith('/slow')) await new Promise<void>((r) => (release = r));
    if (req.url.startsWith('/reject')) return { status: 422, body: { error: 'no such customer', internal: 'stack at db.ts:42' } };
    return { status: 200, body: { stored: true, echo: req.json } };
  });
});
afterAll(async () => {
  release();
  await sink?.close();
  await sy?.close();
});

const result = (timeoutMs = 10_000) => ({ response: { mode: 'result', timeoutMs } });

it('answers 200 with the last finished node’s output', async () => {
  const wf = await hookWorkflow(sy, result(), [
    { id: 'shape', type: 'data.transform', config: { expression: '{ "customer": input.body.email, "n": input.body.n * 2 }' } },
    { id: 'store', type: 'action.http', config: { method: 'POST', url: `${sink.url}/store`, body: '{{ input }}' } },
    { id: 'answer', type: 'data.transform', config: { expression: '{ "ok": input.body.stored, "customer": steps.shape.customer, "n": steps.shape.n }' } },
  ]);
  const t0 = Date.now();
  const res = await deliver(wf.url, JSON.stringify({ email: 'ada@example.com', n: 21 }));
  console.log(`[webhooks] result mode: ${res.status} in ${Date.now() - t0} ms → ${JSON.stringify(res.body)}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ ok: true, customer: 'ada@example.com', n: 42 });
  expect(sink.requests.at(-1)!.json).toEqual({ customer: 'ada@example.com', n: 42 });
});

it('a redelivery in result mode answers with the first execution’s result and starts nothing', async () => {
  const wf = await hookWorkflow(sy, result(), [{ id: 'answer', type: 'data.transform', config: { expression: '{ "got": input.body.n }' } }]);
  const first = await deliver(wf.url, '{"n":1}', { 'idempotency-key': 'same' });
  const again = await deliver(wf.url, '{"n":1}', { 'idempotency-key': 'same' });
  expect([first.status, first.body]).toEqual([200, { got: 1 }]);
  expect([again.status, again.body]).toEqual([200, { got: 1 }]);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  const list = await sy.api(`/api/executions?workflowId=${wf.id}`);
  expect(list.body.items).toHaveLength(1);
});

it('falls back to 202 {executionId, statusUrl} when the run outlasts timeoutMs, and the run still finishes', async () => {
  const wf = await hookWorkflow(sy, result(300), [{ id: 'slow', type: 'action.http', config: { method: 'POST', url: `${sink.url}/slow` } }]);
  const t0 = Date.now();
  const res = await deliver(wf.url, '{"x":1}');
  const waited = Date.now() - t0;
  console.log(`[webhooks] result mode timeout: ${res.status} after ${waited} ms → ${JSON.stringify(res.body)}`);
  expect(res.status).toBe(202);
  expect(waited).toBeGreaterThanOrEqual(250);
  expect(res.body.executionId).toMatch(/^ex_/);
  expect(res.body.statusUrl).toBe(`${sy.base}/api/executions/${res.body.executionId}`);
  release();
  const done = await until(async () => {
    const ex = await sy.api(new URL(res.body.statusUrl).pathname);
    return ex.body.status === 'success' ? ex.body : undefined;
  });
  expect(done.steps.map((s: { nodeId: string }) => s.nodeId)).toEqual(['hook', 'slow']);
});

it('reports a failed execution as 500 {executionId, error: {code, message}} and nothing more', async () => {
  const wf = await hookWorkflow(sy, result(), [{ id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/reject` } }]);
  const res = await deliver(wf.url, '{"x":1}');
  console.log(`[webhooks] result mode failure: ${res.status} → ${JSON.stringify(res.body)}`);
  expect(res.status).toBe(500);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'executionId']);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message']);
  expect(res.body.error.code).toBe('HTTP_STATUS');
  expect(JSON.stringify(res.body)).not.toContain('stack');
  const ex = await sy.api(`/api/executions/${res.body.executionId}`);
  expect(ex.body.status).toBe('error');
});

it('ack mode is untouched: 202 {executionId} at once', async () => {
  const wf = await hookWorkflow(sy, {}, [{ id: 'slow', type: 'action.http', config: { method: 'POST', url: `${sink.url}/slow` } }]);
  const res = await deliver(wf.url, '{}');
  expect(res.status).toBe(202);
  expect(Object.keys(res.body)).toEqual(['executionId']);
  release();
});
