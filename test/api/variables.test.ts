/**
 * Workspace variables over real HTTP (issue 14): `vars.NAME` in a template and in a JSONata condition
 * of a real run against a loopback sink, a changed value seen by the next run, secret values never in
 * an API answer, a step record (read through the API and straight from the database) or a log line,
 * and names validated with a code and a path.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/lib/logger.ts';
import { boot, secondConnection, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

const SECRET = 'VARSECRET-9d8c7b6a';
let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
let logs = '';
const logSink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logs += chunk.toString('utf8');
    cb();
  },
});

beforeAll(async () => {
  // The sink echoes what it was sent, so a secret sent in a header comes back in the step's output.
  sink = await startSink((req) => ({ status: 200, body: { path: req.url, token: req.headers['x-token'], sent: req.json } }));
  sy = await boot({ overrides: { logger: createLogger('trace', logSink) } });
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

async function finished(executionId: string) {
  return until(async () => {
    const r = await sy.api(`/api/executions/${executionId}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
}

const workflow = () => ({
  name: 'uses vars',
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'live', type: 'logic.if', config: { condition: 'vars.MODE = "live"' } },
    {
      id: 'call',
      type: 'action.http',
      config: { method: 'POST', url: '{{ vars.API_BASE }}/orders', headers: { 'x-token': '{{ vars.TOKEN }}' }, body: { mode: '{{ vars.MODE }}', token: '{{ vars.TOKEN }}' } },
    },
  ],
  edges: [
    { id: 'a', source: 'start', target: 'live' },
    { id: 'b', source: 'live', target: 'call', sourceHandle: 'true' },
  ],
});

describe('variables in expressions', () => {
  let workflowId = '';

  it('a template and a JSONata condition see vars.NAME in a real run; a secret one reaches the sink but no record', async () => {
    expect((await sy.api('/api/variables', { body: { name: 'API_BASE', value: sink.url } })).status).toBe(201);
    expect((await sy.api('/api/variables', { body: { name: 'MODE', value: 'live' } })).status).toBe(201);
    const secret = await sy.api('/api/variables', { body: { name: 'TOKEN', value: SECRET, secret: true } });
    expect(secret.status).toBe(201);
    expect(secret.body).toEqual({ name: 'TOKEN', secret: true, set: true, createdAt: expect.any(String), updatedAt: expect.any(String) });

    const wf = await sy.api('/api/workflows', { body: workflow() });
    expect(wf.status).toBe(201);
    workflowId = wf.body.id;
    const run = await sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: {} } });
    const exec = await finished(run.body.executionId);
    expect(exec.status).toBe('success');
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]).toMatchObject({ method: 'POST', url: '/orders', json: { mode: 'live', token: SECRET } });
    expect(sink.requests[0]!.headers['x-token']).toBe(SECRET);

    // Through the API: the step ran and its output (the sink's echo) has the secret scrubbed.
    const steps = JSON.stringify(exec);
    expect(steps).toContain('"path":"/orders"');
    expect(steps).toContain('[redacted]');
    expect(steps).not.toContain(SECRET);
    // Straight from the database, on a connection of its own: neither the steps nor the variables row hold it in the clear.
    const db = await secondConnection(sy);
    try {
      const rows = await db.selectFrom('steps').selectAll().where('execution_id', '=', run.body.executionId).execute();
      expect(rows.map((r) => r.node_id).sort()).toEqual(['call', 'live', 'start']);
      expect(JSON.stringify(rows)).not.toContain(SECRET);
      const stored = await db.selectFrom('variables').selectAll().orderBy('name').execute();
      expect(stored.map((r) => [r.name, r.secret])).toEqual([['API_BASE', 0], ['MODE', 0], ['TOKEN', 1]]);
      expect(stored[0]!.value).toBe(sink.url);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
    } finally {
      await db.destroy();
    }
    expect(logs).toContain(run.body.executionId);
    expect(logs).not.toContain(SECRET);
  });

  it('an updated value is seen by the next run, and the condition follows it', async () => {
    expect((await sy.api('/api/variables/API_BASE', { method: 'PUT', body: { value: `${sink.url}/v2` } })).status).toBe(200);
    const again = await sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: {} } });
    expect((await finished(again.body.executionId)).status).toBe('success');
    expect(sink.requests.at(-1)!.url).toBe('/v2/orders');

    expect((await sy.api('/api/variables/MODE', { method: 'PUT', body: { value: 'test' } })).status).toBe(200);
    const before = sink.requests.length;
    const off = await finished((await sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: {} } })).body.executionId);
    expect(off.status).toBe('success');
    expect(sink.requests).toHaveLength(before); // the false branch has no node: nothing was sent
    expect(JSON.stringify(off)).not.toContain('"/orders"');
  });

  it('a deleted variable is undefined in the next run', async () => {
    expect((await sy.api('/api/variables/MODE', { method: 'DELETE' })).status).toBe(204);
    expect((await sy.api('/api/variables/MODE')).status).toBe(404);
    const before = sink.requests.length;
    expect((await finished((await sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: {} } })).body.executionId)).status).toBe('success');
    expect(sink.requests).toHaveLength(before);
  });
});

describe('variables in poll requests', () => {
  it('a poll request resolves vars.NAME in its URL and query; the test poll answer has the secret scrubbed', async () => {
    const wf = await sy.api('/api/workflows', {
      body: {
        name: 'polls with vars',
        nodes: [
          {
            id: 'poll',
            type: 'trigger.poll',
            config: { request: { url: '{{ vars.API_BASE }}/feed', query: { token: '{{ vars.TOKEN }}' } }, intervalSeconds: 60, items: '[body]', key: 'path' },
          },
        ],
        edges: [],
      },
    });
    expect(wf.status).toBe(201);
    const before = sink.requests.length;
    const r = await sy.api(`/api/workflows/${wf.body.id}/nodes/poll/test-poll`, { body: {} });
    expect(r.status).toBe(200);
    expect(sink.requests).toHaveLength(before + 1);
    const sent = new URL(sink.requests.at(-1)!.url, sink.url);
    expect(sent.pathname).toBe('/v2/feed'); // API_BASE as updated above
    expect(sent.searchParams.get('token')).toBe(SECRET);
    // The sink echoed the URL with the token in it: the answer shows the item, not the secret.
    expect(r.body.items).toHaveLength(1);
    expect(JSON.stringify(r.body)).toContain('[redacted]');
    expect(JSON.stringify(r.body)).not.toContain(SECRET);
  });
});

describe('/api/variables', () => {
  it('never returns a secret value: list, read, update', async () => {
    const list = await sy.api('/api/variables');
    expect(list.status).toBe(200);
    expect(list.body.items.find((v: { name: string }) => v.name === 'TOKEN')).toEqual({ name: 'TOKEN', secret: true, set: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(list.body.items.find((v: { name: string }) => v.name === 'API_BASE')).toMatchObject({ secret: false, value: `${sink.url}/v2` });
    const one = await sy.api('/api/variables/TOKEN');
    const changed = await sy.api('/api/variables/TOKEN', { method: 'PUT', body: { value: `${SECRET}-2` } });
    expect(changed.status).toBe(200);
    for (const r of [list, one, changed]) expect(JSON.stringify(r.body)).not.toContain(SECRET);
    const audit = await sy.api('/api/audit?action=variable.*');
    const entries = audit.body.items.map((e: { action: string; target: { id: string }; detail: Record<string, unknown> }) => [e.action, e.target.id, e.detail.kind]);
    expect(entries).toContainEqual(['variable.created', 'TOKEN', 'secret']);
    expect(entries).toContainEqual(['variable.changed', 'TOKEN', 'secret']);
    expect(entries).toContainEqual(['variable.changed', 'API_BASE', 'plain']);
    expect(entries).toContainEqual(['variable.deleted', 'MODE', undefined]);
    expect(JSON.stringify(audit.body)).not.toContain(SECRET);
  });

  it('a plain variable made secret keeps its value; a secret one made plain needs a new value', async () => {
    await sy.api('/api/variables', { body: { name: 'REGION', value: 'eu-west-1' } });
    const sealed = await sy.api('/api/variables/REGION', { method: 'PUT', body: { secret: true } });
    expect(sealed.body).toMatchObject({ name: 'REGION', secret: true, set: true });
    const plain = await sy.api('/api/variables/REGION', { method: 'PUT', body: { secret: false } });
    expect(plain.status).toBe(400);
    expect(plain.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'value' }] });
    const back = await sy.api('/api/variables/REGION', { method: 'PUT', body: { secret: false, value: 'eu-west-2' } });
    expect(back.body).toMatchObject({ secret: false, value: 'eu-west-2' });
  });

  it('refuses bad names, bad bodies and duplicates with a code and the path', async () => {
    for (const name of ['api_base', '1ABC', 'A-B', '', 'A'.repeat(65)]) {
      const r = await sy.api('/api/variables', { body: { name, value: 'x' } });
      expect(r.status, name).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual(['name']);
    }
    const lower = await sy.api('/api/variables/lower', { method: 'PUT', body: { value: 'x' } });
    expect(lower.status).toBe(400);
    expect(lower.body.error.details[0].path).toBe('name');
    const notString = await sy.api('/api/variables', { body: { name: 'N', value: 5 } });
    expect(notString.body.error.details.map((d: { path: string }) => d.path)).toEqual(['value']);
    const short = await sy.api('/api/variables', { body: { name: 'PIN', value: '1234', secret: true } });
    expect(short.status).toBe(400);
    expect(short.body.error.details).toEqual([{ path: 'value', message: expect.stringMatching(/at least 6 characters/) }]);
    const extra = await sy.api('/api/variables', { body: { name: 'N', value: 'x', kind: 'y' } });
    expect(extra.status).toBe(400);
    const dup = await sy.api('/api/variables', { body: { name: 'API_BASE', value: 'x' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'CONFLICT', details: [{ path: 'name' }] });
    expect((await sy.api('/api/variables/NOPE', { method: 'DELETE' })).status).toBe(404);
  });

  it('needs authentication', async () => {
    expect((await fetch(`${sy.base}/api/variables`)).status).toBe(401);
  });
});
