/** A real SMTP server on loopback (smtp-server) with AUTH, scripted replies, and the mail it received. */
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export type SmtpReply = { code: number; message: string };
export type ReceivedMail = { from: string; to: string[]; raw: string; user: string | undefined; secure: boolean };

export type SmtpOptions = {
  /** username → password; without it AUTH is optional and never checked. */
  users?: Record<string, string>;
  /** Offer STARTTLS with this certificate; without it STARTTLS is hidden and AUTH allowed in the clear. */
  tls?: { key: string; cert: string };
  /** Scripted reply to MAIL FROM (n counts MAIL FROM commands, from 1); undefined accepts. */
  mailFrom?: (n: number, address: string) => SmtpReply | undefined;
  /** Scripted reply to RCPT TO; undefined accepts. */
  rcptTo?: (address: string) => SmtpReply | undefined;
};

const fail = (r: SmtpReply) => Object.assign(new Error(r.message), { responseCode: r.code });

export async function startSmtp(opts: SmtpOptions = {}) {
  const mails: ReceivedMail[] = [];
  const stats = { connections: 0, authFailures: 0, mailFrom: 0, auths: [] as string[] };
  const server = new SMTPServer({
    logger: false,
    banner: 'switchyard test smtp',
    // close() waits this long for clients (pooled transports) before dropping them.
    closeTimeout: 1000,
    authOptional: !opts.users,
    allowInsecureAuth: !opts.tls,
    hideSTARTTLS: !opts.tls,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    onConnect(_session, cb) {
      stats.connections++;
      cb();
    },
    onAuth(auth, _session, cb) {
      if (opts.users && opts.users[auth.username ?? ''] === auth.password) {
        stats.auths.push(auth.username!);
        return cb(null, { user: auth.username });
      }
      stats.authFailures++;
      cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onMailFrom(address, _session, cb) {
      const r = opts.mailFrom?.(++stats.mailFrom, address.address);
      cb(r ? fail(r) : undefined);
    },
    onRcptTo(address, _session, cb) {
      const r = opts.rcptTo?.(address.address);
      cb(r ? fail(r) : undefined);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
        });
        cb();
      });
    },
  });
  server.on('error', () => {
    // Clients that hang up mid-session (timeouts under test) are expected.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    mails,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type TestSmtp = Awaited<ReturnType<typeof startSmtp>>;

/** One header of a raw message (unfolded), or undefined. */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/**
 * A self-signed certificate for `localhost` and 127.0.0.1, made with the openssl CLI: node:crypto can
 * read X.509 certificates (X509Certificate) but has no API to create one.
 */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cert-'));
  try {
    // Machines without the openssl CLI use the long-lived test-only pair kept in test/fixtures/tls.
    if (!hasOpenssl()) {
      const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
      return { key: readFileSync(join(fixtures, 'localhost-key.pem'), 'utf8'), cert: readFileSync(join(fixtures, 'localhost-cert.pem'), 'utf8') };
    }
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // not installed: the caller falls back to the fixture
  }
}
