/**
 * The real MailPort: nodemailer over the node's SMTP credential, else SMTP_URL; with neither, the mail
 * is captured in the outbox and the result says `captured: true`. One pooled transport per credential,
 * reused across executions and rebuilt when the credential changes.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { NodeFailure, RetryableError } from '#shared/errors.ts';
import type { MailMessage, MailPort, MailResult } from '#shared/nodes/define.ts';
import type { OutboxRepo } from '../db/repos/outbox.repo.ts';
import type { Clock } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { formatAddress, isValidAddress, parseAddresses, type Address } from './mail/addresses.ts';
import { toMailError } from './mail/smtp-errors.ts';

// nodemailer (about 12 MB resident) loads on the first mail actually sent, not at start: most
// servers never send one, and idle memory is a measured aim.
const requireLazy = createRequire(import.meta.url);
type Nodemailer = { createTransport: typeof import('nodemailer').createTransport; parseConnectionUrl: typeof import('nodemailer/lib/shared/index.js').parseConnectionUrl };
let nodemailerModule: Nodemailer | undefined;
function loadNodemailer(): Nodemailer {
  if (!nodemailerModule) {
    const main = requireLazy('nodemailer') as { createTransport: Nodemailer['createTransport'] };
    const shared = requireLazy('nodemailer/lib/shared/index.js') as { parseConnectionUrl: Nodemailer['parseConnectionUrl'] };
    nodemailerModule = { createTransport: main.createTransport, parseConnectionUrl: shared.parseConnectionUrl };
  }
  return nodemailerModule;
}

export type MailTimeouts = {
  /** TCP connect. */
  connectionMs: number;
  /** Connected until the server's 220 greeting. */
  greetingMs: number;
  /** Socket inactivity during a session. */
  socketMs: number;
  /** One whole send, queueing in the pool included. */
  sendMs: number;
};
const DEFAULT_TIMEOUTS: MailTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000, sendMs: 60_000 };
const OUTBOX_KEEP = 1000;
const FALLBACK_FROM = 'switchyard@localhost';

export type MailerDeps = {
  /** The vault (credential.service `reveal`). */
  credentials: { reveal(id: string): Promise<{ type: string; data: Record<string, unknown> } | undefined> };
  /** The default server (config SMTP_URL), `smtp://` or `smtps://`. */
  smtpUrl: string | undefined;
  outbox: Pick<OutboxRepo, 'capture' | 'trim'>;
  clock: Clock;
  logger: Logger;
  timeouts?: Partial<MailTimeouts>;
  /** Extra TLS options for every transport (tests: trust a private CA). */
  tls?: ConnectionOptions;
};

export type Mailer = MailPort & {
  /** Whether SMTP_URL is set: what the editor shows as "SMTP configured". */
  hasDefaultServer(): boolean;
  /** Closes the pooled transport of a credential (changed or deleted). */
  forget(credentialId: string): void;
  close(): Promise<void>;
};

type Route = { key: string; fingerprint: string; server: string; options: SMTPPool.Options; defaultFrom: string | undefined };
type Pooled = { fingerprint: string; transport: Transporter };

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
const asString = (v: unknown) => (typeof v === 'string' ? v : undefined);
const emailOrUndefined = (v: string | undefined) => (v && isValidAddress(v) ? v : undefined);
const addressText = (a: unknown) => (typeof a === 'string' ? a : typeof a === 'object' && a && 'address' in a ? String(a.address) : String(a));

/** @example const mail = createMailer({ credentials, smtpUrl: config.SMTP_URL, outbox, clock, logger }) */
export function createMailer(deps: MailerDeps): Mailer {
  const t = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const pools = new Map<string, Pooled>();
  const log = deps.logger.child({ component: 'mailer' });
  const common = {
    pool: true,
    maxConnections: 3,
    maxMessages: 100,
    // nodemailer would requeue a message forever when a connection drops; the node's retry policy decides instead.
    maxRequeues: 1,
    connectionTimeout: t.connectionMs,
    greetingTimeout: t.greetingMs,
    socketTimeout: t.socketMs,
    logger: false,
    debug: false,
  } as const;

  const fromUrl = deps.smtpUrl ? loadNodemailer().parseConnectionUrl(deps.smtpUrl) : undefined;
  const defaultRoute: Route | undefined = fromUrl && {
    key: '',
    fingerprint: 'SMTP_URL',
    server: `${fromUrl.host ?? 'localhost'}:${fromUrl.port ?? (fromUrl.secure ? 465 : 587)}`,
    options: { ...fromUrl, ...common, tls: { ...deps.tls, ...fromUrl.tls } },
    defaultFrom: emailOrUndefined(fromUrl.auth && 'user' in fromUrl.auth ? fromUrl.auth.user : undefined),
  };

  async function credentialRoute(credentialId: string): Promise<Route> {
    let cred: Awaited<ReturnType<MailerDeps['credentials']['reveal']>>;
    try {
      cred = await deps.credentials.reveal(credentialId);
    } catch (cause) {
      throw new NodeFailure(`credential ${credentialId} cannot be decrypted`, { code: 'CREDENTIAL_UNREADABLE', details: { credentialId }, cause });
    }
    if (!cred) {
      drop(credentialId);
      throw new NodeFailure(`credential ${credentialId} not found`, { code: 'CREDENTIAL_NOT_FOUND', details: { credentialId } });
    }
    if (cred.type !== 'smtp') {
      throw new NodeFailure(`credential ${credentialId} is a ${cred.type} credential; email needs an smtp one`, {
        code: 'CREDENTIAL_TYPE_MISMATCH',
        details: { credentialId, type: cred.type },
      });
    }
    const d = cred.data;
    const host = asString(d.host) ?? 'localhost';
    const secure = d.secure === true;
    const port = typeof d.port === 'number' ? d.port : secure ? 465 : 587;
    const user = asString(d.username);
    return {
      key: credentialId,
      // Rebuilt when anything in the credential changes; a hash, so the pool map holds no secret.
      fingerprint: createHash('sha256').update(JSON.stringify([host, port, secure, user, d.password])).digest('base64'),
      server: `${host}:${port}`,
      options: {
        ...common,
        host,
        port,
        secure,
        ...(user ? { auth: { user, pass: asString(d.password) ?? '' } } : {}),
        // Never send a password in the clear over the network: demand STARTTLS unless the server is local.
        requireTLS: !secure && !!user && !isLoopback(host),
        ...(deps.tls ? { tls: deps.tls } : {}),
      },
      defaultFrom: emailOrUndefined(user),
    };
  }

  function transportFor(route: Route): Transporter {
    const hit = pools.get(route.key);
    if (hit?.fingerprint === route.fingerprint) return hit.transport;
    if (hit) hit.transport.close();
    const transport = loadNodemailer().createTransport(route.options);
    pools.set(route.key, { fingerprint: route.fingerprint, transport });
    return transport;
  }

  function drop(key: string) {
    pools.get(key)?.transport.close();
    pools.delete(key);
  }

  type Envelope = { from: Address | undefined; to: Address[]; cc: Address[]; bcc: Address[]; replyTo: Address[] };

  function envelopeOf(msg: MailMessage): Envelope {
    const from = parseAddresses('from', msg.from === undefined ? undefined : [msg.from]);
    if (from.length > 1) throw new NodeFailure('from: give one sender address', { code: 'INVALID_ADDRESS', details: { field: 'from' } });
    const env = {
      from: from[0],
      to: parseAddresses('to', msg.to),
      cc: parseAddresses('cc', msg.cc),
      bcc: parseAddresses('bcc', msg.bcc),
      replyTo: parseAddresses('replyTo', msg.replyTo === undefined ? undefined : [msg.replyTo]),
    };
    if (env.to.length === 0) throw new NodeFailure('to: at least one recipient is required', { code: 'INVALID_ADDRESS', details: { field: 'to' } });
    return env;
  }

  async function capture(msg: MailMessage, env: Envelope): Promise<MailResult> {
    const now = deps.clock.now();
    const row = await deps.outbox.capture({
      id: newId('mail', now),
      from_addr: env.from ? formatAddress(env.from) : null,
      to_addrs: JSON.stringify(env.to.map(formatAddress)),
      cc_addrs: JSON.stringify(env.cc.map(formatAddress)),
      bcc_addrs: JSON.stringify(env.bcc.map(formatAddress)),
      reply_to: env.replyTo.length ? env.replyTo.map(formatAddress).join(', ') : null,
      subject: msg.subject ?? '',
      text_body: msg.text ?? null,
      html_body: msg.html ?? null,
      message_id: msg.messageId ?? null,
      created_at: now,
    });
    await deps.outbox.trim(OUTBOX_KEEP);
    log.info('mail captured in the outbox (no SMTP server configured)', { outboxId: row.id, messageId: row.message_id });
    // Nothing was accepted by any server: the result says so instead of pretending delivery.
    return { messageId: row.message_id ?? row.id, accepted: [], rejected: [], captured: true, outboxId: row.id } as MailResult;
  }

  async function deliver(route: Route, msg: MailMessage, env: Envelope, signal: AbortSignal | undefined): Promise<MailResult> {
    const transport = transportFor(route);
    const sending = transport.sendMail({
      from: env.from ?? route.defaultFrom ?? FALLBACK_FROM,
      to: env.to,
      cc: env.cc,
      bcc: env.bcc,
      replyTo: env.replyTo.length ? env.replyTo : undefined,
      subject: msg.subject ?? '',
      text: msg.text ?? (msg.html === undefined ? '' : undefined),
      html: msg.html,
      messageId: msg.messageId,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const info = await Promise.race([
        sending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            // A send stuck in a pooled connection would hold it forever: drop the pool, the next send reconnects.
            drop(route.key);
            reject(new RetryableError(`sending through ${route.server} took longer than ${t.sendMs} ms`, { code: 'SMTP_TIMEOUT', details: { server: route.server } }));
          }, t.sendMs);
          if (signal) {
            onAbort = () => reject(signal.reason ?? new Error('aborted'));
            signal.addEventListener('abort', onAbort, { once: true });
          }
        }),
      ]);
      log.debug('mail sent', { server: route.server, messageId: info.messageId, accepted: info.accepted.length, rejected: info.rejected.length });
      return {
        messageId: info.messageId,
        accepted: info.accepted.map(addressText),
        rejected: info.rejected.map(addressText),
        response: info.response,
      } as MailResult;
    } catch (err) {
      // Cancelled (shutdown): the signal's reason is the truth, not an SMTP fault.
      if (signal?.aborted) throw err;
      throw toMailError(err, route.server);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      // The race's loser must not become an unhandled rejection.
      sending.catch(() => {});
    }
  }

  return {
    async send(msg, { credentialId, signal } = {}) {
      signal?.throwIfAborted();
      const env = envelopeOf(msg);
      const route = credentialId ? await credentialRoute(credentialId) : defaultRoute;
      if (!route) return capture(msg, env);
      return deliver(route, msg, env, signal);
    },
    hasDefaultServer: () => defaultRoute !== undefined,
    forget: (credentialId) => drop(credentialId),
    async close() {
      for (const key of [...pools.keys()]) drop(key);
    },
  };
}
