/**
 * Maps nodemailer's SMTP failures onto the step contract, keeping the server's reply: 4xx replies and
 * connection trouble retry (RetryableError, per the node's policy); 5xx replies, authentication and
 * certificate failures fail the step now (NodeFailure).
 */
import { NodeFailure, RetryableError } from '#shared/errors.ts';

type SmtpError = Error & { code?: unknown; responseCode?: unknown; response?: unknown; command?: unknown };

const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/** nodemailer replaces a TLS error's own code with ESOCKET, so the message is what is left to go by. */
const isCertificateProblem = (message: string) => /certificate|self[- ]signed|altnames|unable to verify/i.test(message);

/** The error a MailPort rejects with for `err`, raised while talking to `server` (host:port). */
export function toMailError(err: unknown, server: string): Error {
  if (err instanceof NodeFailure || err instanceof RetryableError) return err;
  const e: SmtpError = err instanceof Error ? err : new Error(String(err));
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const response = typeof e.response === 'string' ? e.response.trim() : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const details = { server, ...(responseCode ? { responseCode } : {}), ...(response ? { response } : {}), ...(command ? { command } : {}), ...(code ? { smtpCode: code } : {}) };
  const reply = response ?? e.message;

  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return new RetryableError(`SMTP server ${server} answered ${reply}${command ? ` (${command})` : ''}`, { code: 'SMTP_TRANSIENT', details, cause: err });
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new NodeFailure(`SMTP authentication with ${server} failed: ${reply}`, { code: 'SMTP_AUTH_FAILED', details, cause: err });
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return new NodeFailure(`SMTP server ${server} rejected the message: ${reply}${command ? ` (${command})` : ''}`, { code: 'SMTP_REJECTED', details, cause: err });
  }
  if (isCertificateProblem(e.message)) {
    return new NodeFailure(`TLS certificate of ${server} rejected: ${e.message}`, { code: 'TLS_INVALID', details, cause: err });
  }
  if (code === 'ETIMEDOUT') {
    return new RetryableError(`SMTP server ${server} timed out: ${e.message}`, { code: 'SMTP_TIMEOUT', details, cause: err });
  }
  if ((code !== undefined && CONNECTION_CODES.has(code)) || code === 'ETLS') {
    return new RetryableError(`connection to SMTP server ${server} failed: ${e.message}`, { code: 'SMTP_CONNECTION', details, cause: err });
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'EPROTOCOL' || code === 'ECONFIG') {
    return new NodeFailure(`sending through ${server} failed: ${e.message}`, { code: 'SMTP_FAILED', details, cause: err });
  }
  // Unknown: the executor retries it (at least once semantics make that safe with our Message-ID).
  return new RetryableError(`sending through ${server} failed: ${e.message}`, { code: 'SMTP_ERROR', details, cause: err });
}
