/** /api/credentials over real HTTP: write-only values, partial updates, delete refused while in use, use by action.http. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;

beforeAll(async () => {
  sy = await boot();
  sink = await startSink(() => ({ status: 200, body: { ok: true } }));
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

async function runHttp(credentialId: string, active = false) {
  const wf = await sy.api('/api/workflows', {
    body: {
      name: `uses ${credentialId}`,
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'call', type: 'action.http', config: { url: `${sink.url}/x`, credentialId }, retry: { attempts: 3, delayMs: 10 } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'call' }],
    },
  });
  expect(wf.status).toBe(201);
  if (active) expect((await sy.api(`/api/workflows/${wf.body.id}/activate`, { method: 'POST' })).status).toBe(200);
  const run = await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } });
  return { workflow: wf.body, exec: await finished(run.body.executionId) };
}

describe('create, list, read', () => {
  it('returns which fields are set, never values', async () => {
    const created = await sy.api('/api/credentials', { body: { name: 'Mail', type: 'smtp', data: { host: 'smtp.example.com', username: 'me', password: 'smtp-pass-123' } } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^cred_/),
      name: 'Mail',
      type: 'smtp',
      fields: { host: true, port: false, secure: true, username: true, password: true },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const list = await sy.api('/api/credentials');
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(created.body.id);
    const one = await sy.api(`/api/credentials/${created.body.id}`);
    expect(one.body).toEqual(created.body);
    for (const r of [created, list, one]) expect(JSON.stringify(r.body)).not.toMatch(/smtp-pass-123|smtp\.example\.com/);
  });

  it('validates per type, with paths, and never echoes the values', async () => {
    const bad = await sy.api('/api/credentials', { body: { name: 'x', type: 'httpHeader', data: { name: 'bad header', value: 'header-secret-1', extra: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['data', 'data.name']);
    expect(JSON.stringify(bad.body)).not.toContain('header-secret-1');
    const unknown = await sy.api('/api/credentials', { body: { name: 'x', type: 'ftp', data: {} } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('type');
  });

  it('404s an unknown id', async () => {
    expect((await sy.api('/api/credentials/cred_nope')).status).toBe(404);
    expect((await sy.api('/api/credentials/cred_nope', { method: 'PUT', body: { name: 'x' } })).status).toBe(404);
    expect((await sy.api('/api/credentials/cred_nope', { method: 'DELETE' })).status).toBe(404);
  });

  it('needs authentication', async () => {
    const res = await fetch(`${sy.base}/api/credentials`);
    expect(res.status).toBe(401);
  });
});

describe('use by action.http', () => {
  it('sends Bearer, Basic and custom headers; an update replaces single fields and keeps the rest', async () => {
    const bearer = await sy.api('/api/credentials', { body: { name: 'b', type: 'httpBearer', data: { token: 'bearer-token-abc' } } });
    const basic = await sy.api('/api/credentials', { body: { name: 'u', type: 'httpBasic', data: { username: 'alice', password: 'first-pass' } } });
    const custom = await sy.api('/api/credentials', { body: { name: 'h', type: 'httpHeader', data: { name: 'X-Api-Key', value: 'key-value-xyz' } } });

    await runHttp(bearer.body.id);
    expect(sink.requests.at(-1)!.headers.authorization).toBe('Bearer bearer-token-abc');
    await runHttp(basic.body.id);
    expect(sink.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('alice:first-pass').toString('base64')}`);
    await runHttp(custom.body.id);
    expect(sink.requests.at(-1)!.headers['x-api-key']).toBe('key-value-xyz');

    const updated = await sy.api(`/api/credentials/${basic.body.id}`, { method: 'PUT', body: { data: { password: 'second-pass' } } });
    expect(updated.status).toBe(200);
    expect(updated.body.fields).toEqual({ username: true, password: true });
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(basic.body.updatedAt));
    await runHttp(basic.body.id);
    expect(sink.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('alice:second-pass').toString('base64')}`);

    const renamed = await sy.api(`/api/credentials/${basic.body.id}`, { method: 'PUT', body: { name: 'renamed' } });
    expect(renamed.body.name).toBe('renamed');
    await runHttp(basic.body.id);
    expect(sink.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('alice:second-pass').toString('base64')}`);
  });

  it('the step records the request it sent, resolved, with the credential header redacted', async () => {
    const bearer = await sy.api('/api/credentials', { body: { name: 'rec', type: 'httpBearer', data: { token: 'recorded-token-never-shown' } } });
    const wf = await sy.api('/api/workflows', {
      body: {
        name: 'records its request',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          {
            id: 'call',
            type: 'action.http',
            config: { method: 'POST', url: `${sink.url}/x?a=1`, query: { b: '{{ trigger.b }}' }, headers: { 'x-trace': 't1' }, body: { n: '{{ trigger.n }}' }, credentialId: bearer.body.id },
          },
        ],
        edges: [{ id: 'e', source: 'start', target: 'call' }],
      },
    });
    const run = await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: { b: 'two', n: 3 } } });
    const exec = await finished(run.body.executionId);
    expect(sink.requests.at(-1)!.headers.authorization).toBe('Bearer recorded-token-never-shown');
    const { request } = exec.steps.find((st: { nodeId: string }) => st.nodeId === 'call').output;
    const { [Object.keys(request.headers).find((k) => k.toLowerCase() === 'authorization')!]: auth, ...rest } = request.headers;
    expect(auth).toBe('[redacted]');
    expect(rest).toEqual({ 'x-trace': 't1' });
    expect(request).toMatchObject({ method: 'POST', url: `${sink.url}/x?a=1&b=two`, body: { n: 3 } });
    expect(JSON.stringify(exec)).not.toContain('recorded-token-never-shown');
  });

  it('refuses an update that would leave the credential invalid, or change its type', async () => {
    const c = await sy.api('/api/credentials', { body: { name: 'b', type: 'httpBearer', data: { token: 'tok-123456' } } });
    const cleared = await sy.api(`/api/credentials/${c.body.id}`, { method: 'PUT', body: { data: { token: null } } });
    expect(cleared.status).toBe(400);
    expect(cleared.body.error.details[0].path).toBe('data.token');
    const retyped = await sy.api(`/api/credentials/${c.body.id}`, { method: 'PUT', body: { type: 'httpBasic' } });
    expect(retyped.status).toBe(400);
    expect(retyped.body.error.details[0].path).toBe('type');
  });

  it('a missing credential fails the step with CREDENTIAL_NOT_FOUND, without retries', async () => {
    const before = sink.requests.length;
    const { exec } = await runHttp('cred_doesnotexist');
    expect(exec.status).toBe('error');
    const step = exec.steps.find((s: { nodeId: string }) => s.nodeId === 'call');
    expect(step).toMatchObject({ status: 'error', attempts: 1, error: { code: 'CREDENTIAL_NOT_FOUND' } });
    expect(sink.requests.length).toBe(before);
  });

  it('a credential of the wrong type fails the step clearly', async () => {
    const smtp = await sy.api('/api/credentials', { body: { name: 's', type: 'smtp', data: { host: 'localhost' } } });
    const { exec } = await runHttp(smtp.body.id);
    expect(exec.steps.find((s: { nodeId: string }) => s.nodeId === 'call').error.code).toBe('CREDENTIAL_TYPE_MISMATCH');
  });
});

describe('delete', () => {
  it('is refused with 409 naming the active workflows that use it (node config or webhook auth)', async () => {
    const c = await sy.api('/api/credentials', { body: { name: 'in use', type: 'httpBearer', data: { token: 'in-use-token' } } });
    const { workflow } = await runHttp(c.body.id, true);
    const secret = await sy.api('/api/credentials', { body: { name: 'hook', type: 'webhookSecret', data: { secret: 'hook-secret-1' } } });
    const hook = await sy.api('/api/workflows', {
      body: {
        name: 'guarded hook',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: { auth: { type: 'header', name: 'X-Token', credentialId: secret.body.id } } },
          { id: 't', type: 'data.transform', config: { expression: '1' } },
        ],
        edges: [{ id: 'e', source: 'hook', target: 't' }],
      },
    });
    expect((await sy.api(`/api/workflows/${hook.body.id}/activate`, { method: 'POST' })).status).toBe(200);

    const refused = await sy.api(`/api/credentials/${c.body.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', details: { workflows: [{ id: workflow.id, name: workflow.name }] } });
    const refusedHook = await sy.api(`/api/credentials/${secret.body.id}`, { method: 'DELETE' });
    expect(refusedHook.status).toBe(409);
    expect(refusedHook.body.error.details.workflows).toEqual([{ id: hook.body.id, name: 'guarded hook' }]);

    // Inactive workflows do not hold it: deactivate, then the delete goes through.
    await sy.api(`/api/workflows/${workflow.id}/deactivate`, { method: 'POST' });
    expect((await sy.api(`/api/credentials/${c.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await sy.api(`/api/credentials/${c.body.id}`)).status).toBe(404);
  });
});
