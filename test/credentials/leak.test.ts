/**
 * Secrets stay secret: store credentials of every type, run workflows that use them against servers
 * that echo what they were sent, then search every file in DATA_DIR (and on PostgreSQL every row of
 * every table), every log line, API responses, step records and live events for the values in the clear.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/lib/logger.ts';
import { boot, onPostgres, TEST_ENCRYPTION_KEY, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';

const SECRETS = {
  bearer: 'LEAK-bearer-7f3a9c1d',
  basicPassword: 'LEAK-basic-pw-42x',
  header: 'LEAK-header-val-99q',
  smtpPassword: 'LEAK-smtp-pw-55z',
  webhook: 'LEAK-webhook-secret-88',
};
const BASIC_USER = 'leak-user';
/** What a Basic header carries: the password in base64 must not leak either. */
const BASIC_B64 = Buffer.from(`${BASIC_USER}:${SECRETS.basicPassword}`).toString('base64');
const NEEDLES = [...Object.values(SECRETS), BASIC_B64];

let sy: Booted;
let smtp: TestSmtp;
let sink: Awaited<ReturnType<typeof startSink>>;
let logs = '';
let events = '';
let eventsAbort: AbortController;
const responses: { what: string; body: unknown }[] = [];
let dataDir = '';
let keyFileContent = '';

const logSink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logs += chunk.toString('utf8');
    cb();
  },
});

function found(haystack: string | Buffer): string[] {
  return NEEDLES.filter((n) => haystack.includes(n));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function api(what: string, path: string, init?: Parameters<Booted['api']>[1]) {
  const r = await sy.api(path, init);
  responses.push({ what, body: r.body });
  return r;
}

async function finished(executionId: string) {
  return until(async () => {
    const r = await sy.api(`/api/executions/${executionId}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
}

beforeAll(async () => {
  smtp = await startSmtp({ users: { leakuser: SECRETS.smtpPassword } });
  // Echoes every request header back (as httpbin does); /fail answers 401 quoting the Authorization header.
  sink = await startSink((req) =>
    req.url.startsWith('/fail') ? { status: 401, body: { error: `invalid credentials: ${req.headers.authorization}` } } : { status: 200, body: { seen: req.headers } },
  );
  sy = await boot({ overrides: { logger: createLogger('trace', logSink) } });
  dataDir = sy.dataDir;
  // The key credentials are encrypted with: generated into DATA_DIR on SQLite, given on PostgreSQL.
  keyFileContent = onPostgres ? TEST_ENCRYPTION_KEY : readFileSync(join(dataDir, 'encryption.key'), 'utf8').trim();
  // Live step events (SSE) are recorded too.
  eventsAbort = new AbortController();
  void fetch(`${sy.base}/api/events`, { headers: { authorization: `Bearer ${sy.apiKey}` }, signal: eventsAbort.signal })
    .then(async (res) => {
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        events += Buffer.from(value).toString('utf8');
      }
    })
    .catch(() => {
      // Aborted at the end of the test: expected.
    });
});
afterAll(async () => {
  eventsAbort?.abort();
  await sy?.close();
  await smtp?.close();
  await sink?.close();
});

describe('no secret in the clear', () => {
  it('runs workflows with every credential type, then finds no secret anywhere', async () => {
    const create = async (name: string, type: string, data: Record<string, unknown>) =>
      (await api(`create ${type}`, '/api/credentials', { body: { name, type, data } })).body.id as string;
    const bearer = await create('bearer', 'httpBearer', { token: SECRETS.bearer });
    const basic = await create('basic', 'httpBasic', { username: BASIC_USER, password: SECRETS.basicPassword });
    const header = await create('header', 'httpHeader', { name: 'X-Api-Key', value: SECRETS.header });
    const mail = await create('mail', 'smtp', { host: '127.0.0.1', port: smtp.port, username: 'leakuser', password: SECRETS.smtpPassword });
    const hook = await create('hook', 'webhookSecret', { secret: SECRETS.webhook });
    await api('update basic', `/api/credentials/${basic}`, { method: 'PUT', body: { data: { password: SECRETS.basicPassword } } });

    const http = (id: string, credentialId: string, path: string, extra: Record<string, unknown> = {}) => ({
      id,
      type: 'action.http',
      config: { url: `${sink.url}${path}`, credentialId },
      ...extra,
    });
    const wf = await api('create workflow', '/api/workflows', {
      body: {
        name: 'uses every credential',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          http('bearer', bearer, '/echo'),
          http('basic', basic, '/echo'),
          http('custom', header, '/echo'),
          { id: 'mail', type: 'action.email', config: { credentialId: mail, from: 'bot@example.com', to: 'ada@example.com', subject: 'hi', text: 'body' } },
          http('denied', bearer, '/fail', { onError: 'continue', retry: { attempts: 2, delayMs: 10 } }),
          { id: 'end', type: 'data.transform', config: { expression: 'steps.bearer.body.seen' } },
        ],
        edges: [
          { id: '1', source: 'start', target: 'bearer' },
          { id: '2', source: 'bearer', target: 'basic' },
          { id: '3', source: 'basic', target: 'custom' },
          { id: '4', source: 'custom', target: 'mail' },
          { id: '5', source: 'mail', target: 'denied' },
          { id: '6', source: 'denied', target: 'end' },
        ],
      },
    });
    const run = await api('run', `/api/workflows/${wf.body.id}/run`, { body: { payload: { note: 'no secrets here' } } });
    const exec = await finished(run.body.executionId);
    expect(exec.status).toBe('success');

    // A run that stops on the echoing failure, so the execution's own error is recorded too.
    const stopper = await api('create stopper', '/api/workflows', {
      body: {
        name: 'stops on 401',
        nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, http('denied', bearer, '/fail')],
        edges: [{ id: '1', source: 'start', target: 'denied' }],
      },
    });
    const failed = await finished((await api('run stopper', `/api/workflows/${stopper.body.id}/run`, { body: { payload: {} } })).body.executionId);
    expect(failed.status).toBe('error');

    // The webhook secret guards a hook: the sender presents it in a header.
    const guarded = await api('create hook workflow', '/api/workflows', {
      body: {
        name: 'guarded hook',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: { auth: { type: 'header', name: 'X-Token', credentialId: hook } } },
          { id: 'seen', type: 'data.transform', config: { expression: 'input.headers' } },
        ],
        edges: [{ id: '1', source: 'hook', target: 'seen' }],
      },
    });
    const activated = await api('activate hook', `/api/workflows/${guarded.body.id}/activate`, { method: 'POST' });
    const delivered = await fetch(activated.body.triggers[0].url, { method: 'POST', headers: { 'x-token': SECRETS.webhook, 'content-type': 'application/json' }, body: '{"ok":true}' });
    expect(delivered.status).toBe(202);
    const hookExec = await finished(((await delivered.json()) as { executionId: string }).executionId);
    expect(hookExec.status).toBe('success');
    await api('hook execution detail', `/api/executions/${hookExec.id}`);

    // The secrets did reach their destinations: the test is not vacuous.
    const byPath = sink.requests.filter((r) => r.url === '/echo').map((r) => r.headers);
    expect(byPath[0]!.authorization).toBe(`Bearer ${SECRETS.bearer}`);
    expect(byPath[1]!.authorization).toBe(`Basic ${BASIC_B64}`);
    expect(byPath[2]!['x-api-key']).toBe(SECRETS.header);
    expect(smtp.mails.at(-1)!.user).toBe('leakuser');

    // Step records show where a secret was, not what it was.
    const detail = await api('execution detail', `/api/executions/${exec.id}`);
    const step = (id: string) => detail.body.steps.find((s: { nodeId: string }) => s.nodeId === id);
    expect(step('bearer').output.body.seen.authorization).toBe('Bearer [redacted]');
    expect(step('basic').output.body.seen.authorization).toBe('Basic [redacted]');
    expect(step('custom').output.body.seen['x-api-key']).toBe('[redacted]');
    expect(step('denied').output.error.details.body.error).toBe('invalid credentials: Bearer [redacted]');
    expect(step('denied').attempts).toBe(1);
    expect(step('end').output.authorization).toBe('Bearer [redacted]');
    await api('stopper detail', `/api/executions/${failed.id}`);
    await api('executions', '/api/executions');
    await api('workflow', `/api/workflows/${wf.body.id}`);
    await api('export', `/api/workflows/${wf.body.id}/export`);
    await api('credentials', '/api/credentials');
    for (const id of [bearer, basic, header, mail, hook]) await api(`credential ${id}`, `/api/credentials/${id}`);
    await api('outbox', '/api/outbox');
    await api('meta', '/api/meta');

    for (const r of responses) expect(found(JSON.stringify(r.body)), r.what).toEqual([]);
    // The export references credentials by id only.
    const exported = JSON.stringify(responses.find((r) => r.what === 'export')!.body);
    expect(exported).toContain(bearer);

    await until(() => events.includes(failed.id), 5000).catch(() => undefined);
    expect(events).toContain('"nodeId":"bearer"');
    expect(found(events), 'SSE events').toEqual([]);

    // Every file of the data directory, while running (WAL) and after a clean stop (checkpointed).
    const scan = () => {
      for (const file of filesUnder(dataDir)) {
        const bytes = readFileSync(file);
        expect(found(bytes), file).toEqual([]);
        if (!file.endsWith('encryption.key')) expect(bytes.includes(keyFileContent), `${file} holds the key`).toBe(false);
      }
    };
    // On PostgreSQL the data lives in the database, not in DATA_DIR: every row of every table.
    const scanDatabase = async () => {
      const db = sy.app.store.kysely;
      const tables = await db.introspection.getTables();
      expect(tables.map((t) => t.name)).toContain('credentials');
      for (const { name } of tables) {
        for (const row of await db.selectFrom(name as 'credentials').selectAll().execute()) {
          const text = JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
          expect(found(text), `table ${name}`).toEqual([]);
          expect(text.includes(keyFileContent), `table ${name} holds the key`).toBe(false);
        }
      }
    };
    scan();
    if (onPostgres) await scanDatabase();
    eventsAbort.abort();
    await sy.close({ keepData: true });
    scan();
    if (!onPostgres) expect(filesUnder(dataDir).map((f) => f.slice(dataDir.length + 1))).toContain('switchyard.db');

    expect(logs).toContain('execution finished');
    expect(found(logs), 'logs').toEqual([]);
    expect(logs.includes(keyFileContent)).toBe(false);
  });
});
