/**
 * action.email through real workflows (trigger.manual → action.email, POST /run) against a real SMTP
 * server on loopback with AUTH: templated delivery, auth failure, 550 (no retry), 421 (retried).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { header, startSmtp, type TestSmtp } from '../helpers/smtp.ts';

let sy: Booted;
let smtp: TestSmtp;
let goodCred: string;

beforeAll(async () => {
  smtp = await startSmtp({
    users: { mailer: 'smtp-secret-pw' },
    mailFrom: (_n, from) => {
      if (!from.startsWith('busy') || busyLeft === 0) return undefined;
      busyLeft--;
      busyServed++;
      return { code: 421, message: 'Service not available, try again later' };
    },
    rcptTo: (to) => (to.startsWith('nobody@') ? { code: 550, message: 'No such user here' } : undefined),
  });
  sy = await boot();
  goodCred = (await sy.api('/api/credentials', { body: { name: 'Loopback SMTP', type: 'smtp', data: { host: '127.0.0.1', port: smtp.port, username: 'mailer', password: 'smtp-secret-pw' } } })).body.id;
});
afterAll(async () => {
  await sy?.close();
  await smtp?.close();
});
/** How many more MAIL FROM busy@… get a 421, and how many did. */
let busyLeft = 1;
let busyServed = 0;

async function runEmail(config: Record<string, unknown>, payload: unknown, retry?: { attempts: number; delayMs: number }) {
  const wf = await sy.api('/api/workflows', {
    body: {
      name: 'mail',
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'mail', type: 'action.email', config, ...(retry ? { retry } : {}) },
      ],
      edges: [{ id: 'e', source: 'start', target: 'mail' }],
    },
  });
  expect(wf.status).toBe(201);
  const run = await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload } });
  expect(run.status).toBe(202);
  const exec = await until(async () => {
    const r = await sy.api(`/api/executions/${run.body.executionId}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
  return { exec, step: exec.steps.find((s: { nodeId: string }) => s.nodeId === 'mail') };
}

describe('delivery', () => {
  it('sends templated subject, text and HTML with the Message-ID derived from execution and node', async () => {
    const { exec, step } = await runEmail(
      {
        credentialId: goodCred,
        from: 'Switchyard <bot@example.com>',
        to: '{{ trigger.email }}',
        cc: ['{{ trigger.manager }}'],
        subject: 'Welcome, {{ trigger.name }}',
        text: 'Hi {{ trigger.name }}, your plan is {{ trigger.plan }}.',
        html: '<p>Hi <b>{{ trigger.name }}</b>, plan {{ $uppercase(trigger.plan) }}</p>',
      },
      { email: 'Ada Lovelace <ada@example.com>', manager: 'boss@example.com', name: 'Ada', plan: 'pro' },
    );
    expect(exec.status).toBe('success');
    const messageId = `<${exec.id}.mail@switchyard>`;
    expect(step.output).toMatchObject({ messageId, accepted: ['ada@example.com', 'boss@example.com'], rejected: [] });
    expect(step.output.captured).toBeUndefined();

    const got = smtp.mails.at(-1)!;
    expect(got.user).toBe('mailer');
    expect(got.from).toBe('bot@example.com');
    expect(got.to).toEqual(['ada@example.com', 'boss@example.com']);
    expect(header(got.raw, 'Subject')).toBe('Welcome, Ada');
    expect(header(got.raw, 'Message-ID')).toBe(messageId);
    expect(header(got.raw, 'To')).toBe('Ada Lovelace <ada@example.com>');
    expect(header(got.raw, 'Content-Type')).toMatch(/^multipart\/alternative/);
    expect(got.raw).toContain('Hi Ada, your plan is pro.');
    expect(got.raw).toContain('<p>Hi <b>Ada</b>, plan PRO</p>');
  });

  it('an authentication failure fails at once with the server reply', async () => {
    const bad = await sy.api('/api/credentials', { body: { name: 'wrong', type: 'smtp', data: { host: '127.0.0.1', port: smtp.port, username: 'mailer', password: 'wrong-password' } } });
    const failures = smtp.stats.authFailures;
    const { exec, step } = await runEmail({ credentialId: bad.body.id, from: 'bot@example.com', to: 'ada@example.com', subject: 's', text: 't' }, {}, { attempts: 3, delayMs: 10 });
    expect(exec.status).toBe('error');
    expect(step).toMatchObject({ status: 'error', attempts: 1, error: { code: 'SMTP_AUTH_FAILED', details: { responseCode: 535 } } });
    expect(step.error.message).toMatch(/535 Authentication credentials invalid/);
    expect(step.error.message).not.toContain('wrong-password');
    expect(smtp.stats.authFailures - failures).toBe(1);
  });

  it('a 550 rejection is permanent: one attempt, the reply in the error', async () => {
    const before = smtp.mails.length;
    const { step } = await runEmail({ credentialId: goodCred, from: 'bot@example.com', to: 'nobody@example.com', subject: 's', text: 't' }, {}, { attempts: 3, delayMs: 10 });
    expect(step).toMatchObject({ status: 'error', attempts: 1, error: { code: 'SMTP_REJECTED', details: { responseCode: 550, response: '550 No such user here', command: 'RCPT TO' } } });
    expect(smtp.mails.length).toBe(before);
  });

  it('a 421 is transient: retried per the node policy, then delivered', async () => {
    const { exec, step } = await runEmail({ credentialId: goodCred, from: 'busy@example.com', to: 'ada@example.com', subject: 'after 421', text: 't' }, {}, { attempts: 3, delayMs: 20 });
    expect(exec.status).toBe('success');
    expect(step.attempts).toBe(2);
    expect(busyServed).toBe(1);
    expect(header(smtp.mails.at(-1)!.raw, 'Subject')).toBe('after 421');
  });

  it('a 421 on every attempt ends as a transient error after the policy runs out', async () => {
    busyLeft = Infinity;
    const { step } = await runEmail({ credentialId: goodCred, from: 'busy@example.com', to: 'ada@example.com', subject: 's', text: 't' }, {}, { attempts: 2, delayMs: 10 });
    expect(step).toMatchObject({ status: 'error', attempts: 2, error: { code: 'SMTP_TRANSIENT', details: { responseCode: 421 } } });
  });
});
