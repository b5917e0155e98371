/**
 * Per-hook traffic policy: the optional rate limit (fixed window, in memory, 429 + Retry-After)
 * and the optional allowed CORS origins, including the answer to a browser's preflight.
 */
import type { WebhookCors, WebhookRateLimit } from '#shared/nodes/trigger-webhook.ts';
import type { z } from 'zod';
import { createRateLimiter, type RateLimiter } from '../lib/rate-limit.ts';

type RateLimit = z.output<typeof WebhookRateLimit>;
type Cors = z.output<typeof WebhookCors>;
export type PolicyHook = { token: string; config: { methods: readonly string[]; rateLimit?: RateLimit | undefined; cors?: Cors | undefined } };
export type PolicyReply = { status: number; body: unknown; headers?: Record<string, string> };

const PREFLIGHT_MAX_AGE = '600';
const GENERIC_ALLOW = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';

export function createHookPolicy() {
  // Keyed by token and rebuilt when the limit changes; a restart forgets the window, which only helps senders.
  const limiters = new Map<string, { spec: RateLimit; limiter: RateLimiter }>();

  return {
    /** Counts one request; returns a 429 reply when the hook is over its limit, else undefined. */
    throttle(hook: PolicyHook, now: number): PolicyReply | undefined {
      const spec = hook.config.rateLimit;
      if (!spec) return undefined;
      let l = limiters.get(hook.token);
      if (!l || l.spec.requests !== spec.requests || l.spec.perSeconds !== spec.perSeconds) {
        l = { spec, limiter: createRateLimiter(spec.requests, spec.perSeconds * 1000, 1) };
        limiters.set(hook.token, l);
      }
      const waitMs = l.limiter.hit(hook.token, now);
      if (waitMs <= 0) return undefined;
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      return {
        status: 429,
        headers: { 'Retry-After': String(seconds) },
        body: { error: { code: 'TOO_MANY_REQUESTS', message: `this hook accepts ${spec.requests} requests per ${spec.perSeconds} s; retry in ${seconds} s` } },
      };
    },

    /** CORS headers for a response to `origin`, when the hook allows it. */
    corsHeaders(hook: PolicyHook, origin: string | undefined): Record<string, string> | undefined {
      if (!origin || !isAllowed(hook.config.cors, origin)) return undefined;
      return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Expose-Headers': 'Retry-After' };
    },

    /** The answer to OPTIONS: CORS grants for an allowed origin, else just `Allow` (the browser then refuses). */
    preflight(hook: PolicyHook | undefined, origin: string | undefined, requestHeaders: string | undefined): PolicyReply {
      const allow = hook ? [...hook.config.methods, 'OPTIONS'].join(', ') : GENERIC_ALLOW;
      const headers: Record<string, string> = { Allow: allow };
      if (hook && origin && isAllowed(hook.config.cors, origin)) {
        headers['Access-Control-Allow-Origin'] = origin;
        headers['Access-Control-Allow-Methods'] = allow;
        if (requestHeaders && /^[\w\s,-]{1,2000}$/.test(requestHeaders)) headers['Access-Control-Allow-Headers'] = requestHeaders;
        headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE;
        headers.Vary = 'Origin, Access-Control-Request-Headers';
      }
      return { status: 204, body: null, headers };
    },

    forget(token: string): void {
      limiters.delete(token);
    },
  };
}
export type HookPolicy = ReturnType<typeof createHookPolicy>;

function isAllowed(cors: Cors | undefined, origin: string): boolean {
  if (!cors) return false;
  const o = origin.toLowerCase();
  return cors.origins.some((allowed) => allowed === '*' || allowed.toLowerCase() === o);
}
