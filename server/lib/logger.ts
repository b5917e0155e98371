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

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };

/**
 * One pino JSON line → one line for a person: `12:00:00.123 INFO  message key=value …` (with
 * executionId and workflowId first when present). Redaction ran before the JSON was written, so
 * nothing hidden there shows here. Lines that are not JSON pass through unchanged.
 */
export function prettyLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { level, time, msg, executionId, workflowId, ...rest } = entry;
  const n = typeof level === 'number' ? level : 30;
  const name = (LEVELS[n] ?? String(level)).padEnd(5);
  const at = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const fields = { ...(executionId !== undefined ? { executionId } : {}), ...(workflowId !== undefined ? { workflowId } : {}), ...rest };
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  const label = colour ? `\x1b[${COLOURS[n] ?? '0'}m${name}\x1b[0m` : name;
  return `${at} ${label} ${String(msg ?? '')}${pairs.length ? ` ${pairs.join(' ')}` : ''}\n`;
}

/** A pino destination that writes `prettyLine`s to `out` (stdout by default; colour when it is a terminal). */
export function prettyDestination(out: { write(s: string): unknown; isTTY?: boolean } = process.stdout): pino.DestinationStream {
  const colour = Boolean(out.isTTY);
  return { write: (chunk: string) => void out.write(prettyLine(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk, colour)) };
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
