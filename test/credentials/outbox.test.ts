/** Without any SMTP server the mail goes to the outbox and says so; SMTP_URL switches delivery on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { header, startSmtp, type TestSmtp } from '../helpers/smtp.ts';

async function runEmail(sy: Booted, config: Record<string, unknown>, payload: unknown = {}) {
  const wf = await sy.api('/api/workflows', {
    body: {
      name: 'mail',
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'notify', type: 'action.email', config, retry: { attempts: 3, delayMs: 10 } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'notify' }],
    },
  });
  const run = await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload } });
  const exec = await until(async () => {
    const r = await sy.api(`/api/executions/${run.body.executionId}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
  return { exec, step: exec.steps.find((s: { nodeId: string }) => s.nodeId === 'notify') };
}

describe('no SMTP configured', () => {
  let sy: Booted;
  beforeAll(async () => {
    sy = await boot();
  });
  afterAll(() => sy?.close());

  it('says so in /api/meta', async () => {
    expect((await sy.api('/api/meta')).body.smtpConfigured).toBe(false);
  });

  it('captures the mail in the outbox and reports captured: true, not delivery', async () => {
    const { exec, step } = await runEmail(sy, { to: '{{ trigger.to }}', subject: 'Order {{ trigger.n }}', text: 'Thanks!', html: '<b>Thanks!</b>' }, { to: 'ada@example.com', n: 42 });
    expect(exec.status).toBe('success');
    const messageId = `<${exec.id}.notify@switchyard>`;
    expect(step.output).toMatchObject({ captured: true, messageId, accepted: [], rejected: [] });

    const outbox = await sy.api('/api/outbox');
    expect(outbox.status).toBe(200);
    expect(outbox.body.nextCursor).toBeNull();
    expect(outbox.body.items[0]).toEqual({
      id: expect.stringMatching(/^mail_/),
      from: null,
      to: ['ada@example.com'],
      cc: [],
      bcc: [],
      replyTo: null,
      subject: 'Order 42',
      text: 'Thanks!',
      html: '<b>Thanks!</b>',
      messageId,
      createdAt: expect.any(String),
    });
  });

  it('pages newest first', async () => {
    await runEmail(sy, { to: 'a@example.com', subject: 'one' });
    await runEmail(sy, { to: 'a@example.com', subject: 'two' });
    const first = await sy.api('/api/outbox?limit=1');
    expect(first.body.items.map((m: { subject: string }) => m.subject)).toEqual(['two']);
    const next = await sy.api(`/api/outbox?limit=1&cursor=${first.body.nextCursor}`);
    expect(next.body.items.map((m: { subject: string }) => m.subject)).toEqual(['one']);
  });

  it('a bad address is a step error naming the field, never retried', async () => {
    const before = (await sy.api('/api/outbox?limit=200')).body.items.length;
    const { exec, step } = await runEmail(sy, { to: 'ada@example.com', cc: 'not an address', subject: 's' });
    expect(exec.status).toBe('error');
    expect(step).toMatchObject({ attempts: 1, error: { code: 'INVALID_ADDRESS', details: { field: 'cc' } } });
    expect(step.error.message).toMatch(/^cc: /);
    expect((await sy.api('/api/outbox?limit=200')).body.items.length).toBe(before);
  });
});

describe('SMTP_URL', () => {
  let sy: Booted;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp({ users: { relay: 'relay-pass-77' } });
    sy = await boot({ env: { SMTP_URL: `smtp://relay:relay-pass-77@127.0.0.1:${smtp.port}` } });
  });
  afterAll(async () => {
    await sy?.close();
    await smtp?.close();
  });

  it('is the default server when the node names no credential', async () => {
    expect((await sy.api('/api/meta')).body.smtpConfigured).toBe(true);
    const { step } = await runEmail(sy, { from: 'bot@example.com', to: 'ada@example.com', subject: 'via url' });
    expect(step.status).toBe('success');
    expect(step.output.captured).toBeUndefined();
    expect(step.output.accepted).toEqual(['ada@example.com']);
    expect(smtp.mails.at(-1)!.user).toBe('relay');
    expect(header(smtp.mails.at(-1)!.raw, 'Subject')).toBe('via url');
    expect((await sy.api('/api/outbox')).body.items).toEqual([]);
  });
});
