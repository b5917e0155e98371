/**
 * The mail port against a real SMTP server on loopback: STARTTLS with a self-signed certificate,
 * pooled transports, address validation, SMTP failure mapping, timeouts, and the outbox fallback.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeFailure, RetryableError } from '#shared/errors.ts';
import type { MailMessage } from '#shared/nodes/define.ts';
import { header, selfSignedCert, startSmtp, type TestSmtp } from '../../test/helpers/smtp.ts';
import { openDatabase, type Db } from '../db/sqlite/connection.ts';
import { createOutboxRepo } from '../db/repos/outbox.repo.ts';
import { silentLogger } from '../lib/logger.ts';
import { parseAddresses } from './mail/addresses.ts';
import { toMailError } from './mail/smtp-errors.ts';
import { createMailer, type Mailer, type MailerDeps } from './mailer.ts';

type Cred = { type: string; data: Record<string, unknown> };

let db: Db;
const mailers: Mailer[] = [];
beforeAll(() => {
  db = openDatabase(':memory:');
});
afterEach(async () => {
  await Promise.all(mailers.splice(0).map((m) => m.close()));
});
afterAll(async () => {
  await db.close();
});

function mailer(creds: Record<string, Cred>, extra: Partial<MailerDeps> = {}): Mailer {
  const m = createMailer({
    credentials: { reveal: async (id) => creds[id] },
    smtpUrl: undefined,
    outbox: createOutboxRepo(db.kysely),
    clock: { now: () => Date.now() },
    logger: silentLogger,
    ...extra,
  });
  mailers.push(m);
  return m;
}

const msg = { from: 'Switchyard <bot@example.com>', to: ['ada@example.com'], subject: 'hello', text: 'hi there', messageId: '<ex_1.mail@switchyard>' };

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('STARTTLS with a self-signed certificate', () => {
  let smtp: TestSmtp;
  let tls: { key: string; cert: string };
  beforeAll(async () => {
    tls = selfSignedCert();
    smtp = await startSmtp({ users: { mailer: 'tls-password-1' }, tls });
  });
  afterAll(() => smtp.close());

  const cred = () => ({ tls: { type: 'smtp', data: { host: 'localhost', port: smtp.port, secure: false, username: 'mailer', password: 'tls-password-1' } } });

  it('upgrades the connection, verifies the certificate against the given CA, then authenticates', async () => {
    const m = mailer(cred(), { tls: { ca: tls.cert } });
    const out = await m.send(msg, { credentialId: 'tls' });
    expect(out.accepted).toEqual(['ada@example.com']);
    const got = smtp.mails.at(-1)!;
    expect(got.secure).toBe(true); // STARTTLS happened; the server refuses AUTH in the clear
    expect(got.user).toBe('mailer');
    expect(header(got.raw, 'Message-ID')).toBe('<ex_1.mail@switchyard>');
  });

  it('refuses a certificate it cannot verify, without retrying', async () => {
    const err = await failure(mailer(cred()).send(msg, { credentialId: 'tls' }));
    expect(err).toBeInstanceOf(NodeFailure);
    expect(err).toMatchObject({ code: 'TLS_INVALID' });
    expect(err.message).toMatch(/self-signed certificate/);
  });
});

describe('pooled transports', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp({ users: { u: 'first-password', v: 'second-password' } });
  });
  afterAll(() => smtp.close());

  it('reuses one connection per credential and rebuilds it when the credential changes', async () => {
    const creds: Record<string, Cred> = { c: { type: 'smtp', data: { host: '127.0.0.1', port: smtp.port, username: 'u', password: 'first-password' } } };
    const m = mailer(creds);
    const before = smtp.stats.connections;
    await m.send(msg, { credentialId: 'c' });
    await m.send({ ...msg, messageId: '<ex_2.mail@switchyard>' }, { credentialId: 'c' });
    expect(smtp.stats.connections - before).toBe(1);

    creds.c = { type: 'smtp', data: { ...creds.c!.data, username: 'v', password: 'second-password' } };
    await m.send({ ...msg, messageId: '<ex_3.mail@switchyard>' }, { credentialId: 'c' });
    expect(smtp.stats.connections - before).toBe(2);
    expect(smtp.mails.at(-1)!.user).toBe('v');
  });

  it('names a missing or mistyped credential', async () => {
    const m = mailer({ bearer: { type: 'httpBearer', data: { token: 'x' } } });
    expect(await failure(m.send(msg, { credentialId: 'nope' }))).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    expect(await failure(m.send(msg, { credentialId: 'bearer' }))).toMatchObject({ code: 'CREDENTIAL_TYPE_MISMATCH' });
  });
});

describe('connection failures', () => {
  let silent: Server;
  let silentPort: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts TCP connections and never says hello.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), silent.close(() => r()))));

  it('a refused connection is retryable', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await failure(mailer({ c: { type: 'smtp', data: { host: '127.0.0.1', port } } }).send(msg, { credentialId: 'c' }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'SMTP_CONNECTION' });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('a server that never greets times out, retryably', async () => {
    const m = mailer({ c: { type: 'smtp', data: { host: '127.0.0.1', port: silentPort } } }, { timeouts: { greetingMs: 200 } });
    const started = Date.now();
    const err = await failure(m.send(msg, { credentialId: 'c' }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'SMTP_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('the whole send has a deadline too', async () => {
    const m = mailer({ c: { type: 'smtp', data: { host: '127.0.0.1', port: silentPort } } }, { timeouts: { greetingMs: 10_000, sendMs: 200 } });
    const err = await failure(m.send(msg, { credentialId: 'c' }));
    expect(err).toMatchObject({ name: 'RetryableError', code: 'SMTP_TIMEOUT' });
    expect(err.message).toMatch(/longer than 200 ms/);
  });
});

describe('addresses', () => {
  it('parses display names, comma lists and quoted commas', () => {
    expect(parseAddresses('to', ['"Doe, Jane" <jane@example.com>, bob@example.org'])).toEqual([
      { name: 'Doe, Jane', address: 'jane@example.com' },
      { name: '', address: 'bob@example.org' },
    ]);
  });

  it('names the field of a bad address and never reaches a server', async () => {
    const m = mailer({});
    const cases: [string, Partial<MailMessage>][] = [
      ['to', { to: ['not-an-address'] }],
      ['cc', { cc: ['ok@example.com', 'also bad@'] }],
      ['from', { from: 'nobody' }],
      ['replyTo', { replyTo: 'a@b@c' }],
    ];
    for (const [field, patch] of cases) {
      const err = await failure(m.send({ ...msg, ...patch }, {}));
      expect(err).toBeInstanceOf(NodeFailure);
      expect(err).toMatchObject({ code: 'INVALID_ADDRESS', details: { field } });
      expect(err.message.startsWith(`${field}: `)).toBe(true);
    }
    expect(await failure(m.send({ ...msg, to: ['a@example.com\r\nBcc: victim@example.com'] }, {}))).toMatchObject({ code: 'INVALID_ADDRESS' });
    expect(await failure(m.send({ ...msg, to: [] }, {}))).toMatchObject({ message: 'to: at least one recipient is required' });
  });
});

describe('outbox', () => {
  it('captures mail when no server is configured, once per Message-ID', async () => {
    const m = mailer({});
    const first = await m.send({ ...msg, messageId: '<ex_9.mail@switchyard>' }, {});
    expect(first).toMatchObject({ captured: true, accepted: [], rejected: [], messageId: '<ex_9.mail@switchyard>' });
    const again = await m.send({ ...msg, messageId: '<ex_9.mail@switchyard>' }, {});
    expect((again as { outboxId?: string }).outboxId).toBe((first as { outboxId?: string }).outboxId);
    const rows = await createOutboxRepo(db.kysely).list({ limit: 10 });
    expect(rows.filter((r) => r.message_id === '<ex_9.mail@switchyard>')).toHaveLength(1);
    expect(rows[0]).toMatchObject({ from_addr: '"Switchyard" <bot@example.com>', to_addrs: '["ada@example.com"]', subject: 'hello' });
  });

  it('uses SMTP_URL when set', async () => {
    const smtp = await startSmtp({ users: { url: 'url-password' } });
    try {
      const m = mailer({}, { smtpUrl: `smtp://url:url-password@127.0.0.1:${smtp.port}` });
      expect(m.hasDefaultServer()).toBe(true);
      const out = await m.send(msg, {});
      expect(out.captured).toBeUndefined();
      expect(smtp.mails.at(-1)!.user).toBe('url');
      await m.close();
    } finally {
      await smtp.close();
    }
  });
});

describe('toMailError', () => {
  const e = (fields: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), fields);
  it('4xx retries, 5xx fails, auth fails, each carrying the reply', () => {
    const transient = toMailError(e({ code: 'EENVELOPE', responseCode: 421, response: '421 try later', command: 'MAIL FROM' }), 'h:25');
    expect(transient).toBeInstanceOf(RetryableError);
    expect(transient.message).toBe('SMTP server h:25 answered 421 try later (MAIL FROM)');
    const rejected = toMailError(e({ code: 'EENVELOPE', responseCode: 550, response: '550 no such user', command: 'RCPT TO' }), 'h:25');
    expect(rejected).toBeInstanceOf(NodeFailure);
    expect(rejected).toMatchObject({ code: 'SMTP_REJECTED', details: { responseCode: 550, response: '550 no such user' } });
    expect(toMailError(e({ code: 'EAUTH', responseCode: 535, response: '535 nope' }), 'h:25')).toMatchObject({ name: 'NodeFailure', code: 'SMTP_AUTH_FAILED' });
    expect(toMailError(e({ code: 'EAUTH', responseCode: 454, response: '454 later' }), 'h:25')).toMatchObject({ name: 'RetryableError' });
    expect(toMailError(e({ code: 'ESOCKET' }, 'connect ECONNRESET'), 'h:25')).toMatchObject({ name: 'RetryableError', code: 'SMTP_CONNECTION' });
  });
});
