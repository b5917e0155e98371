/**
 * The request inspector: GET /api/workflows/:id/nodes/:nodeId/requests (last 50, newest first, secret
 * headers masked, body capped) and POST …/requests/:requestId/replay → 202 {executionId}.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { credential, deliver, hookWorkflow, type HookWorkflow } from './hook-helpers.ts';

let sy: Booted;
let wf: HookWorkflow;
const requests = (id = wf.id, node = 'hook') => sy.api(`/api/workflows/${id}/nodes/${node}/requests`);

beforeAll(async () => {
  sy = await boot();
  const cred = await credential(sy, 'webhookSecret', { secret: 'inspect-me' });
  wf = await hookWorkflow(sy, { auth: { type: 'header', name: 'X-Token', credentialId: cred } });
});
afterAll(() => sy?.close());

describe('request inspector', () => {
  it('lists accepted, refused and malformed requests, newest first, with secrets masked', async () => {
    const ok = await deliver(`${wf.url}/orders?src=shop`, '{"order":1}', { 'x-token': 'inspect-me', cookie: 'sid=abc', 'x-trace': 't-1' });
    const refused = await deliver(wf.url, '{"order":2}', { 'x-token': 'guess' });
    const malformed = await deliver(wf.url, '{"order":', { 'x-token': 'inspect-me' });
    expect([ok.status, refused.status, malformed.status]).toEqual([202, 401, 400]);

    const res = await requests();
    expect(res.status).toBe(200);
    const [m, r, a] = res.body.items;
    console.log(`[webhooks] inspector: ${res.body.items.length} requests → ${res.body.items.map((i: any) => `${i.status}${i.reason ? `(${i.reason})` : ''}`).join(', ')}`);
    expect(a).toMatchObject({ method: 'POST', path: '/orders', query: { src: 'shop' }, body: '{"order":1}', status: 202, executionId: ok.body.executionId, reason: null });
    expect(a.headers).toMatchObject({ 'x-token': '[redacted]', cookie: '[redacted]', 'x-trace': 't-1' });
    expect(r).toMatchObject({ status: 401, reason: 'bad_credentials', executionId: null });
    expect(r.headers['x-token']).toBe('[redacted]');
    expect(m).toMatchObject({ status: 400, body: '{"order":' });
    expect(JSON.stringify(res.body)).not.toContain('inspect-me');
    expect(JSON.stringify(res.body)).not.toContain('guess');
    expect(a.id).toMatch(/^req_/);
    expect(new Date(a.receivedAt).getTime()).toBeGreaterThan(0);
  });

  it('keeps only the last 50', async () => {
    const hook = await hookWorkflow(sy, {});
    for (let i = 1; i <= 60; i++) await deliver(hook.url, JSON.stringify({ i }));
    const items = (await requests(hook.id)).body.items;
    expect(items).toHaveLength(50);
    expect(JSON.parse(items[0].body)).toEqual({ i: 60 });
    expect(JSON.parse(items[49].body)).toEqual({ i: 11 });
  });

  it('replays a request into a new execution (mode replay) with the same event', async () => {
    const sent = await deliver(`${wf.url}/replay-me?x=1`, '{"order":99}', { 'x-token': 'inspect-me' });
    const item = (await requests()).body.items.find((i: any) => i.executionId === sent.body.executionId);
    const replay = await sy.api(`/api/workflows/${wf.id}/nodes/hook/requests/${item.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(replay.body.executionId).not.toBe(sent.body.executionId);
    const ex = await until(async () => {
      const r = await sy.api(`/api/executions/${replay.body.executionId}`);
      return r.body.status === 'success' ? r.body : undefined;
    });
    expect(ex.mode).toBe('replay');
    const original = (await sy.api(`/api/executions/${sent.body.executionId}`)).body;
    const [trig, echo] = ex.steps;
    expect(trig.output).toMatchObject({ method: 'POST', path: '/replay-me', query: { x: '1' }, body: { order: 99 } });
    expect(trig.output.body).toEqual(original.steps[0].output.body);
    expect(echo.output).toEqual({ order: 99 });
  });

  it('replays a large accepted request in full from its execution; refuses unknown requests (404) and cut bodies it cannot recover (409)', async () => {
    const missing = await sy.api(`/api/workflows/${wf.id}/nodes/hook/requests/req_nope/replay`, { method: 'POST' });
    expect(missing.status).toBe(404);
    const big = JSON.stringify({ blob: 'x'.repeat(100_000) });
    const accepted = await deliver(wf.url, big, { 'x-token': 'inspect-me' });
    expect(accepted.status).toBe(202);
    const item = (await requests()).body.items[0];
    expect(item).toMatchObject({ bodySize: big.length, bodyTruncated: true, executionId: accepted.body.executionId });
    expect(item.body.length).toBe(16 * 1024);
    const replay = await sy.api(`/api/workflows/${wf.id}/nodes/hook/requests/${item.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    const ex = await until(async () => {
      const r = await sy.api(`/api/executions/${replay.body.executionId}`);
      return r.body.status === 'success' ? r.body : undefined;
    });
    expect(ex.steps[0].output.body.blob).toHaveLength(100_000);

    expect((await deliver(wf.url, big, { 'x-token': 'wrong' })).status).toBe(401);
    const refused = (await requests()).body.items[0];
    expect(refused).toMatchObject({ status: 401, bodyTruncated: true, executionId: null });
    expect((await sy.api(`/api/workflows/${wf.id}/nodes/hook/requests/${refused.id}/replay`, { method: 'POST' })).status).toBe(409);
  });

  it('is behind API auth, and 404 for a node that is not a webhook or a workflow that does not exist', async () => {
    expect((await fetch(`${sy.base}/api/workflows/${wf.id}/nodes/hook/requests`)).status).toBe(401);
    expect((await requests(wf.id, 'echo')).status).toBe(404);
    expect((await requests('wf_missing')).status).toBe(404);
  });
});
