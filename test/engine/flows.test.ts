/** Whole executions through the real server: branches, skips, filters, retries, onError, step records. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
let flaky: Awaited<ReturnType<typeof startSink>>;

beforeAll(async () => {
  sy = await boot();
  sink = await startSink((req) => ({ status: 200, body: { received: req.json ?? null, path: req.url } }));
  // Fails twice (first with Retry-After: 1), then succeeds.
  flaky = await startSink((_req, n) =>
    n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow down' } } : n === 2 ? { status: 503, body: 'busy' } : { status: 200, body: { ok: n } },
  );
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
  await flaky?.close();
});

async function createActive(doc: { name: string; nodes: unknown[]; edges: unknown[] }) {
  const created = await sy.api('/api/workflows', { body: doc });
  expect(created.status).toBe(201);
  const activated = await sy.api(`/api/workflows/${created.body.id}/activate`, { method: 'POST' });
  expect(activated.status, JSON.stringify(activated.body)).toBe(200);
  return activated.body;
}

async function finished(executionId: string) {
  return until(async () => {
    const r = await sy.api(`/api/executions/${executionId}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
}

const step = (exec: any, id: string) => exec.steps.find((s: any) => s.nodeId === id);

describe('webhook → transform → if → http', () => {
  it('runs every node, takes the true branch, skips the false one, and records every step', async () => {
    const wf = await createActive({
      name: 'signup to CRM',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: { methods: ['POST'] } },
        { id: 'shape', type: 'data.transform', position: { x: 200, y: 0 }, config: { expression: '{ "email": input.body.email, "plan": input.body.plan, "big": input.body.seats > 10 }' } },
        { id: 'isBig', type: 'logic.if', position: { x: 400, y: 0 }, config: { condition: 'input.big' } },
        {
          id: 'crm',
          type: 'action.http',
          position: { x: 600, y: -100 },
          config: { method: 'POST', url: `${sink.url}/leads/{{ steps.shape.plan }}`, body: { email: '{{ steps.shape.email }}', seats: '{{ trigger.body.seats }}' } },
        },
        { id: 'small', type: 'action.http', position: { x: 600, y: 100 }, config: { method: 'POST', url: `${sink.url}/small` } },
        { id: 'after', type: 'data.transform', position: { x: 800, y: 100 }, config: { expression: '"never"' } },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'shape' },
        { id: 'e2', source: 'shape', target: 'isBig' },
        { id: 'e3', source: 'isBig', target: 'crm', sourceHandle: 'true' },
        { id: 'e4', source: 'isBig', target: 'small', sourceHandle: 'false' },
        { id: 'e5', source: 'small', target: 'after' },
      ],
    });
    const url = wf.triggers[0].url as string;
    expect(url).toMatch(/\/hooks\/[A-Za-z0-9_-]{32}$/);

    const before = sink.requests.length;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@b.co', plan: 'pro', seats: 25 }) });
    expect(res.status).toBe(202);
    const { executionId } = (await res.json()) as { executionId: string };
    const exec = await finished(executionId);

    expect(exec.status).toBe('success');
    expect(exec.steps.map((s: any) => [s.nodeId, s.status])).toEqual([
      ['hook', 'success'],
      ['shape', 'success'],
      ['isBig', 'success'],
      ['crm', 'success'],
      ['small', 'skipped'],
      ['after', 'skipped'],
    ]);
    expect(step(exec, 'hook').output.body).toEqual({ email: 'a@b.co', plan: 'pro', seats: 25 });
    expect(step(exec, 'shape').output).toEqual({ email: 'a@b.co', plan: 'pro', big: true });
    expect(step(exec, 'isBig').handle).toBe('true');
    expect(step(exec, 'crm').input).toEqual({ email: 'a@b.co', plan: 'pro', big: true });
    expect(step(exec, 'crm').output.status).toBe(200);
    expect(step(exec, 'crm').attempts).toBe(1);
    expect(step(exec, 'crm').startedAt).toBeTruthy();

    const got = sink.requests.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.url).toBe('/leads/pro');
    // A string that is exactly one expression keeps its type: seats stays a number.
    expect(got[0]!.json).toEqual({ email: 'a@b.co', seats: 25 });
    expect(got[0]!.headers['idempotency-key']).toBe(`${executionId}.crm`);
  });
});

describe('branches and filters', () => {
  it('runs independent branches concurrently and joins them; a filter ends only its branch', async () => {
    const slow = await startSink(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { status: 200, body: { slow: true } };
    });
    try {
      const wf = await createActive({
        name: 'fan out',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: {} },
          { id: 'a', type: 'action.http', config: { url: `${slow.url}/a` } },
          { id: 'b', type: 'action.http', config: { url: `${slow.url}/b` } },
          { id: 'join', type: 'data.transform', config: { expression: '[steps.a.body.slow, steps.b.body.slow]' } },
          { id: 'gate', type: 'logic.filter', config: { condition: 'trigger.body.go = true' } },
          { id: 'gated', type: 'data.transform', config: { expression: '"ran"' } },
        ],
        edges: [
          { id: '1', source: 'hook', target: 'a' },
          { id: '2', source: 'hook', target: 'b' },
          { id: '3', source: 'a', target: 'join' },
          { id: '4', source: 'b', target: 'join' },
          { id: '5', source: 'hook', target: 'gate' },
          { id: '6', source: 'gate', target: 'gated' },
        ],
      });
      const res = await fetch(wf.triggers[0].url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"go": false}' });
      const exec = await finished(((await res.json()) as any).executionId);
      expect(exec.status).toBe('success');
      expect(step(exec, 'join').output).toEqual([true, true]);
      const a = step(exec, 'a');
      const b = step(exec, 'b');
      // Both started before either finished: they ran at the same time.
      expect(Date.parse(a.startedAt)).toBeLessThan(Date.parse(b.finishedAt));
      expect(Date.parse(b.startedAt)).toBeLessThan(Date.parse(a.finishedAt));
      expect(step(exec, 'gate').status).toBe('success');
      expect(step(exec, 'gated').status).toBe('skipped');
    } finally {
      await slow.close();
    }
  });
});

describe('retries and errors', () => {
  it('retries 429 and 5xx with backoff, honouring Retry-After', async () => {
    const wf = await createActive({
      name: 'flaky',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'call', type: 'action.http', config: { url: `${flaky.url}/x` }, retry: { attempts: 4, delayMs: 20 } },
      ],
      edges: [{ id: '1', source: 'hook', target: 'call' }],
    });
    const res = await fetch(wf.triggers[0].url, { method: 'POST' });
    const exec = await finished(((await res.json()) as any).executionId);
    expect(exec.status).toBe('success');
    expect(step(exec, 'call').attempts).toBe(3);
    expect(step(exec, 'call').output.body).toEqual({ ok: 3 });
    expect(flaky.requests).toHaveLength(3);
    // Retry-After: 1 made the first retry wait about a second, far above the 20 ms policy.
    expect(Date.parse(step(exec, 'call').finishedAt) - Date.parse(step(exec, 'call').startedAt)).toBeGreaterThanOrEqual(990);
  });

  it('does not retry a 4xx, and stops the execution with the error', async () => {
    const notFound = await startSink(() => ({ status: 404, body: { error: 'nope' } }));
    try {
      const wf = await createActive({
        name: '404',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: {} },
          { id: 'call', type: 'action.http', config: { url: notFound.url }, retry: { attempts: 5, delayMs: 10 } },
          { id: 'next', type: 'data.transform', config: { expression: '1' } },
        ],
        edges: [
          { id: '1', source: 'hook', target: 'call' },
          { id: '2', source: 'call', target: 'next' },
        ],
      });
      const res = await fetch(wf.triggers[0].url, { method: 'POST' });
      const exec = await finished(((await res.json()) as any).executionId);
      expect(exec.status).toBe('error');
      expect(notFound.requests).toHaveLength(1);
      expect(step(exec, 'call')).toMatchObject({ status: 'error', attempts: 1, error: { code: 'HTTP_STATUS', message: 'HTTP 404' } });
      expect(step(exec, 'next')).toBeUndefined();
      expect(exec.error).toMatchObject({ nodeId: 'call', code: 'HTTP_STATUS' });
    } finally {
      await notFound.close();
    }
  });

  it('onError: continue makes the error the output and goes on', async () => {
    const wf = await createActive({
      name: 'continue',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'call', type: 'action.http', config: { url: 'http://127.0.0.1:9/unreachable', timeoutMs: 500 }, onError: 'continue' },
        { id: 'next', type: 'data.transform', config: { expression: 'input.error.code' } },
      ],
      edges: [
        { id: '1', source: 'hook', target: 'call' },
        { id: '2', source: 'call', target: 'next' },
      ],
    });
    const res = await fetch(wf.triggers[0].url, { method: 'POST' });
    const exec = await finished(((await res.json()) as any).executionId);
    expect(exec.status).toBe('success');
    expect(step(exec, 'call').status).toBe('error');
    expect(step(exec, 'next').output).toBe('NETWORK');
  });

  it('a failing expression is a step error naming the field', async () => {
    const wf = await createActive({
      name: 'bad expr',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'call', type: 'action.http', config: { url: `${sink.url}/x`, headers: { 'X-Thing': '{{ $notAFunction(1) }}' } } },
      ],
      edges: [{ id: '1', source: 'hook', target: 'call' }],
    });
    const res = await fetch(wf.triggers[0].url, { method: 'POST' });
    const exec = await finished(((await res.json()) as any).executionId);
    expect(exec.status).toBe('error');
    expect(step(exec, 'call').error.code).toBe('EXPRESSION_FAILED');
    expect(step(exec, 'call').error.message).toContain('config.headers.X-Thing');
  });
});
