/**
 * Content-type confusion: every body-accepting route (API and /hooks) × content type × reserved keys (`__proto__`,
 * `constructor`, `prototype`, `filepath`, `files`) answers a 4xx or a correct result — never a 500, never a file's
 * contents, never a polluted prototype. The server runs in this process, so Object.prototype itself is checked.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { plantCanaryFiles, prototypePollution, snapshotPrototypes, tmpCanaryDir, watchFileSystem } from './canaries.ts';
import { webhookWorkflow } from './fixtures.ts';
import { mapLimit, NoResponse, rawRequest, type RawRequest } from './raw-http.ts';
import { captureExpressApp, concretize, routeTable } from './route-table.ts';

const LIMIT = 64 * 1024;
const CANARY_PROP = `sy_polluted_${Math.random().toString(36).slice(2)}`;

let sy: Booted;
let port: number;
let canaries: ReturnType<typeof plantCanaryFiles>;
let fsWatch: ReturnType<typeof watchFileSystem>;
let before: Map<string, string[]>;
let hook: { id: string; token: string };
let scratch: { id: string };
let executionId: string;
let bodyRoutes: { method: string; path: string }[];

beforeAll(async () => {
  sy = await boot({ env: { API_MAX_BODY_BYTES: String(LIMIT), WEBHOOK_MAX_BODY_BYTES: String(LIMIT) } });
  port = Number(new URL(sy.base).port);
  canaries = plantCanaryFiles([sy.dataDir, tmpCanaryDir()]);
  // The hook's transform touches the reserved keys, so they travel through the engine too.
  hook = await webhookWorkflow(sy, { name: 'ct-hook', expression: '{"files": input.body.files, "fp": input.body.filepath, "merged": $merge([{"a": 1}, input.body.constructor])}' });
  scratch = await webhookWorkflow(sy, { name: 'ct-scratch', active: false });
  executionId = (await sy.api(`/api/workflows/${hook.id}/run`, { body: { payload: { a: 1 } } })).body.executionId;
  const { table } = routeTable(await captureExpressApp(sy.app.server, sy.base));
  bodyRoutes = table.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
  before = snapshotPrototypes();
  fsWatch = watchFileSystem(canaries.name);
});

afterAll(async () => {
  fsWatch?.restore();
  canaries?.remove();
  await sy?.close();
});

/** A JSON text whose object literals carry every reserved key (written as text: a JS literal would set the prototype). */
function reserved(inner = ''): string {
  const p = JSON.stringify(canaries.files[0]!.path);
  const pollute = `{"${CANARY_PROP}":1,"polluted":"yes"}`;
  return (
    `{${inner}${inner ? ',' : ''}"__proto__":${pollute},"constructor":{"prototype":${pollute}},"prototype":${pollute},` +
    `"filepath":${p},"files":{"file":{"filepath":${p},"path":${p},"originalFilename":"../../../${canaries.name}","mimetype":"text/plain"},"upload":[{"filepath":${p}}]}}`
  );
}

const PAYLOADS = (): [string, string][] => [
  ['reserved keys', reserved()],
  ['workflow draft + reserved', reserved(`"name":"ct","nodes":[${reserved('"id":"hook","type":"trigger.webhook","config":' + reserved('"methods":["POST"]'))}],"edges":[]`)],
  ['run / api-key shape + reserved', reserved(`"label":"ct","payload":${reserved()}`)],
  ['odd __proto__ values', `{"__proto__":null,"a":{"__proto__":[]},"b":{"__proto__":"s"},"c":{"constructor":{"name":"x"}},"label":"ct"}`],
  ['array of reserved', `[${reserved()},${reserved()}]`],
];

function form(): string {
  const p = encodeURIComponent(canaries.files[0]!.path);
  return [
    `__proto__[polluted]=yes`,
    `__proto__.${CANARY_PROP}=1`,
    `constructor[prototype][polluted]=yes`,
    `prototype[polluted]=yes`,
    `filepath=${p}`,
    `files[file][filepath]=${p}`,
    `files[0][path]=${p}`,
    `${CANARY_PROP}=1`,
    `label=ct`,
  ].join('&');
}

function multipart(boundary: string): string {
  const p = canaries.files[0]!.path;
  const part = (headers: string, body: string) => `--${boundary}\r\n${headers}\r\n\r\n${body}\r\n`;
  return (
    part('Content-Disposition: form-data; name="__proto__[polluted]"', 'yes') +
    part('Content-Disposition: form-data; name="filepath"', p) +
    part(`Content-Disposition: form-data; name="files"; filename="../../../${canaries.name}"\r\nContent-Type: text/plain`, 'uploaded') +
    part(`Content-Disposition: form-data; name="file"; filename="${p}"`, 'x') +
    `--${boundary}--\r\n`
  );
}

type Body = { label: string; contentType?: string; body: Buffer | string; encoding?: string };

function bodies(): Body[] {
  const out: Body[] = [];
  const jsonTypes = [
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON; Charset=UTF-8',
    'application/json; charset="utf-8"',
    'application/vnd.api+json',
    'application/json;;;',
    'application/json, text/html',
    'application/json; boundary=xyz',
  ];
  for (const ct of jsonTypes) for (const [label, text] of PAYLOADS()) out.push({ label: `${ct} ${label}`, contentType: ct, body: text });
  const text = reserved();
  out.push(
    { label: 'json utf-16le', contentType: 'application/json; charset=utf-16le', body: Buffer.from(text, 'utf16le') },
    { label: 'json utf-16 with BOM', contentType: 'application/json; charset=utf-16', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) },
    { label: 'json latin1', contentType: 'application/json; charset=latin1', body: Buffer.from(text, 'latin1') },
    { label: 'json utf-7', contentType: 'application/json; charset=utf-7', body: '+AHsAIgBf-_proto__+ACI-:{}}' },
    { label: 'json unknown charset', contentType: 'application/json; charset=x-evil', body: text },
    { label: 'json gzip', contentType: 'application/json', body: gzipSync(text), encoding: 'gzip' },
    { label: 'json gzip bomb', contentType: 'application/json', body: gzipSync(Buffer.alloc(20 * LIMIT, 0x20)), encoding: 'gzip' },
    { label: 'json bad gzip', contentType: 'application/json', body: text, encoding: 'gzip' },
    { label: 'json unknown encoding', contentType: 'application/json', body: text, encoding: 'x-evil' },
    { label: 'json stacked encodings', contentType: 'application/json', body: text, encoding: 'deflate, gzip' },
    { label: 'form', contentType: 'application/x-www-form-urlencoded', body: form() },
    { label: 'form utf-16', contentType: 'application/x-www-form-urlencoded; charset=utf-16', body: Buffer.from(form(), 'utf16le') },
    { label: 'multipart', contentType: 'multipart/form-data; boundary=XyZzy', body: multipart('XyZzy') },
    { label: 'multipart no boundary', contentType: 'multipart/form-data', body: multipart('XyZzy') },
    { label: 'text', contentType: 'text/plain', body: text },
    { label: 'text charset', contentType: 'text/plain; charset=utf-8', body: text },
    { label: 'none', body: text },
    { label: 'xml', contentType: 'application/xml', body: `<!DOCTYPE x [<!ENTITY e SYSTEM "file://${canaries.files[0]!.path}">]><x>&e;</x>` },
    { label: 'octet-stream', contentType: 'application/octet-stream', body: Buffer.from([0, 1, 2, 255, 254, 0x7b]) },
    { label: 'garbage type', contentType: 'garbage/garbage; charset=nope', body: text },
    { label: 'semicolons', contentType: ';;;', body: text },
    { label: 'wildcard', contentType: '*/*', body: text },
    { label: 'huge parameter', contentType: `application/json; x=${'a'.repeat(6000)}`, body: text },
    { label: 'huge json', contentType: 'application/json', body: JSON.stringify({ label: 'x', s: 'x'.repeat(LIMIT + 1024) }) },
    { label: 'huge form', contentType: 'application/x-www-form-urlencoded', body: `a=${'x'.repeat(LIMIT + 1024)}` },
    { label: 'empty json', contentType: 'application/json', body: '' },
    { label: 'json scalar', contentType: 'application/json', body: '"__proto__"' },
    { label: 'truncated json', contentType: 'application/json', body: text.slice(0, -7) },
    { label: 'json deep 300', contentType: 'application/json', body: `${'['.repeat(300)}${']'.repeat(300)}` },
  );
  return out;
}

/** Real ids where the route needs one to parse the body at all; DELETE gets a missing id (the fixtures must survive). */
function fill(route: { method: string; path: string }): string {
  return concretize(route.path, (name) => {
    if (name === 'nodeId') return 'hook';
    if (route.method === 'DELETE') return `${name}_nonexistent`;
    if (route.path.startsWith('/api/workflows/')) return scratch.id;
    if (route.path.startsWith('/api/executions/')) return executionId;
    return `${name}_nonexistent`;
  });
}

async function drain(): Promise<void> {
  await until(async () => {
    const running = await sy.api('/api/executions?status=running&limit=1');
    const queued = await sy.api('/api/executions?status=queued&limit=1');
    return running.body.items.length === 0 && queued.body.items.length === 0;
  }, 30_000, 100);
}

describe('content types × reserved keys', () => {
  it('every body-accepting route answers 4xx or a correct result, never 500, never a file', async () => {
    const targets: { method: string; target: string; auth: boolean }[] = [
      ...bodyRoutes.map((r) => ({ method: r.method, target: fill(r), auth: true })),
      ...['POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ method: m, target: `/hooks/${hook.token}`, auth: false })),
      { method: 'POST', target: `/hooks/${hook.token}/files/..%2f..%2f${canaries.name}?filepath=${encodeURIComponent(canaries.files[0]!.path)}`, auth: false },
      { method: 'POST', target: `/hooks/${'A'.repeat(32)}`, auth: false },
    ];
    const cases: (RawRequest & { label: string })[] = [];
    for (const t of targets) {
      for (const b of bodies()) {
        const headers: [string, string][] = [];
        if (t.auth) headers.push(['Authorization', `Bearer ${sy.apiKey}`]);
        if (b.contentType !== undefined) headers.push(['Content-Type', b.contentType]);
        if (b.encoding) headers.push(['Content-Encoding', b.encoding]);
        cases.push({ label: `${t.method} ${t.target} [${b.label}]`, method: t.method, target: t.target, headers, body: b.body });
      }
    }
    const statuses: Record<string, number> = {};
    const escapes: string[] = [];
    let blocked = 0;
    let accepted = 0;
    await mapLimit(cases, 8, async (c) => {
      let res;
      try {
        res = await rawRequest(port, c, { timeoutMs: 15_000 });
      } catch (err) {
        if (!(err instanceof NoResponse)) throw err;
        statuses[`no response (${err.reason})`] = (statuses[`no response (${err.reason})`] ?? 0) + 1;
        if (err.reason === 'timeout') escapes.push(`${c.label}: hung`);
        return;
      }
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const leaked = canaries.files.find((f) => res.text.includes(f.content));
      if (leaked) escapes.push(`${c.label}: returned a canary file`);
      else if (res.status >= 500) escapes.push(`${c.label}: ${res.status} ${res.text.slice(0, 100)}`);
      else if (res.status >= 400) blocked++;
      else accepted++;
    });
    await drain();
    const polluted = prototypePollution(before, [CANARY_PROP, 'polluted']);
    console.log(
      `content-types: routes ${targets.length}, cases tried ${cases.length}, blocked ${blocked}, accepted ${accepted}, ` +
        `escapes ${escapes.length}, polluted ${polluted.length}, canary reads ${fsWatch.hits.length}; statuses ${JSON.stringify(statuses)}`,
    );
    expect(escapes).toEqual([]);
    expect(polluted).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(fsWatch.hits).toEqual([]);
    // Something must have been accepted, or the matrix only ever hit validation.
    expect(accepted).toBeGreaterThan(50);
  });

  it('reserved keys stay plain data: a workflow saves them as fields and nothing inherits them', async () => {
    const body = reserved(`"name":"ct-saved","nodes":[{"id":"hook","type":"trigger.webhook","config":{"methods":["POST"]}}],"edges":[]`);
    const res = await rawRequest(port, { method: 'POST', target: '/api/workflows', headers: [['Authorization', `Bearer ${sy.apiKey}`], ['Content-Type', 'application/json']], body });
    expect(res.status).toBe(201);
    const saved = JSON.parse(res.text);
    expect(saved.name).toBe('ct-saved');
    expect(Object.getPrototypeOf(saved)).toBe(Object.prototype);
    expect(saved.polluted).toBeUndefined();
    expect(saved[CANARY_PROP]).toBeUndefined();
    expect(({} as Record<string, unknown>)[CANARY_PROP]).toBeUndefined();
  });

  it('a webhook body with filepath/files is data, never a file: the step output holds the path string, not its contents', async () => {
    const res = await rawRequest(port, { method: 'POST', target: `/hooks/${hook.token}`, headers: [['Content-Type', 'application/json']], body: reserved() });
    expect(res.status).toBe(202);
    const { executionId: id } = JSON.parse(res.text);
    const done = await until(async () => {
      const e = await sy.api(`/api/executions/${id}`);
      return ['success', 'error'].includes(e.body.status) ? e.body : undefined;
    });
    const trigger = done.steps.find((s: { nodeId: string }) => s.nodeId === 'hook');
    expect(trigger.output.body.filepath).toBe(canaries.files[0]!.path);
    expect(trigger.output.body.files.file.filepath).toBe(canaries.files[0]!.path);
    expect(JSON.stringify(done)).not.toContain(canaries.files[0]!.content);
  });

  it('no canary content anywhere in the database after the run', async () => {
    await drain();
    // Every table the database has (not just those schema.ts names), on either dialect.
    const db = sy.app.store.kysely;
    const tables = await db.introspection.getTables();
    expect(tables.map((t) => t.name)).toContain('steps');
    let rows = 0;
    for (const { name } of tables) {
      for (const row of await db.selectFrom(name as 'steps').selectAll().execute()) {
        rows++;
        const text = JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
        for (const f of canaries.files) expect(text.includes(f.content), `${name} holds a canary file's contents`).toBe(false);
      }
    }
    console.log(`content-types: database rows scanned ${rows}, canary contents found 0`);
    expect(prototypePollution(before, [CANARY_PROP, 'polluted'])).toEqual([]);
  });

  it('API bodies nested past the depth limit are a 400, not a stack overflow', async () => {
    const deep = `{"payload":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const res = await rawRequest(port, { method: 'POST', target: `/api/workflows/${hook.id}/run`, headers: [['Authorization', `Bearer ${sy.apiKey}`], ['Content-Type', 'application/json']], body: deep });
    expect(res.status).toBe(400);
  });

  it('webhook bodies nested past the depth limit are a 4xx, not a 500', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const res = await rawRequest(port, { method: 'POST', target: `/hooks/${hook.token}`, headers: [['Content-Type', 'application/json']], body: deep });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
