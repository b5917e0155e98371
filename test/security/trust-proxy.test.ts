/**
 * Login rate limits key on the client's address. Without TRUST_PROXY a client cannot pick its
 * address with X-Forwarded-For; with TRUST_PROXY naming the proxy, each forwarded client is limited
 * on its own (instead of every client sharing the proxy's address).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';

let sy: Booted | undefined;
afterEach(async () => {
  await sy?.close();
  sy = undefined;
});

/** 51 failed logins from `from` (distinct accounts, so only the per-address limit of 50 applies). */
async function exhaust(b: Booted, from: string): Promise<number> {
  let last = 0;
  for (let i = 0; i < 51; i++) {
    const r = await fetch(`${b.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify({ email: `nobody${i}@example.com`, password: 'wrong-password' }),
    });
    last = r.status;
  }
  return last;
}

const loginFrom = async (b: Booted, from: string) =>
  (await fetch(`${b.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ email: 'someone-else@example.com', password: 'wrong-password' }),
  })).status;

describe('TRUST_PROXY', () => {
  it('unset: X-Forwarded-For is ignored, so a client cannot escape the per-address limit', async () => {
    sy = await boot();
    expect(await exhaust(sy, '203.0.113.1')).toBe(429);
    expect(await loginFrom(sy, '203.0.113.2')).toBe(429);
  }, 60_000);

  it('loopback: each forwarded client address is limited on its own', async () => {
    sy = await boot({ env: { TRUST_PROXY: 'loopback' } });
    expect(await exhaust(sy, '203.0.113.1')).toBe(429);
    expect(await loginFrom(sy, '203.0.113.2')).toBe(401);
    expect(await loginFrom(sy, '203.0.113.1')).toBe(429);
  }, 60_000);
});
