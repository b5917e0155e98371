/** The one logger interface (pino underneath), with secrets redacted at the logger, not at call sites. */
import pino from 'pino';

export type Logger = {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
  /** Whether `level` would be written (absent: assume yes). Lets hot paths skip building child loggers. */
  isEnabled?(level: 'debug' | 'info' | 'warn' | 'error'): boolean;
};

const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'key',
  '*.key',
  'data',
  '*.data.*',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  // Credentials vault and mail (issue 4): nodemailer's auth {user, pass}, the config's secrets.
  // Values that surface elsewhere are scrubbed by value (lib/secret-scrubber.ts).
  'pass',
  '*.pass',
  'headers["proxy-authorization"]',
  '*.headers["proxy-authorization"]',
  'ENCRYPTION_KEY',
  '*.ENCRYPTION_KEY',
  'SMTP_URL',
  '*.SMTP_URL',
];

function wrap(p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (bindings) => wrap(p.child(bindings)),
    isEnabled: (level) => p.isLevelEnabled(level),
  };
}

/** A JSON logger at `level`, writing to stdout (or `destination`). */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const p = pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined }, destination);
  return wrap(p);
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
  isEnabled: () => false,
};
