/**
 * Sessions and the browser: security headers and a strict CSP, cookie flags (Secure behind an https PUBLIC_URL),
 * the same-origin check on every cookie-authenticated write, login rate limits per account and per address,
 * and sessions that expire and are revoked on logout and on password change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';
import { login, offsetClock, OWNER } from './fixtures.ts';
import { mapLimit, rawRequest } from './raw-http.ts';
import { captureExpressApp, concretize, isPublic, routeTable } from './route-table.ts';

const TTL_MS = 3600_000;
const WINDOW_MS = 15 * 60_000;
const clock = offsetClock();
let sy: Booted;
let port: number;

beforeAll(async () => {
  sy = await boot({ env: { SESSION_TTL_HOURS: String(TTL_MS / 3600_000) }, overrides: { clock } });
  port = Number(new URL(sy.base).port);
});
afterAll(() => sy?.close());

/** Moves past every rate-limit window, so each test starts with a clean budget. */
const freshWindow = () => clock.advance(WINDOW_MS + 1000);
const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const cookieGet = (path: string, cookie: string) => fetch(sy.base + path, { headers: { cookie } });

describe('security headers', () => {
  function expectHelmetHeaders(h: Headers, where: string) {
    const csp = h.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(directives.get('default-src'), where).toEqual(["'self'"]);
    expect(directives.get('script-src'), where).toEqual(["'self'"]); // no 'unsafe-inline', no 'unsafe-eval', no hosts
    expect(directives.get('object-src'), where).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors'), where).toEqual(["'none'"]);
    expect(directives.get('base-uri'), where).toEqual(["'none'"]);
    expect(directives.get('form-action'), where).toEqual(["'self'"]);
    expect(csp, where).not.toMatch(/unsafe-eval|\*|http:|data:.*script/);
    expect(h.get('x-content-type-options'), where).toBe('nosniff');
    expect(h.get('x-frame-options'), where).toBe('DENY');
    expect(h.get('referrer-policy'), where).toBe('no-referrer');
    expect(h.get('cross-origin-opener-policy'), where).toBe('same-origin');
    expect(h.get('cross-origin-resource-policy'), where).toBe('same-origin');
    expect(h.get('x-permitted-cross-domain-policies'), where).toBe('none');
    expect(h.get('x-powered-by'), where).toBeNull();
  }

  it('the editor, the API (answers and errors) and unknown paths all carry them', async () => {
    const pages = ['/', '/some/editor/route', '/api/health', '/api/workflows', '/api/nope', '/nope.js'];
    for (const p of pages) expectHelmetHeaders((await fetch(sy.base + p)).headers, p);
    const authed = await fetch(`${sy.base}/api/workflows`, { headers: { authorization: `Bearer ${sy.apiKey}` } });
    expectHelmetHeaders(authed.headers, 'authed /api/workflows');
    expect(authed.headers.get('cache-control')).toBe('no-store');
    // On plain http, HSTS would only pin a development host.
    expect(authed.headers.get('strict-transport-security')).toBeNull();
    console.log(`sessions: header checks on ${pages.length + 1} responses, missing 0`);
  });
});

describe('cookies', () => {
  it('the session cookie is HttpOnly, SameSite, Path=/ and expires; not Secure on plain http', async () => {
    freshWindow();
    const { setCookie, status } = await login(sy.base);
    expect(status).toBe(200);
    expect(setCookie).toMatch(/^sy_session=[A-Za-z0-9_-]{40,};/);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=(Lax|Strict)/i);
    expect(setCookie).toMatch(/;\s*Path=\/(;|$)/i);
    const expires = Date.parse(/Expires=([^;]+)/i.exec(setCookie)?.[1] ?? '');
    expect(Math.abs(expires - (clock.now() + TTL_MS))).toBeLessThan(5_000);
    expect(setCookie).not.toMatch(/;\s*Secure/i);
  });

  it('with an https PUBLIC_URL the cookie is Secure and HSTS is sent', async () => {
    const secure = await boot({ env: { PUBLIC_URL: 'https://switchyard.example.test' } });
    try {
      const { setCookie } = await login(secure.base);
      expect(setCookie).toMatch(/;\s*Secure/i);
      expect(setCookie).toMatch(/;\s*HttpOnly/i);
      const out = await fetch(`${secure.base}/api/auth/logout`, { method: 'POST', headers: { cookie: setCookie.split(';')[0]!, origin: 'https://switchyard.example.test' } });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
      expect((await fetch(`${secure.base}/api/health`)).headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
    } finally {
      await secure.close();
    }
  });
});

describe('CSRF: cookie-authenticated writes need the same origin', () => {
  it('every POST/PUT/PATCH/DELETE with a session cookie and a foreign or missing origin is 403', async () => {
    freshWindow();
    const { cookie } = await login(sy.base);
    const { table } = routeTable(await captureExpressApp(sy.app.server, sy.base));
    const writes = table.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && (!isPublic(r) || r.path === '/api/auth/logout'));
    const origins: [string, [string, string][]][] = [
      ['foreign origin', [['Origin', 'https://evil.example']]],
      ['null origin', [['Origin', 'null']]],
      ['look-alike origin', [['Origin', `${sy.base}.evil.example`]]],
      ['other port', [['Origin', `http://127.0.0.1:${port + 1}`]]],
      ['no origin, no referer', []],
      ['sec-fetch-site cross-site', [['Sec-Fetch-Site', 'cross-site']]],
      ['sec-fetch-site same-site', [['Sec-Fetch-Site', 'same-site']]],
      ['foreign referer', [['Referer', 'https://evil.example/page']]],
      ['garbage referer', [['Referer', '::::']]],
      ['foreign origin beats same referer', [['Origin', 'https://evil.example'], ['Referer', `${sy.base}/`]]],
    ];
    const bodies: [string, string][] = [
      ['application/json', '{"name":"csrf","label":"csrf"}'],
      ['text/plain', '{"name":"csrf","label":"csrf"}'], // what a cross-site <form enctype=text/plain> can send
      ['application/x-www-form-urlencoded', 'name=csrf&label=csrf'],
    ];
    const cases = writes.flatMap((r) =>
      origins.flatMap(([label, headers]) =>
        bodies.map(([ct, body]) => ({ label: `${r.method} ${r.path} [${label}; ${ct}]`, method: r.method, target: concretize(r.path, (n) => `${n}_x`), headers: [['Cookie', cookie], ['Content-Type', ct], ...headers] as [string, string][], body })),
      ),
    );
    const escapes: string[] = [];
    await mapLimit(cases, 8, async (c) => {
      const res = await rawRequest(port, c);
      if (res.status !== 403) escapes.push(`${c.label}: ${res.status}`);
    });
    console.log(`sessions: CSRF cases tried ${cases.length} over ${writes.length} write routes, blocked ${cases.length - escapes.length}, escapes ${escapes.length}`);
    expect(escapes).toEqual([]);
    // The session survived all of it (the cross-site logouts were refused too).
    expect((await cookieGet('/api/auth/me', cookie)).status).toBe(200);
  });

  it('the same origin (Origin, or Referer, or Sec-Fetch-Site: same-origin) is let through', async () => {
    freshWindow();
    const { cookie } = await login(sy.base);
    for (const headers of [{ origin: sy.base }, { referer: `${sy.base}/workflows` }, { 'sec-fetch-site': 'same-origin' }] as Record<string, string>[]) {
      const r = await fetch(`${sy.base}/api/api-keys`, json({ label: 'same-origin' }, { cookie, ...headers }));
      expect(r.status, JSON.stringify(headers)).toBe(201);
    }
    // An API key is not ambient authority, so it needs no origin.
    expect((await fetch(`${sy.base}/api/api-keys`, json({ label: 'key' }, { authorization: `Bearer ${sy.apiKey}` }))).status).toBe(201);
  });
});

describe('login rate limits', () => {
  it('per account: the 11th failure within 15 minutes is 429 with Retry-After, even with the right password and other spellings', async () => {
    freshWindow();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await login(sy.base, { email: OWNER.email, password: `wrong-${i}-password` })).status);
    expect(statuses.every((s) => s === 401)).toBe(true);
    const blocked = [
      await login(sy.base, { email: OWNER.email, password: 'another wrong one' }),
      await login(sy.base, OWNER), // the right password does not get through a locked account
      await login(sy.base, { email: `  ${OWNER.email.toUpperCase()} `, password: OWNER.password }),
    ];
    for (const b of blocked) {
      expect(b.status).toBe(429);
      const retryAfter = Number(b.res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    }
    clock.advance(WINDOW_MS + 1000);
    expect((await login(sy.base)).status).toBe(200);
    console.log(`sessions: per-account limit: 10 failures allowed, then ${blocked.length}/${blocked.length} refused with 429`);
  });

  it('per address: 50 failures over many accounts block the address, and X-Forwarded-For does not reset it', async () => {
    freshWindow();
    const statuses = await mapLimit(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => (await login(sy.base, { email: `nobody-${i}@example.com`, password: 'wrong password' })).status,
    );
    expect(statuses.every((s) => s === 401)).toBe(true);
    const next = await login(sy.base, { email: 'fresh@example.com', password: 'wrong password' });
    expect(next.status).toBe(429);
    expect(Number(next.res.headers.get('retry-after'))).toBeGreaterThan(0);
    const spoofed = await login(sy.base, OWNER, { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.7', forwarded: 'for=203.0.113.7' });
    expect(spoofed.status).toBe(429);
    clock.advance(WINDOW_MS + 1000);
    expect((await login(sy.base)).status).toBe(200);
    console.log('sessions: per-address limit: 50 failures allowed, then refused with 429 (spoofed forwarding headers ignored)');
  });

  it('guessing the current password through a stolen session is rate-limited too', async () => {
    freshWindow();
    const { cookie } = await login(sy.base);
    const change = (currentPassword: string) => fetch(`${sy.base}/api/auth/password`, json({ currentPassword, newPassword: 'a brand new password' }, { cookie, origin: sy.base }));
    for (let i = 0; i < 10; i++) expect((await change(`guess-${i}`)).status).toBe(401);
    const r = await change('guess-final');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('session lifetime', () => {
  it('a session expires after SESSION_TTL_HOURS of inactivity (sliding while used)', async () => {
    freshWindow();
    const { cookie } = await login(sy.base);
    clock.advance(TTL_MS - 60_000);
    expect((await cookieGet('/api/auth/me', cookie)).status).toBe(200); // used: slides forward
    clock.advance(TTL_MS - 60_000);
    expect((await cookieGet('/api/auth/me', cookie)).status).toBe(200);
    clock.advance(TTL_MS + 1000);
    expect((await cookieGet('/api/auth/me', cookie)).status).toBe(401);
    expect((await cookieGet('/api/workflows', cookie)).status).toBe(401);
  });

  it('a session in constant use still ends at SESSION_MAX_AGE_HOURS', async () => {
    const ownClock = offsetClock();
    const short = await boot({ env: { SESSION_TTL_HOURS: '1', SESSION_MAX_AGE_HOURS: '2' }, overrides: { clock: ownClock } });
    try {
      const { cookie } = await login(short.base);
      for (let i = 0; i < 2; i++) {
        ownClock.advance(50 * 60_000); // used every 50 minutes: never idle past the 1 h TTL
        expect((await fetch(`${short.base}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
      }
      ownClock.advance(21 * 60_000); // 2 h 1 min after login
      expect((await fetch(`${short.base}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it('logout revokes the session on the server and clears the cookie', async () => {
    freshWindow();
    const { cookie } = await login(sy.base);
    expect((await cookieGet('/api/workflows', cookie)).status).toBe(200);
    const out = await fetch(`${sy.base}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: sy.base } });
    expect(out.status).toBe(204);
    const cleared = out.headers.get('set-cookie') ?? '';
    expect(cleared).toMatch(/^sy_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/i);
    // A client that keeps the old cookie anyway gets nothing.
    expect((await cookieGet('/api/workflows', cookie)).status).toBe(401);
    expect((await cookieGet('/api/auth/me', cookie)).status).toBe(401);
  });

  it('a password change revokes every session, issues a new one, and retires the old password', async () => {
    freshWindow();
    const a = await login(sy.base);
    const b = await login(sy.base);
    const newPassword = 'an entirely new passphrase';
    const cross = await fetch(`${sy.base}/api/auth/password`, json({ currentPassword: OWNER.password, newPassword }, { cookie: a.cookie, origin: 'https://evil.example' }));
    expect(cross.status).toBe(403);
    const r = await fetch(`${sy.base}/api/auth/password`, json({ currentPassword: OWNER.password, newPassword }, { cookie: a.cookie, origin: sy.base }));
    expect(r.status).toBe(200);
    const c = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(c).toMatch(/^sy_session=.+/);
    expect((await cookieGet('/api/auth/me', a.cookie)).status).toBe(401);
    expect((await cookieGet('/api/auth/me', b.cookie)).status).toBe(401);
    expect((await cookieGet('/api/auth/me', c)).status).toBe(200);
    expect((await login(sy.base)).status).toBe(401);
    expect((await login(sy.base, { email: OWNER.email, password: newPassword })).status).toBe(200);
    // Restore, for any test that runs after.
    const back = await fetch(`${sy.base}/api/auth/password`, json({ currentPassword: newPassword, newPassword: OWNER.password }, { cookie: c, origin: sy.base }));
    expect(back.status).toBe(200);
  });
});
