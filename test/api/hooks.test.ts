/** Every SPEC status code of ANY /hooks/:token, over real HTTP, and durability of accepted events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, secondConnection, type Booted } from '../helpers/boot.ts';

let sy: Booted;
let url: string;
let inactiveUrl: string;

beforeAll(async () => {
  sy = await boot({ env: { WEBHOOK_MAX_BODY_BYTES: '2048' } });
  const mk = async (name: string, active: boolean) => {
    const wf = await sy.api('/api/workflows', {
      body: {
        name,
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: { methods: ['POST', 'PUT'] } },
          { id: 'x', type: 'data.transform', config: { expression: 'input.body' } },
        ],
        edges: [{ id: 'e', source: 'hook', target: 'x' }],
      },
    });
    if (active) await sy.api(`/api/workflows/${wf.body.id}/activate`, { method: 'POST' });
    return wf.body.triggers[0].url as string;
  };
  url = await mk('active', true);
  inactiveUrl = await mk('inactive', false);
});
afterAll(() => sy?.close());

const post = (u: string, body: string | undefined, headers: Record<string, string> = {}, method = 'POST') => fetch(u, { method, headers, body });

describe('/hooks/:token', () => {
  it('202 with an executionId, and the event is on disk before the answer', async () => {
    const res = await post(url, '{"a":1}', { 'content-type': 'application/json' });
    expect(res.status).toBe(202);
    const { executionId } = (await res.json()) as { executionId: string };
    // Read the database through a second connection right after the 202 (SQLite: the file opened
    // again; PostgreSQL: another session): the event is committed, not just in the server's memory.
    const other = await secondConnection(sy);
    try {
      const row = await other.selectFrom('executions').select('id').where('id', '=', executionId).executeTakeFirst();
      const trig = await other.selectFrom('steps').select('output').where('execution_id', '=', executionId).where('node_id', '=', 'hook').executeTakeFirstOrThrow();
      expect(row).toBeTruthy();
      expect(JSON.parse(trig.output!).body).toEqual({ a: 1 });
    } finally {
      await other.destroy();
    }
  });

  it('parses form and text bodies, keeps query and method', async () => {
    const form = await post(`${url}?x=1`, 'name=Ada&tag=a&tag=b&__proto__=p', { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer s3cret-token', 'x-api-key': 'k3y-value', 'x-trace': 't-1' }, 'PUT');
    expect(form.status).toBe(202);
    const { executionId } = (await form.json()) as { executionId: string };
    const exec = await sy.api(`/api/executions/${executionId}`);
    const event = exec.body.steps[0].output;
    expect(event.method).toBe('PUT');
    expect(event.query).toEqual({ x: '1' });
    // Same masking as the request inspector: credentials never land in step data.
    expect(event.headers).toMatchObject({ authorization: '[redacted]', 'x-api-key': '[redacted]', 'x-trace': 't-1' });
    expect(event.body).toEqual({ name: 'Ada', tag: ['a', 'b'], ['__proto__']: 'p' });
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    const text = await post(url, 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(202);
  });

  it('404 for unknown and inactive hooks', async () => {
    expect((await post(url.replace(/[^/]+$/, 'A'.repeat(32)), '{}')).status).toBe(404);
    expect((await post(inactiveUrl, '{}')).status).toBe(404);
    expect((await post(url.replace(/[^/]+$/, '..%2f..%2fetc%2fpasswd'), '{}')).status).toBe(404);
  });

  it('405 with Allow for a method the hook does not accept', async () => {
    const res = await fetch(url, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, PUT');
    expect(((await res.json()) as any).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('413 for a body over the limit, 400 for malformed JSON, 415 for multipart', async () => {
    const big = await post(url, JSON.stringify({ s: 'x'.repeat(5000) }), { 'content-type': 'application/json' });
    expect(big.status).toBe(413);
    const bad = await post(url, '{"a":', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe('VALIDATION_FAILED');
    const multi = await post(url, '--x\r\n\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' });
    expect(multi.status).toBe(415);
  });

  it('a redelivered Idempotency-Key returns the first execution and starts nothing new', async () => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'delivery-1' };
    const first = (await (await post(url, '{}', headers)).json()) as any;
    const again = await post(url, '{}', headers);
    expect(again.status).toBe(202);
    expect(((await again.json()) as any).executionId).toBe(first.executionId);
  });
});
