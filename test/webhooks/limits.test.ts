/** Per-hook rate limit (429 + Retry-After) and allowed CORS origins (preflight and actual requests). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';
import { deliver, executionsOf, hookWorkflow } from './hook-helpers.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(() => sy?.close());

describe('rate limit', () => {
  it('answers 429 with Retry-After past `requests` per `perSeconds`, and starts nothing for them', async () => {
    const wf = await hookWorkflow(sy, { rateLimit: { requests: 5, perSeconds: 60 } });
    const all = await Promise.all(Array.from({ length: 8 }, (_, i) => deliver(wf.url, JSON.stringify({ i }))));
    const accepted = all.filter((r) => r.status === 202);
    const limited = all.filter((r) => r.status === 429);
    console.log(`[webhooks] rate limit 5/60s: ${accepted.length} accepted, ${limited.length} limited, Retry-After ${limited[0]?.headers.get('retry-after')}`);
    expect(accepted).toHaveLength(5);
    expect(limited).toHaveLength(3);
    const retryAfter = Number(limited[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited[0]!.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(await executionsOf(sy, wf.id)).toHaveLength(5);
  });

  it('other hooks are not affected', async () => {
    const limitedHook = await hookWorkflow(sy, { rateLimit: { requests: 1, perSeconds: 60 } });
    const free = await hookWorkflow(sy, {});
    await deliver(limitedHook.url, '{}');
    expect((await deliver(limitedHook.url, '{}')).status).toBe(429);
    expect((await deliver(free.url, '{}')).status).toBe(202);
  });

  it('refuses an invalid limit at save time', async () => {
    const res = await sy.api('/api/workflows', {
      body: { name: 'bad', nodes: [{ id: 'hook', type: 'trigger.webhook', config: { rateLimit: { requests: 0, perSeconds: 1 } } }], edges: [] },
    });
    const act = res.status === 201 ? await sy.api(`/api/workflows/${res.body.id}/activate`, { method: 'POST' }) : res;
    expect(act.status).toBe(400);
  });
});

describe('CORS', () => {
  const origin = 'https://app.example.com';

  it('answers a preflight from an allowed origin with the grants, and not from others', async () => {
    const wf = await hookWorkflow(sy, { methods: ['POST', 'PUT'], cors: { origins: [origin] } });
    const pre = await fetch(wf.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-signature' },
    });
    console.log(`[webhooks] preflight ${pre.status}: allow-origin=${pre.headers.get('access-control-allow-origin')} methods=${pre.headers.get('access-control-allow-methods')}`);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST, PUT, OPTIONS');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type, x-signature');
    expect(pre.headers.get('access-control-max-age')).toBe('600');

    const evil = await fetch(wf.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.status).toBe(204);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds Access-Control-Allow-Origin to real responses for allowed origins only', async () => {
    const wf = await hookWorkflow(sy, { cors: { origins: [origin] } });
    const ok = await deliver(wf.url, '{}', { origin });
    expect(ok.status).toBe(202);
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    expect(ok.headers.get('vary')).toBe('Origin');
    const other = await deliver(wf.url, '{}', { origin: 'https://evil.example' });
    expect(other.status).toBe(202); // CORS is the browser's rule; servers still answer, without the grant
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a hook without CORS keeps answering OPTIONS with Allow only', async () => {
    const wf = await hookWorkflow(sy, {});
    const pre = await fetch(wf.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('allow')).toBe('POST, OPTIONS');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
