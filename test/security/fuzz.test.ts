/**
 * Property-based fuzzing (fast-check) of the public surface: more than 20,000 generated malformed requests at
 * /hooks/<active token>, /hooks/<random> and every API route, over keep-alive connections and raw sockets.
 * Properties: no answer >= 500, no server-side crash logged, the server still healthy afterwards, and the event
 * loop never stalls. Reproduce a run with FUZZ_SEED=<seed printed in the summary>.
 */
import fc from 'fast-check';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../server/lib/logger.ts';
import { boot, type Booted } from '../helpers/boot.ts';
import { prototypePollution, snapshotPrototypes } from './canaries.ts';
import { webhookWorkflow } from './fixtures.ts';
import { agentRequest, NoResponse, rawRequest, type RawRequest } from './raw-http.ts';
import { captureExpressApp, concretize, routeTable } from './route-table.ts';

/** Requests in flight at once: enough to load two cores, few enough that a slow answer is not a timeout. */
const BATCH = 24;
/** Runs per target, BATCH requests each: (250 + 170 + 420) × 24 = 20,160 requests. */
const RUNS = { hook: 250, randomHook: 170, api: 420 };
const TIMEOUT_MS = 120_000;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** Server-side log lines that mean a request or execution blew up rather than being refused. */
const CRASH_LOGS = /request failed|webhook failed|execution crashed|step write failed/;

const crashes: { msg: string; fields?: Record<string, unknown> }[] = [];
const capture: Logger = {
  debug() {},
  info() {},
  warn() {},
  error(msg, fields) {
    if (CRASH_LOGS.test(msg)) crashes.push(fields ? { msg, fields } : { msg });
  },
  child: () => capture,
};

let sy: Booted;
let port: number;
let token: string;
let apiPaths: string[];
const stats = { requests: 0, raw: 0, fiveXX: 0, noResponse: 0, timeouts: 0, byStatus: {} as Record<string, number> };
let maxLagMs = 0;
let prototypes: ReturnType<typeof snapshotPrototypes>;
/** The worst lag seen during each property, for the report. */
const lagByPhase: Record<string, number> = {};
let phaseLag = 0;
let lagTimer: NodeJS.Timeout | undefined;
// Most requests ride keep-alive connections (cheap); a share, and anything node:http refuses to send, go over raw sockets.
const agent = new http.Agent({ keepAlive: true, maxSockets: BATCH });

beforeAll(async () => {
  sy = await boot({ env: { WEBHOOK_MAX_BODY_BYTES: '16384', API_MAX_BODY_BYTES: '16384', EXECUTION_CONCURRENCY: '8' }, overrides: { logger: capture } });
  port = Number(new URL(sy.base).port);
  token = (await webhookWorkflow(sy, { name: 'fuzz', methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] })).token;
  const { table } = routeTable(await captureExpressApp(sy.app.server, sy.base));
  apiPaths = [...new Set(table.map((r) => r.path))];
  prototypes = snapshotPrototypes();
  // Event-loop lag: how late a 20 ms interval fires, at worst, while the fuzzers run.
  let last = performance.now();
  lagTimer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - 20);
    phaseLag = Math.max(phaseLag, now - last - 20);
    last = now;
  }, 20);
});

afterAll(async () => {
  if (lagTimer) clearInterval(lagTimer);
  agent.destroy();
  await sy?.close();
});

// ---- generators -------------------------------------------------------------------------------------------------

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 64 });
const anyText = fc.string({ unit: 'grapheme', maxLength: 64 });

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') },
  { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'MKCOL', 'PURGE', 'SEARCH', 'LINK', 'M-SEARCH', 'get', 'Post') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/).filter((m) => m !== 'CONNECT') },
);

const segment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2f', '%00', '%', '%zz', '%E0%A4%A', '%ff', '~', '*', 'x.svg', 'a.js', ';jsessionid=1', '..;', '%5c', '__proto__', 'constructor'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,24}$/),
  anyText.map(encodeURIComponent),
);
const suffix = fc.array(segment, { maxLength: 4 }).map((s) => (s.length ? `/${s.join('/')}` : ''));
const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('__proto__[polluted]', 'constructor[prototype][polluted]', 'a[]', 'limit', 'cursor', 'status', 'workflowId', 'q', 'token'), fc.stringMatching(/^[a-z_[\]]{1,10}$/)),
      fc.oneof(anyText.map(encodeURIComponent), fc.constantFrom('%', '-1', '1e309', '99999999999999999999', 'success', '')),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'application/vnd.api+json',
  ';;',
  '*/*',
  'garbage',
];
const headerValue = (name: string) => {
  const specific: Record<string, string[]> = {
    'content-type': CONTENT_TYPES,
    'content-encoding': ['gzip', 'deflate', 'br', 'identity', 'x-evil', 'gzip, gzip'],
    authorization: ['Bearer ', 'Bearer sy_wrong', 'Basic Og==', `Bearer ${'x'.repeat(300)}`, 'API_KEY'],
    cookie: ['sy_session=%', 'sy_session=%E0%A4%A', 'sy_session=forged', 'a=b; sy_session=; ;;', '=', 'sy_session="quoted"'],
    origin: ['null', 'https://evil.example', 'http://127.0.0.1'],
    expect: ['100-continue', 'nonsense'],
    'x-hub-signature-256': ['sha256=00', 'sha256=', 'md5=zz'],
    'stripe-signature': ['t=1,v1=00', 't=abc', ''],
    'webhook-signature': ['v1,AAAA', 'v1a,xx'],
    'webhook-timestamp': ['0', '-1', '99999999999', 'now'],
    'idempotency-key': ['k1', 'x'.repeat(600)],
  };
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(specific[name] ?? ['x'])) }, { weight: 2, arbitrary: printable }, { weight: 1, arbitrary: printable.map((s) => s.repeat(40)) });
};
const HEADER_NAMES = ['content-type', 'content-encoding', 'authorization', 'cookie', 'origin', 'referer', 'expect', 'accept', 'range', 'x-forwarded-for', 'x-hub-signature-256', 'stripe-signature', 'webhook-id', 'webhook-signature', 'webhook-timestamp', 'idempotency-key', 'x-github-delivery'];
const headers = (apiKey: () => string) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...HEADER_NAMES).chain((n) => headerValue(n).map((v) => [n, v] as [string, string])) },
      { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/), printable) },
      { weight: 1, arbitrary: fc.constant(['Authorization', `Bearer ${apiKey()}`] as [string, string]) },
    ),
    { maxLength: 6 },
  );

const RESERVED = [
  '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
  '{"filepath":"/etc/passwd","files":{"file":{"filepath":"/etc/passwd"}}}',
  '{"payload":{"__proto__":{"polluted":1}},"name":"fz","nodes":[],"edges":[]}',
];
const body = fc.option(
  fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ payload: v, name: 'fz', label: 'fz', email: 'a@b.c', password: 'pw', nodes: [], edges: [] })),
    fc.constantFrom(...RESERVED),
    anyText,
    fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
    fc.nat({ max: 200 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
    fc.json().map((s) => s.slice(0, Math.max(0, s.length - 1))),
    anyText.map((s) => `a=${encodeURIComponent(s)}&__proto__[polluted]=1&b[c][d]=e`),
    fc.nat({ max: 40_000 }).map((n) => `"${'x'.repeat(n)}"`),
  ),
  { nil: undefined },
);

type Fuzzed = RawRequest & { raw: boolean };
const request = (path: fc.Arbitrary<string>, apiKey: () => string): fc.Arbitrary<Fuzzed> =>
  fc
    .record({ method, target: fc.tuple(path, query).map(([p, q]) => p + q), headers: headers(apiKey), body, raw: fc.nat({ max: 4 }).map((n) => n === 0) })
    .map((r) => (r.body === undefined ? { method: r.method, target: r.target, headers: r.headers, raw: r.raw } : r));

// ---- the properties ---------------------------------------------------------------------------------------------

async function fire(batch: Fuzzed[]): Promise<string[]> {
  const bad: string[] = [];
  await Promise.all(
    batch.map(async (req) => {
      stats.requests++;
      try {
        const viaAgent = req.raw ? undefined : agentRequest(agent, port, req, 15_000);
        if (!viaAgent) stats.raw++;
        const res = await (viaAgent ?? rawRequest(port, req, { timeoutMs: 15_000, headersOnly: true }));
        stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
        if (res.status >= 500) {
          stats.fiveXX++;
          bad.push(`${res.status} ← ${req.method} ${req.target} ${JSON.stringify(req.headers)} ${String(req.body ?? '').slice(0, 120)}`);
        }
      } catch (err) {
        if (!(err instanceof NoResponse)) throw err;
        stats.noResponse++;
        if (err.reason === 'timeout') {
          stats.timeouts++;
          bad.push(`hung ← ${req.method} ${req.target}`);
        }
      }
    }),
  );
  return bad;
}

async function phase(name: string, run: () => Promise<void>): Promise<void> {
  phaseLag = 0;
  try {
    await run();
  } finally {
    lagByPhase[name] = Math.round(phaseLag);
  }
}

const property = (path: fc.Arbitrary<string>) =>
  fc.asyncProperty(fc.array(request(path, () => sy.apiKey), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
    const bad = await fire(batch);
    if (bad.length) throw new Error(`server errors:\n${bad.join('\n')}`);
  });

describe('fuzz', () => {
  it('/hooks/<active token>: malformed requests never get a 5xx', async () => {
    await phase('hook', () => fc.assert(property(suffix.map((s) => `/hooks/${token}${s}`)), { numRuns: RUNS.hook, seed: SEED, endOnFailure: true }));
  }, TIMEOUT_MS);

  it('/hooks/<random>: malformed requests never get a 5xx', async () => {
    const tokenish = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,140}$/), anyText.map(encodeURIComponent), segment);
    await phase('random hook', () => fc.assert(property(fc.tuple(tokenish, suffix).map(([t, s]) => `/hooks/${t}${s}`)), { numRuns: RUNS.randomHook, seed: SEED + 1, endOnFailure: true }));
  }, TIMEOUT_MS);

  it('API routes: malformed requests never get a 5xx', async () => {
    const param = fc.oneof(fc.constantFrom('wf_x', 'ex_x', 'hook', '..', '%2e%2e', '%00', '%', 'a'.repeat(300)), fc.stringMatching(/^[A-Za-z0-9_-]{0,30}$/), anyText.map(encodeURIComponent));
    const apiPath = fc.tuple(fc.constantFrom(...apiPaths), param, suffix, fc.boolean()).map(([p, v, s, upper]) => {
      const path = concretize(p, v) + (s.length > 20 ? s.slice(0, 20) : '');
      return upper ? path.toUpperCase() : path;
    });
    await phase('api', () => fc.assert(property(apiPath), { numRuns: RUNS.api, seed: SEED + 2, endOnFailure: true }));
  }, TIMEOUT_MS);

  it('the server survived: healthy, no crash logged, event loop responsive', async () => {
    const health = await fetch(`${sy.base}/api/health`);
    expect(health.status).toBe(200);
    const authed = await fetch(`${sy.base}/api/workflows`, { headers: { authorization: `Bearer ${sy.apiKey}` } });
    expect(authed.status).toBe(200);
    console.log(
      `fuzz: requests ${stats.requests}, 5xx ${stats.fiveXX}, max event-loop lag ${Math.round(maxLagMs)} ms ` +
        `(by phase ${JSON.stringify(lagByPhase)}; seed ${SEED}; raw-socket ${stats.raw}, no response ${stats.noResponse}, timeouts ${stats.timeouts}, crash logs ${crashes.length}; statuses ${JSON.stringify(stats.byStatus)})`,
    );
    expect(stats.requests).toBeGreaterThanOrEqual(20_000);
    expect(stats.fiveXX).toBe(0);
    expect(stats.timeouts).toBe(0);
    expect(crashes.map((c) => `${c.msg}: ${String(c.fields?.err ?? '')}`)).toEqual([]);
    expect(maxLagMs).toBeLessThan(1000);
    expect(prototypePollution(prototypes, ['polluted'])).toEqual([]);
  });

  /** Declares a 1,000-byte body, sends 6 bytes, hangs up: a client fault, to be logged as a refusal, not a crash. */
  async function abortMidBody(target: string): Promise<number> {
    const before = crashes.length;
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${sy.apiKey}\r\nContent-Length: 1000\r\n\r\n{"a":1`);
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
      s.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));
    return crashes.length - before;
  }

  it('a client that aborts mid-body is not a server error (API)', async () => {
    expect(await abortMidBody('/api/workflows')).toBe(0);
  });

  it('a client that aborts mid-body is not a server error (/hooks)', async () => {
    expect(await abortMidBody(`/hooks/${token}`)).toBe(0);
  });
});
