/** Owner setup, sessions, API keys, and auth on every /api route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(() => sy?.close());

const ROUTES: [string, string][] = [
  ['GET', '/api/workflows'],
  ['POST', '/api/workflows'],
  ['POST', '/api/workflows/import'],
  ['GET', '/api/workflows/wf_x'],
  ['PUT', '/api/workflows/wf_x'],
  ['DELETE', '/api/workflows/wf_x'],
  ['POST', '/api/workflows/wf_x/activate'],
  ['POST', '/api/workflows/wf_x/deactivate'],
  ['POST', '/api/workflows/wf_x/run'],
  ['POST', '/api/workflows/wf_x/duplicate'],
  ['GET', '/api/workflows/wf_x/export'],
  ['POST', '/api/workflows/wf_x/nodes/hook/listen'],
  ['GET', '/api/workflows/wf_x/nodes/hook/sample'],
  ['GET', '/api/executions'],
  ['GET', '/api/executions/ex_x'],
  ['POST', '/api/executions/ex_x/retry'],
  ['GET', '/api/api-keys'],
  ['POST', '/api/api-keys'],
  ['DELETE', '/api/api-keys/key_x'],
  ['GET', '/api/meta'],
  ['GET', '/api/events'],
  ['GET', '/api/auth/me'],
  ['POST', '/api/auth/password'],
];

describe('auth', () => {
  it('health is public', async () => {
    const r = await fetch(`${sy.base}/api/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
  });

  it.each(ROUTES)('%s %s needs a session or an API key', async (method, path) => {
    for (const headers of [{}, { authorization: 'Bearer sy_wrong' }, { cookie: 'sy_session=forged' }] as Record<string, string>[]) {
      const r = await fetch(sy.base + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'GET' ? undefined : '{}' });
      expect(r.status).toBe(401);
      expect(((await r.json()) as any).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('setup works only once (409 after)', async () => {
    const r = await fetch(`${sy.base}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'second@example.com', password: 'another password' }) });
    expect(r.status).toBe(409);
  });

  it('login sets an httpOnly SameSite cookie; logout revokes the session', async () => {
    const bad = await fetch(`${sy.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password: 'wrong password' }) });
    expect(bad.status).toBe(401);
    const r = await fetch(`${sy.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password: 'correct horse battery' }) });
    expect(r.status).toBe(200);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(';')[0]!;
    expect((await fetch(`${sy.base}/api/workflows`, { headers: { cookie } })).status).toBe(200);
    // A cookie-authenticated write from another origin is refused (CSRF).
    const cross = await fetch(`${sy.base}/api/workflows`, { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{"name":"x"}' });
    expect(cross.status).toBe(403);
    const out = await fetch(`${sy.base}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: sy.base } });
    expect(out.status).toBe(204);
    expect((await fetch(`${sy.base}/api/workflows`, { headers: { cookie } })).status).toBe(401);
  });

  it('API keys are shown once, listed by prefix, and stop working when deleted', async () => {
    const created = await sy.api('/api/api-keys', { body: { label: 'ci' } });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const list = await sy.api('/api/api-keys');
    const item = list.body.items.find((k: any) => k.id === created.body.id);
    expect(item.prefix).toBe(key.slice(0, 7));
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect((await fetch(`${sy.base}/api/workflows`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await sy.api(`/api/api-keys/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${sy.base}/api/workflows`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('rate-limits failed logins per account', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${sy.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'victim@example.com', password: 'guess-guess' }) });
      last = r.status;
    }
    expect(last).toBe(429);
  });
});
