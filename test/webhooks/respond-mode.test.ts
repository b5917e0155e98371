/**
 * response.mode "respond": an `action.respond` node answers the held request while the run goes on;
 * the first one reached wins; without one, the result-mode fallback (202 / 500); a redelivery gets
 * the first answer again; activation refuses a Respond node that has no request to answer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { deliver, hookWorkflow } from './hook-helpers.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
const held: (() => void)[] = [];
const releaseAll = () => held.splice(0).forEach((r) => r());
beforeAll(async () => {
  sy = await boot();
  sink = await startSink(async (req) => {
    if (req.url.startsWith('/slow')) await new Promise<void>((r) => held.push(r));
    if (req.url.startsWith('/reject')) return { status: 422, body: { error: 'no', internal: 'stack at db.ts:42' } };
    return { status: 200, body: { stored: true } };
  });
});
afterAll(async () => {
  releaseAll();
  await sink?.close();
  await sy?.close();
});

const respond = (timeoutMs = 10_000) => ({ response: { mode: 'respond', timeoutMs } });
const execution = (id: string) => sy.api(`/api/executions/${id}`).then((r) => r.body);
const finished = (id: string) => until(async () => ((await execution(id)).status === 'success' || (await execution(id)).status === 'error' ? execution(id) : undefined));

it('answers with the Respond node’s status, headers and JSON body while the run goes on', async () => {
  const wf = await hookWorkflow(sy, respond(), [
    { id: 'reply', type: 'action.respond', config: { status: 201, headers: { 'X-Order': '{{ input.body.order }}' }, body: { accepted: '{{ input.body.order }}' } } },
    { id: 'slow', type: 'action.http', config: { method: 'POST', url: `${sink.url}/slow` } },
  ]);
  // The sink holds the step after the Respond node: the answer can only come now if it is sent mid-run.
  const res = await deliver(wf.url, JSON.stringify({ order: 'A-17' }));
  console.log(`[webhooks] respond mode: ${res.status} ${res.headers.get('x-order')} → ${JSON.stringify(res.body)}`);
  expect(res.status).toBe(201);
  expect(res.headers.get('x-order')).toBe('A-17');
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.headers.get('content-security-policy')).toBe('sandbox');
  expect(res.body).toEqual({ accepted: 'A-17' });
  const list = (await sy.api(`/api/executions?workflowId=${wf.id}`)).body.items;
  expect(list).toHaveLength(1);
  expect(['queued', 'running']).toContain((await execution(list[0].id)).status);
  await until(() => held.length > 0 || undefined);
  releaseAll();
  const done = await finished(list[0].id);
  expect(done.status).toBe('success');
  expect(done.steps.find((s: any) => s.nodeId === 'reply').output).toMatchObject({ status: 201, bodyType: 'json' });
});

it('redirects with 302 and a Location by default, or answers text with its own content type', async () => {
  const redirect = await hookWorkflow(sy, respond(), [
    { id: 'reply', type: 'action.respond', config: { bodyType: 'redirect', body: 'https://example.com/thanks/{{ input.body.id }}' } },
  ]);
  const res = await fetch(redirect.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":7}', redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('https://example.com/thanks/7');
  expect(await res.text()).toBe('');

  const text = await hookWorkflow(sy, respond(), [
    { id: 'reply', type: 'action.respond', config: { status: 422, bodyType: 'text', body: 'no order {{ input.body.id }}' } },
  ]);
  const t = await deliver(text.url, '{"id":8}');
  expect(t.status).toBe(422);
  expect(t.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(t.body).toBe('no order 8');
});

it('the first Respond reached wins; a later one is skipped with the reason, and the run goes on', async () => {
  const wf = await hookWorkflow(sy, respond(), [
    { id: 'first', type: 'action.respond', config: { body: { n: 1 } } },
    { id: 'second', type: 'action.respond', config: { body: { n: 2 } } },
  ]);
  const res = await deliver(wf.url, '{}');
  expect([res.status, res.body]).toEqual([200, { n: 1 }]);
  const id = (await sy.api(`/api/executions?workflowId=${wf.id}`)).body.items[0].id;
  const done = await finished(id);
  const second = done.steps.find((s: any) => s.nodeId === 'second');
  expect(second.status).toBe('skipped');
  expect(second.output).toEqual({ reason: 'the request was already answered by "first"' });
});

it('falls back to 202 {executionId, statusUrl} when no Respond is reached before timeoutMs', async () => {
  const wf = await hookWorkflow(sy, respond(300), [
    { id: 'slow', type: 'action.http', config: { method: 'POST', url: `${sink.url}/slow` } },
    { id: 'reply', type: 'action.respond', config: { body: 'late' } },
  ]);
  const res = await deliver(wf.url, '{}');
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ executionId: expect.stringMatching(/^ex_/), statusUrl: `${sy.base}/api/executions/${res.body.executionId}` });
  await until(() => held.length > 0 || undefined);
  releaseAll();
  const done = await finished(res.body.executionId);
  expect(done.steps.find((s: any) => s.nodeId === 'reply').status).toBe('success');
});

it('without a Respond reached, the run’s end answers 202, or 500 with only code and message on failure', async () => {
  const never = await hookWorkflow(sy, respond(), [
    { id: 'gate', type: 'logic.if', config: { condition: 'input.body.go = true' } },
  ]);
  // An if with nothing after it: the run ends at once without answering.
  const ended = await deliver(never.url, '{"go":false}');
  expect(ended.status).toBe(202);
  expect(Object.keys(ended.body).sort()).toEqual(['executionId', 'statusUrl']);

  const failing = await hookWorkflow(sy, respond(), [
    { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/reject` } },
    { id: 'reply', type: 'action.respond', config: { body: 'unreached' } },
  ]);
  const failed = await deliver(failing.url, '{}');
  expect(failed.status).toBe(500);
  expect(Object.keys(failed.body).sort()).toEqual(['error', 'executionId']);
  expect(failed.body.error).toEqual({ code: 'HTTP_STATUS', message: 'HTTP 422' });
  expect(JSON.stringify(failed.body)).not.toContain('stack');
});

it('a redelivery gets the first answer again and starts nothing', async () => {
  const wf = await hookWorkflow(sy, respond(), [
    { id: 'reply', type: 'action.respond', config: { status: 201, headers: { 'X-Id': '{{ execution.id }}' }, body: { at: '{{ now }}' } } },
  ]);
  const first = await deliver(wf.url, '{}', { 'idempotency-key': 'order-9' });
  const again = await deliver(wf.url, '{}', { 'idempotency-key': 'order-9' });
  expect(first.status).toBe(201);
  expect([again.status, again.body, again.headers.get('x-id')]).toEqual([201, first.body, first.headers.get('x-id')]);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect((await sy.api(`/api/executions?workflowId=${wf.id}`)).body.items).toHaveLength(1);
});

it('activation refuses a Respond node without a webhook trigger in respond mode, and bad answers, with their paths', async () => {
  const refused = async (trigger: { type: string; config: unknown }, reply: Record<string, unknown> = { body: 'x' }) => {
    const draft = await sy.api('/api/workflows', {
      body: { name: 'refused', nodes: [{ id: 'start', ...trigger }, { id: 'reply', type: 'action.respond', config: reply }], edges: [{ id: 'e', source: 'start', target: 'reply' }] },
    });
    expect(draft.status).toBe(201);
    const act = await sy.api(`/api/workflows/${draft.body.id}/activate`, { method: 'POST' });
    expect(act.status).toBe(400);
    expect(act.body.error.code).toBe('VALIDATION_FAILED');
    return act.body.error.details as { path: string; message: string }[];
  };
  const manual = await refused({ type: 'trigger.manual', config: {} });
  expect(manual).toEqual([{ path: 'nodes.1.type', message: 'a Respond node has no request to answer: it needs a webhook trigger in "respond" mode' }]);
  for (const mode of [{}, { response: { mode: 'ack' } }, { response: { mode: 'result' } }]) {
    const ack = await refused({ type: 'trigger.webhook', config: mode });
    expect(ack.map((d) => d.path)).toEqual(['nodes.1.type']);
    expect(ack[0]!.message).toContain('set the webhook trigger’s response mode to "respond"');
  }
  const hook = { type: 'trigger.webhook', config: respond() };
  expect((await refused(hook, { headers: { 'Set-Cookie': 'sid=1', 'Content-Length': '3' } })).map((d) => d.path)).toEqual([
    'nodes.1.config.headers.Set-Cookie',
    'nodes.1.config.headers.Content-Length',
  ]);
  expect((await refused(hook, { bodyType: 'redirect', body: 'javascript:alert(1)' })).map((d) => d.path)).toEqual(['nodes.1.config.body']);
  expect((await refused(hook, { bodyType: 'redirect', status: 200, body: 'https://example.com' })).map((d) => d.path)).toEqual(['nodes.1.config.status']);
});
