/**
 * Every route × method × credential that is not one × path trick answers no data, and no path — in the URL or in a
 * path parameter — reaches the file system: canary files outside the served directory are never read or returned.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { boot, type Booted } from '../helpers/boot.ts';
import { plantCanaryFiles, watchFileSystem } from './canaries.ts';
import { login, offsetClock, webhookWorkflow } from './fixtures.ts';
import { mapLimit, NoResponse, rawRequest, type RawRequest, type RawResponse } from './raw-http.ts';
import { captureExpressApp, concretize, isPublic, routeTable, type RouteEntry } from './route-table.ts';

const TTL_MS = 3600_000;
const clock = offsetClock();
const CANARY_WORKFLOW = `canary-workflow-${Math.random().toString(36).slice(2)}`;
const SHELL = `switchyard-test-shell-${Math.random().toString(36).slice(2)}`;

let sy: Booted;
let port: number;
let table: RouteEntry[];
let discovered = 0;
let secrets: string[] = [];
let canaries: ReturnType<typeof plantCanaryFiles>;
let dotfileSecret: string;
let hookToken: string;
let fsWatch: ReturnType<typeof watchFileSystem>;
let workRoot: string;
let dist: string;
let staticServer: Server;
let staticPort: number;
const sessions = { expired: '', revoked: '', valid: '' };

beforeAll(async () => {
  sy = await boot({ env: { SESSION_TTL_HOURS: String(TTL_MS / 3600_000) }, overrides: { clock } });
  port = Number(new URL(sy.base).port);
  const hook = await webhookWorkflow(sy, { name: CANARY_WORKFLOW });
  hookToken = hook.token;
  await sy.api(`/api/workflows/${hook.id}/run`, { body: { payload: { secret: CANARY_WORKFLOW } } });

  // An expired session (aged past its TTL), a revoked one (logged out), then a live one for the positive controls.
  sessions.expired = (await login(sy.base)).cookie;
  clock.advance(TTL_MS + 5 * 60_000);
  sessions.revoked = (await login(sy.base)).cookie;
  await fetch(`${sy.base}/api/auth/logout`, { method: 'POST', headers: { cookie: sessions.revoked, origin: sy.base } });
  sessions.valid = (await login(sy.base)).cookie;

  // A served directory of our own, so static-file tricks are tested even where web/dist is not built (CI).
  workRoot = mkdtempSync(join(tmpdir(), 'switchyard-sec-routes-'));
  dist = join(workRoot, 'srv', 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), `<!doctype html><title>${SHELL}</title>`);
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log("asset")');
  dotfileSecret = `DOTFILE-SECRET-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dist, '.env'), dotfileSecret);
  canaries = plantCanaryFiles([sy.dataDir, tmpdir(), dirname(dist), workRoot]);
  secrets = [CANARY_WORKFLOW, sy.apiKey, hook.token, dotfileSecret, 'scrypt$', ...canaries.files.map((f) => f.content)];

  const staticApp = createApp({
    services: sy.app.services,
    logger: silentLogger,
    publicUrl: () => sy.base,
    maxApiBodyBytes: 1024 * 1024,
    version: 'test',
    smtpConfigured: () => false,
    webDist: dist,
  });
  staticServer = createServer(staticApp);
  await new Promise<void>((r) => staticServer.listen(0, '127.0.0.1', r));
  staticPort = (staticServer.address() as { port: number }).port;

  ({ table, discovered } = routeTable(await captureExpressApp(sy.app.server, sy.base)));
  // Paths inside a served directory are the static middleware doing its job; only a reach outside one is a hit.
  fsWatch = watchFileSystem(canaries.name, [dist, fileURLToPath(new URL('../../web/dist/', import.meta.url))]);
});

afterAll(async () => {
  fsWatch?.restore();
  canaries?.remove();
  await new Promise<void>((r) => (staticServer ? staticServer.close(() => r()) : r()));
  await sy?.close();
  if (workRoot) rmSync(workRoot, { recursive: true, force: true });
});

/** Ways of presenting no valid credential. */
const authVariants = (): [string, [string, string][]][] => [
  ['none', []],
  ['bad key', [['Authorization', 'Bearer sy_wrongwrongwrongwrongwrongwrong']]],
  ['empty bearer', [['Authorization', 'Bearer ']]],
  ['basic', [['Authorization', 'Basic b3duZXJAZXhhbXBsZS5jb206Y29ycmVjdCBob3JzZSBiYXR0ZXJ5']]],
  ['forged cookie', [['Cookie', 'sy_session=forged-session-token']]],
  ['malformed cookie', [['Cookie', 'sy_session=%E0%A4%A; other=%']]],
  ['api key as cookie', [['Cookie', `sy_session=${sy.apiKey}`]]],
  ['expired session', [['Cookie', sessions.expired]]],
  ['revoked session', [['Cookie', sessions.revoked]]],
];

/** The same route spelled the ways that have fooled path-based auth checks elsewhere. */
function pathVariants(p: string): [string, string][] {
  const rest = p.slice('/api'.length); // "/workflows/x"
  return [
    ['canonical', p],
    ['upper case', p.toUpperCase()],
    ['mixed case', p.replace(/\/(\w)/g, (_m, c: string) => `/${c.toUpperCase()}`)],
    ['double slashes', p.replace(/\//g, '//')],
    ['leading double slash', `/${p}`],
    ['trailing slash', `${p}/`],
    ['.svg', `${p}.svg`],
    ['.js', `${p}.js`],
    ['.css', `${p}.css`],
    ['.png', `${p}/x.png`],
    [';jsessionid', `${p};jsessionid=0123456789`],
    [';.svg', `${p};.svg`],
    ['query .svg', `${p}?file=x.svg`],
    ['%00', `${p}%00`],
    ['encoded slashes', `/api${rest.replace(/\//g, '%2f')}`],
    ['encoded first slash', `/api%2f${rest.slice(1)}`],
    ['%2e%2e from health', `/api/health/%2e%2e${rest}`],
    ['.. from health', `/api/health/..${rest}`],
    ['..; from health', `/api/health/..;${rest}`],
    ['.. from login', `/api/auth/login/../..${rest}`],
    ['%2E%2E%2F from status', `/api/auth/status/%2E%2E%2F%2E%2E${rest}`],
    ['dot segment', `/api/.${rest}`],
    ['%61pi', `/%61pi${rest}`],
    ['absolute-form', `http://127.0.0.1:${port}${p}`],
  ];
}

type Verdict = 'blocked' | 'public' | 'escape';

/** 4xx is a refusal; a 2xx/3xx is allowed only as one of the public answers (shell, health, status, empty); 5xx and any secret are escapes. */
function judge(req: RawRequest, res: RawResponse): { verdict: Verdict; why?: string } {
  const leaked = secrets.find((s) => res.text.includes(s));
  if (leaked) return { verdict: 'escape', why: `leaked ${leaked.slice(0, 24)}…` };
  if (res.status >= 500) return { verdict: 'escape', why: `status ${res.status}` };
  if (res.status >= 400) return { verdict: 'blocked' };
  if (res.status >= 300) {
    const loc = res.headers.location ?? '';
    return loc.startsWith('/') && !loc.startsWith('//') ? { verdict: 'public' } : { verdict: 'escape', why: `redirect to ${loc}` };
  }
  const text = res.text.trim();
  if (text === '') return { verdict: 'public' };
  if (/^<!doctype html/i.test(text)) return { verdict: 'public' }; // the editor shell: static, no data (secrets checked above)
  if (req.method === 'OPTIONS' && /^[A-Z, ]+$/.test(text)) return { verdict: 'public' };
  // The constant public answers (health, auth status without a session) carry no data, whatever spelling reached them.
  {
    try {
      const json = JSON.parse(text);
      const s = JSON.stringify(json);
      if (s === '{"ok":true}' || s === '{"needsSetup":false,"user":null}') return { verdict: 'public' };
      // Readiness: which checks pass, nothing else (for load balancers, so public by design).
      if (/^\{"ok":(true|false),"checks":\{("[a-z]+":"[^"]*",?)*\}\}$/.test(s)) return { verdict: 'public' };
    } catch {
      // not JSON: falls through to an escape
    }
  }
  return { verdict: 'escape', why: `status ${res.status} with ${text.slice(0, 80)}` };
}

async function send(portN: number, req: RawRequest): Promise<RawResponse | string> {
  try {
    return await rawRequest(portN, req, { timeoutMs: 10_000, maxBodyBytes: 256 * 1024 });
  } catch (err) {
    if (err instanceof NoResponse) return `no response (${err.reason})`;
    throw err;
  }
}

describe('routes: no data without auth', () => {
  it('discovers the route table from the Express router and keeps SPEC as a floor', () => {
    const fromRouter = table.filter((r) => r.source !== 'floor').length;
    console.log(`routes: table ${table.length} (discovered ${discovered}, floor-only ${table.length - fromRouter})`);
    if (discovered === 0) console.warn('routes: router discovery found nothing; only the SPEC floor is covered');
    expect(table.length).toBeGreaterThanOrEqual(25);
    expect(discovered).toBeGreaterThan(0);
  });

  it('positive control: the canaries are visible with a real credential', async () => {
    const withKey = await rawRequest(port, { method: 'GET', target: '/api/workflows', headers: [['Authorization', `Bearer ${sy.apiKey}`]] });
    expect(withKey.text).toContain(CANARY_WORKFLOW);
    const withCookie = await rawRequest(port, { method: 'GET', target: '/api/workflows', headers: [['Cookie', sessions.valid]] });
    expect(withCookie.text).toContain(CANARY_WORKFLOW);
  });

  it('every route × method × missing/bad credential × path trick is refused', async () => {
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];
    const cases: { req: RawRequest; label: string; mustBe401: boolean }[] = [];
    const fewer = new Set(['none', 'bad key', 'forged cookie', 'expired session']);
    for (const route of table) {
      const path = concretize(route.path, (n) => `${n}_nonexistent`);
      for (const method of methods) {
        const variants = method === route.method ? pathVariants(path) : pathVariants(path).slice(0, 1);
        for (const [pv, target] of variants) {
          // Every credential variant on the canonical spelling; the four classic ones on each trick.
          for (const [av, headers] of authVariants().filter(([a]) => pv === 'canonical' || fewer.has(a))) {
            const hasBody = !['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(method);
            cases.push({
              label: `${method} ${target} [${pv}; ${av}]`,
              mustBe401: !isPublic(route) && method === route.method && pv === 'canonical',
              req: { method, target, headers: hasBody ? [...headers, ['Content-Type', 'application/json']] : headers, ...(hasBody ? { body: '{}' } : {}) },
            });
          }
        }
      }
    }
    const counts: Record<Verdict, number> = { blocked: 0, public: 0, escape: 0 };
    const statuses: Record<string, number> = {};
    const escapes: string[] = [];
    await mapLimit(cases, 16, async (c) => {
      const res = await send(port, c.req);
      if (typeof res === 'string') {
        // No answer at all is no data; Node itself drops some malformed requests. Counted, not an escape.
        statuses[res] = (statuses[res] ?? 0) + 1;
        counts.blocked++;
        return;
      }
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (c.mustBe401 && res.status !== 401) escapes.push(`${c.label}: expected 401, got ${res.status}`);
      const { verdict, why } = judge(c.req, res);
      counts[verdict]++;
      if (verdict === 'escape') escapes.push(`${c.label}: ${why}`);
    });
    console.log(`routes: cases tried ${cases.length}, blocked ${counts.blocked}, public ${counts.public}, escapes ${counts.escape}; statuses ${JSON.stringify(statuses)}`);
    expect(escapes).toEqual([]);
    // Thousands of raw requests: on a 2-core machine shared with the other test files this can pass
    // 30 s, so it gets its own budget (a timeout, not a timing assertion).
  }, 120_000);

  it('no path parameter reaches the file system, even with a valid API key', async () => {
    const tails = canaries.files.map((f) => f.path.replace(/^\//, ''));
    const up = '../'.repeat(12);
    const values = tails.flatMap((t) => [
      encodeURIComponent(up + t),
      (up + t).replace(/\//g, '%2f').replace(/\./g, '%2e'),
      encodeURIComponent(`/${t}`),
      encodeURIComponent(`file:///${t}`),
      `..%5c..%5c..%5c${encodeURIComponent(t)}`,
      `%252e%252e%252f${encodeURIComponent(t)}`,
      `....%2f%2f....%2f%2f${encodeURIComponent(t)}`,
      encodeURIComponent(canaries.name),
      `${encodeURIComponent(up + t)}%00.json`,
    ]);
    const parameterized = table.filter((r) => /[:*]/.test(r.path) && r.path !== '/api/events');
    const cases: RawRequest[] = [];
    for (const route of parameterized) {
      for (const v of values) {
        const hasBody = route.method !== 'GET';
        cases.push({
          method: route.method,
          target: concretize(route.path, v),
          headers: [['Authorization', `Bearer ${sy.apiKey}`], ...(hasBody ? ([['Content-Type', 'application/json']] as [string, string][]) : [])],
          ...(hasBody ? { body: '{}' } : {}),
        });
      }
    }
    // The public webhook URL: a traversal token is unknown (404); after a real token it is only the event's path (202).
    for (const v of values) {
      for (const method of ['GET', 'POST']) {
        cases.push({ method, target: `/hooks/${v}`, headers: [['Content-Type', 'application/json']], body: '{}' });
        cases.push({ method, target: `/hooks/${hookToken}/${v}`, headers: [['Content-Type', 'application/json']], body: '{"filepath":"/etc/passwd"}' });
      }
    }
    const escapes: string[] = [];
    let refused = 0;
    let events = 0;
    await mapLimit(cases, 16, async (req) => {
      const res = await send(port, req);
      if (typeof res === 'string') return void refused++;
      const leaked = canaries.files.find((f) => res.text.includes(f.content));
      const acceptedHook = req.target.startsWith(`/hooks/${hookToken}/`) && (res.status === 202 || res.status === 405);
      if (leaked || res.status >= 500 || (res.status < 400 && !acceptedHook)) escapes.push(`${req.method} ${req.target}: ${res.status} ${res.text.slice(0, 80)}`);
      else if (res.status < 400) events++;
      else refused++;
    });
    console.log(`routes: path-parameter cases tried ${cases.length}, blocked ${refused}, accepted as plain hook events ${events}, canary reads ${fsWatch.hits.length}, escapes ${escapes.length}`);
    expect(escapes).toEqual([]);
    expect(fsWatch.hits).toEqual([]);
  });
});

describe('routes: static files never leave the served directory', () => {
  const ENCODED_UP = [
    '../',
    '..%2f',
    '..%2F',
    '%2e%2e/',
    '%2e%2e%2f',
    '%2E%2E%2F',
    '.%2e/',
    '%2e./',
    '..%5c',
    '%2e%2e%5c',
    '..\\',
    '%252e%252e%252f',
    '..%252f',
    '..;/',
    '....//',
    '.../',
    '..%c0%af',
    '%c0%ae%c0%ae/',
    '..%ef%bc%8f',
    '..%00/',
  ];
  const PREFIXES = ['/', '//', '/static/', '/assets/', '/assets/x/', '/api/../', '/hooks/../', '/static/../../'];

  function staticCases(): string[] {
    const out = new Set<string>();
    for (const f of canaries.files) {
      const abs = f.path.replace(/^\//, '');
      for (const enc of ENCODED_UP) {
        for (const pre of PREFIXES) {
          out.add(pre + enc.repeat(12) + abs);
          out.add(pre + enc.repeat(12) + abs.replace(/\//g, '%2f'));
        }
      }
      out.add(`/${f.path}`);
      out.add(`/${encodeURIComponent(f.path)}`);
      out.add(`/..${f.path}`);
      out.add(`/file://${f.path}`);
      out.add(`/${canaries.name}`);
      out.add(`/assets/${canaries.name}`);
      out.add(`/..%2f${canaries.name}`);
      out.add(`/%2e%2e/${canaries.name}`);
      out.add(`/%2e%2e/%2e%2e/${canaries.name}`);
      out.add(`/static/../../${canaries.name}`);
    }
    for (const p of ['/.env', '/%2eenv', '/assets/../.env', '/assets/%2e%2e/.env', '/.env%00', '/.env/', '/./.env']) out.add(p);
    return [...out];
  }

  it('positive control: the test dist serves its asset and its shell', async () => {
    const asset = await rawRequest(staticPort, { method: 'GET', target: '/assets/app.js' });
    expect(asset.status).toBe(200);
    expect(asset.text).toContain('asset');
    const shell = await rawRequest(staticPort, { method: 'GET', target: '/some/editor/route' });
    expect(shell.text).toContain(SHELL);
  });

  it('traversal, encoded, absolute and dotfile paths return neither a canary nor a dotfile', async () => {
    const paths = staticCases();
    const servers = [
      ['test dist', staticPort],
      ['switchyard', port],
    ] as const;
    const escapes: string[] = [];
    let tried = 0;
    let blocked = 0;
    let shell = 0;
    for (const [name, p] of servers) {
      await mapLimit(paths, 16, async (target) => {
        for (const method of ['GET', 'HEAD']) {
          tried++;
          const res = await send(p, { method, target });
          if (typeof res === 'string') return void blocked++;
          const leaked = secrets.find((s) => res.text.includes(s));
          if (leaked || res.status >= 500) escapes.push(`${name} ${method} ${target}: ${res.status} ${leaked ? 'leaked a secret' : ''}`);
          else if (res.status >= 400) blocked++;
          else if (res.status < 300 && method === 'GET' && !/^<!doctype html/i.test(res.text)) escapes.push(`${name} ${target}: 2xx that is not the shell`);
          else shell++;
        }
      });
    }
    console.log(`static: cases tried ${tried}, blocked ${blocked}, editor shell ${shell}, canary reads ${fsWatch.hits.length}, escapes ${escapes.length}`);
    expect(escapes).toEqual([]);
    expect(fsWatch.hits).toEqual([]);
  });
});
