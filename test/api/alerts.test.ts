/**
 * E-mail alerts (workflow settings.alerts) against a real SMTP server on loopback (SMTP_URL): a
 * failure mails the workflow, failed node, error and link; 20 failures of one signature mail once,
 * and the next after the hour (a moved clock) says 19 were suppressed; the next success mails a
 * recovery; a refused alert is recorded with its error and delivered on a later retry; a failure
 * queued before a restart is still alerted; a hung SMTP server holds no execution up.
 * SQLite, and PostgreSQL in the postgres project.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, openStoreAt, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { header, startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.ts';
import { offsetClock } from '../security/fixtures.ts';

const HOUR = 3_600_000;
const clock = offsetClock();
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-alerts-'));
/** Paths of the sink that answer 500 (the workflows calling them fail). */
const down = new Set<string>();
/** Recipients the SMTP server refuses (451: try again later). */
const refused = new Set<string>();
let sy: Booted;
let smtp: TestSmtp;
let sink: Awaited<ReturnType<typeof startSink>>;

const env = () => ({ OUTBOUND_BLOCK_PRIVATE: 'false', SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
beforeAll(async () => {
  smtp = await startSmtp({ rcptTo: (to) => (refused.has(to) ? { code: 451, message: 'Mailbox busy, try again later' } : undefined) });
  sink = await startSink((req) => (down.has(req.url) ? { status: 500, body: { down: true } } : { status: 200, body: {} }));
  sy = await boot({ dataDir, env: env(), overrides: { clock } });
});
afterAll(async () => {
  await sy?.close();
  await smtp?.close();
  await sink?.close();
});

/** The text part of a received mail, quoted-printable decoded. */
const bodyOf = (m: ReceivedMail) =>
  m.raw
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join('\n\n')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
const mailsFor = (name: string) => smtp.mails.filter((m) => header(m.raw, 'subject')?.includes(name));

async function alerted(name: string, to: string[]) {
  const path = `/wf/${encodeURIComponent(name)}`;
  const res = await sy.api('/api/workflows', {
    body: {
      name,
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'charge', type: 'action.http', config: { method: 'POST', url: `${sink.url}${path}`, body: {} } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'charge' }],
      settings: { alerts: { email: to, onFailure: true, onRecovery: true } },
    },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, path };
}
async function run(id: string): Promise<{ id: string; status: string; startedAt: string; finishedAt: string }> {
  const r = await sy.api(`/api/workflows/${id}/run`, { body: { payload: {} } });
  expect(r.status).toBe(202);
  return until(async () => {
    const e = (await sy.api(`/api/executions/${r.body.executionId}`)).body;
    return e.status === 'success' || e.status === 'error' ? e : undefined;
  }, 15_000);
}
const alertsOf = async (id: string) => (await sy.api(`/api/workflows/${id}/alerts?limit=200`)).body.items as any[];

describe('alerts', () => {
  it('mail a failure with the workflow, failed node, error and a link to the execution', async () => {
    const wf = await alerted('Orders alert', ['ops@example.com']);
    down.add(wf.path);
    const exec = await run(wf.id);
    expect(exec.status).toBe('error');
    const [mail] = await until(() => (mailsFor('Orders alert').length ? mailsFor('Orders alert') : undefined), 15_000);
    expect(mail!.to).toEqual(['ops@example.com']);
    expect(header(mail!.raw, 'subject')).toBe('[Switchyard] Failed: Orders alert at charge (HTTP_STATUS)');
    const text = bodyOf(mail!);
    expect(text).toContain(`Workflow "Orders alert" (${wf.id}) failed.`);
    expect(text).toContain('Failed node: charge (action.http)');
    expect(text).toMatch(/Error: HTTP_STATUS: .*500/);
    expect(text).toContain(`Execution: ${sy.base}/#/executions/${exec.id}`);
    const [row] = await until(async () => ((await alertsOf(wf.id))[0]?.status === 'sent' ? alertsOf(wf.id) : undefined));
    expect(row).toMatchObject({ kind: 'failure', status: 'sent', executionId: exec.id, failedNode: { id: 'charge', type: 'action.http' }, error: { code: 'HTTP_STATUS' }, recipients: ['ops@example.com'], repeats: 0, attempts: 1, lastError: null });
    // A workflow without alerts mails nothing when it fails.
    const quiet = await sy.api('/api/workflows', { body: { name: 'Quiet failure', nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { id: 'x', type: 'action.http', config: { method: 'POST', url: `${sink.url}/quiet`, body: {} } }], edges: [{ id: 'e', source: 'start', target: 'x' }] } });
    down.add('/quiet');
    expect((await run(quiet.body.id)).status).toBe('error');
    expect(await alertsOf(quiet.body.id)).toEqual([]);
  });

  it('mail one of 20 failures of one signature, then after the hour say 19 were suppressed; mail the recovery', async () => {
    const wf = await alerted('Dedupe alert', ['oncall@example.com']);
    down.add(wf.path);
    for (let i = 0; i < 20; i++) expect((await run(wf.id)).status).toBe('error');
    await until(async () => {
      const rows = await alertsOf(wf.id);
      return rows.length === 20 && rows.filter((r) => r.status === 'suppressed').length === 19 && rows.some((r) => r.status === 'sent');
    }, 20_000);
    expect(mailsFor('Dedupe alert')).toHaveLength(1);

    clock.advance(HOUR + 1000);
    const after = await run(wf.id);
    const mails = await until(() => (mailsFor('Dedupe alert').length === 2 ? mailsFor('Dedupe alert') : undefined), 15_000);
    expect(bodyOf(mails[1]!)).toContain('This failure repeated 19 more times since the last alert; those repeats were suppressed.');
    expect(bodyOf(mails[1]!)).toContain(`/#/executions/${after.id}`);
    // The server has the mail a moment before the row says so.
    const newest = async () => until(async () => ((await alertsOf(wf.id))[0]?.status === 'pending' ? undefined : (await alertsOf(wf.id))[0]));
    expect(await newest()).toMatchObject({ executionId: after.id, status: 'sent', repeats: 19 });

    down.delete(wf.path);
    const ok = await run(wf.id);
    expect(ok.status).toBe('success');
    const recovery = await until(() => smtp.mails.find((m) => header(m.raw, 'subject') === '[Switchyard] Recovered: Dedupe alert'), 15_000);
    expect(bodyOf(recovery)).toContain(`/#/executions/${ok.id}`);
    expect(await newest()).toMatchObject({ kind: 'recovery', status: 'sent', executionId: ok.id, error: null });
    // Healthy now: another success mails nothing more.
    await run(wf.id);
    await new Promise((r) => setTimeout(r, 2_500)); // an alert pass
    expect(mailsFor('Dedupe alert')).toHaveLength(3);
  });

  it('records an alert the SMTP server refuses, with its error, and delivers it on a later retry', async () => {
    const wf = await alerted('Refused alert', ['busy@example.com']);
    down.add(wf.path);
    refused.add('busy@example.com');
    const exec = await run(wf.id);
    expect(exec.status).toBe('error');
    const [row] = await until(async () => ((await alertsOf(wf.id))[0]?.attempts === 1 ? alertsOf(wf.id) : undefined), 20_000);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('Mailbox busy') });
    expect(Date.parse(row.nextAttemptAt)).toBeGreaterThan(clock.now());
    expect(mailsFor('Refused alert')).toHaveLength(0);

    refused.delete('busy@example.com');
    clock.advance(2 * 60_000);
    await until(() => mailsFor('Refused alert').length === 1, 15_000);
    const [sent] = await until(async () => ((await alertsOf(wf.id))[0]?.status === 'sent' ? alertsOf(wf.id) : undefined));
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('alerts a failure that was queued before a restart', async () => {
    const wf = await alerted('Restart alert', ['ops@example.com']);
    down.add(wf.path);
    const exec = await run(wf.id);
    await until(() => mailsFor('Restart alert').length === 1, 15_000);
    // As if the process had died right after the failure committed: its alert not stored yet, the failure still queued.
    await sy.close({ keepData: true });
    const store = await openStoreAt(dataDir);
    await store.kysely.deleteFrom('alerts').where('workflow_id', '=', wf.id).execute();
    await store.kysely.deleteFrom('alert_signatures').where('workflow_id', '=', wf.id).execute();
    await store.kysely.insertInto('failures').values({ execution_id: exec.id, created_at: clock.now() }).execute();
    await store.close();
    sy = await boot({ dataDir, env: env(), overrides: { clock } });
    const mails = await until(() => (mailsFor('Restart alert').length === 2 ? mailsFor('Restart alert') : undefined), 15_000);
    expect(bodyOf(mails[1]!)).toContain(`/#/executions/${exec.id}`);
    expect(await alertsOf(wf.id)).toHaveLength(1);
  });
});

describe('alerts with a hung SMTP server', () => {
  let hung: Server;
  const sockets: Socket[] = [];
  let other: Booted | undefined;
  afterAll(async () => {
    await other?.close();
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => hung?.close(r));
  });

  it('never hold the execution: it is final while the alert waits on the server', async () => {
    // Accepts connections and never greets.
    hung = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as { port: number }).port;
    other = await boot({ env: { OUTBOUND_BLOCK_PRIVATE: 'false', SMTP_URL: `smtp://127.0.0.1:${port}` } });
    down.add('/hung');
    const wf = await other.api('/api/workflows', {
      body: {
        name: 'Hung alert',
        nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { id: 'charge', type: 'action.http', config: { method: 'POST', url: `${sink.url}/hung`, body: {} } }],
        edges: [{ id: 'e', source: 'start', target: 'charge' }],
        settings: { alerts: { email: ['ops@example.com'], onFailure: true, onRecovery: true } },
      },
    });
    const first = (await other.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } })).body.executionId as string;
    await until(() => sockets.length > 0, 15_000);
    // The alert's SMTP session hangs; the execution is already final, and another one runs to the end meanwhile.
    expect((await other.api(`/api/executions/${first}`)).body.status).toBe('error');
    const second = (await other.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } })).body.executionId as string;
    const done = await until(async () => {
      const e = (await other!.api(`/api/executions/${second}`)).body;
      return e.status === 'error' ? e : undefined;
    }, 15_000);
    expect(done.finishedAt).toEqual(expect.any(String));
    const row = (await other.api(`/api/workflows/${wf.body.id}/alerts`)).body.items.find((a: any) => a.executionId === first);
    expect(row).toMatchObject({ executionId: first, status: 'pending', attempts: 0 });
    // The greeting never comes: the attempt times out and is recorded with its error, to retry.
    const [timedOut] = await until(async () => {
      const items = (await other!.api(`/api/workflows/${wf.body.id}/alerts`)).body.items;
      return items.find((a: any) => a.executionId === first)?.attempts === 1 ? items.filter((a: any) => a.executionId === first) : undefined;
    }, 30_000);
    expect(timedOut).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/greeting|timeout|timed out/i) });
  }, 60_000);
});

describe('alerts without an SMTP server', () => {
  let bare: Booted | undefined;
  afterAll(() => bare?.close());

  it('capture the alert in the outbox and say so', async () => {
    bare = await boot({ env: { OUTBOUND_BLOCK_PRIVATE: 'false' } });
    down.add('/bare');
    const wf = await bare.api('/api/workflows', {
      body: {
        name: 'Outbox alert',
        nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { id: 'charge', type: 'action.http', config: { method: 'POST', url: `${sink.url}/bare`, body: {} } }],
        edges: [{ id: 'e', source: 'start', target: 'charge' }],
        settings: { alerts: { email: ['ops@example.com'], onFailure: true, onRecovery: true } },
      },
    });
    const exec = (await bare.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } })).body.executionId as string;
    const [row] = await until(async () => {
      const items = (await bare!.api(`/api/workflows/${wf.body.id}/alerts`)).body.items;
      return items[0]?.status === 'captured' ? items : undefined;
    }, 15_000);
    expect(row).toMatchObject({ executionId: exec, attempts: 1, lastError: null });
    const outbox = (await bare.api('/api/outbox')).body.items as { subject: string; to: string[]; text: string }[];
    expect(outbox.map((m) => m.subject)).toEqual(['[Switchyard] Failed: Outbox alert at charge (HTTP_STATUS)']);
  });
});
