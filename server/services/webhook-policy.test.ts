/** Per-hook rate limit windows and CORS decisions. */
import { describe, expect, it } from 'vitest';
import { createHookPolicy, type PolicyHook } from './webhook-policy.ts';

const hook = (extra: Partial<PolicyHook['config']> = {}): PolicyHook => ({ token: 'tok', config: { methods: ['POST'], ...extra } });

describe('rate limit', () => {
  it('allows `requests` per window, then 429 with Retry-After until the window ends', () => {
    const policy = createHookPolicy();
    const h = hook({ rateLimit: { requests: 3, perSeconds: 10 } });
    expect([0, 1, 2].map((i) => policy.throttle(h, 1000 + i))).toEqual([undefined, undefined, undefined]);
    const limited = policy.throttle(h, 1500)!;
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual({ 'Retry-After': '10' });
    expect(policy.throttle(h, 9_100)!.headers).toEqual({ 'Retry-After': '2' });
    expect(policy.throttle(h, 11_000)).toBeUndefined(); // a new window
  });
  it('does nothing without a limit, and a changed limit starts afresh', () => {
    const policy = createHookPolicy();
    expect(policy.throttle(hook(), 0)).toBeUndefined();
    policy.throttle(hook({ rateLimit: { requests: 1, perSeconds: 60 } }), 0);
    expect(policy.throttle(hook({ rateLimit: { requests: 1, perSeconds: 60 } }), 1)?.status).toBe(429);
    expect(policy.throttle(hook({ rateLimit: { requests: 5, perSeconds: 60 } }), 2)).toBeUndefined();
  });
});

describe('cors', () => {
  const h = hook({ cors: { origins: ['https://app.example.com'] } });
  it('grants listed origins only', () => {
    const policy = createHookPolicy();
    expect(policy.corsHeaders(h, 'https://app.example.com')).toMatchObject({ 'Access-Control-Allow-Origin': 'https://app.example.com', Vary: 'Origin' });
    expect(policy.corsHeaders(h, 'https://evil.example')).toBeUndefined();
    expect(policy.corsHeaders(hook(), 'https://app.example.com')).toBeUndefined();
    expect(policy.corsHeaders(hook({ cors: { origins: ['*'] } }), 'https://any.example')).toBeTruthy();
  });
  it('answers preflight with methods, requested headers and max-age', () => {
    const policy = createHookPolicy();
    const ok = policy.preflight(h, 'https://app.example.com', 'content-type, x-custom');
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://app.example.com',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'content-type, x-custom',
      'Access-Control-Max-Age': '600',
    });
    const refused = policy.preflight(h, 'https://evil.example', 'content-type');
    expect(refused.headers).toEqual({ Allow: 'POST, OPTIONS' });
    expect(policy.preflight(undefined, 'https://app.example.com', undefined).headers).toEqual({ Allow: 'GET, POST, PUT, PATCH, DELETE, OPTIONS' });
  });
});
