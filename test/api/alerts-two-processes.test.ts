/**
 * Two Switchyard processes on one PostgreSQL database (the postgres project; skipped on SQLite,
 * which has one process): both drain the failures and both run alert passes, and still 20
 * failures of one signature mail once, and the success after them one recovery.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, onPostgres, TEST_ENCRYPTION_KEY, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { header, startSmtp, type TestSmtp } from '../helpers/smtp.ts';

describe.skipIf(!onPostgres)('alerts across two processes', () => {
  let a: Booted;
  let b: Booted;
  let smtp: TestSmtp;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let failing = true;
  beforeAll(async () => {
    smtp = await startSmtp();
    sink = await startSink(() => (failing ? { status: 500, body: { down: true } } : { status: 200, body: {} }));
    const env = { OUTBOUND_BLOCK_PRIVATE: 'false', SMTP_URL: `smtp://127.0.0.1:${smtp.port}` };
    a = await boot({ env });
    const url = readFileSync(join(a.dataDir, '.test-database-url'), 'utf8');
    b = await boot({ dataDir: mkdtempSync(join(tmpdir(), 'switchyard-alerts-b-')), env: { ...env, DATABASE_URL: url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await smtp?.close();
    await sink?.close();
  });

  const finished = async (sy: Booted, id: string) =>
    until(async () => {
      const e = (await sy.api(`/api/executions/${id}`)).body;
      return e.status === 'success' || e.status === 'error' ? e : undefined;
    }, 15_000);

  it('mail one failure alert and one recovery, whichever process ran or drained them', async () => {
    const wf = await a.api('/api/workflows', {
      body: {
        name: 'Shared alert',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          { id: 'charge', type: 'action.http', config: { method: 'POST', url: `${sink.url}/charge`, body: {} } },
        ],
        edges: [{ id: 'e', source: 'start', target: 'charge' }],
        settings: { alerts: { email: ['ops@example.com'], onFailure: true, onRecovery: true } },
      },
    });
    expect(wf.status).toBe(201);
    const id = wf.body.id as string;
    // Started through both processes at once: either may run each, both drain the failures.
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).api(`/api/workflows/${id}/run`, { body: { payload: {} } })));
    for (const r of runs) expect((await finished(a, r.body.executionId)).status).toBe('error');
    await until(async () => {
      const items = (await a.api(`/api/workflows/${id}/alerts?limit=200`)).body.items as { status: string }[];
      return items.length === 20 && items.filter((x) => x.status === 'suppressed').length === 19 && items.some((x) => x.status === 'sent');
    }, 20_000);
    failing = false;
    const ok = (await b.api(`/api/workflows/${id}/run`, { body: { payload: {} } })).body.executionId as string;
    expect((await finished(b, ok)).status).toBe('success');
    await until(() => smtp.mails.some((m) => header(m.raw, 'subject') === '[Switchyard] Recovered: Shared alert'), 15_000);
    await new Promise((r) => setTimeout(r, 2_500)); // another alert pass in each process
    expect(smtp.mails.map((m) => header(m.raw, 'subject'))).toEqual(['[Switchyard] Failed: Shared alert at charge (HTTP_STATUS)', '[Switchyard] Recovered: Shared alert']);
  }, 90_000);
});
