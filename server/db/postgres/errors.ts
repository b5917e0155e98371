/**
 * Which PostgreSQL failures mean "the database cannot be reached or written right now" (answer 503,
 * readiness false, retry later) as opposed to a bug or a bad statement (500). Only the former become
 * StoreUnavailableError; everything else is passed through untouched.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../store.ts';

/** Socket-level errno codes (from net / dns) that mean the server is not there. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
]);

/**
 * SQLSTATEs: server shutting down / crashed / starting (57P01-03), idle-session timeout (57P05),
 * too many connections (53300), a read-only server, e.g. a demoted primary or a standby (25006).
 * Class 08 (connection exception) is matched by prefix.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300', '25006']);

/** Messages node-postgres and pg-pool raise without a code when the socket or pool is gone. */
const MESSAGES =
  /Connection terminated|Connection ended|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|the database system is (starting up|shutting down|in recovery mode)/i;

export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; syscall?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code) {
    if (SOCKET_CODES.has(code)) return true;
    // A missing Unix socket file is ENOENT on connect; ENOENT from fs (a missing migration) is a bug.
    if (code === 'ENOENT' && e.syscall === 'connect') return true;
    if (SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError.
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isUnavailable)) return true;
  return MESSAGES.test(e.message);
}

/** One line, whatever the driver produced (AggregateErrors have an empty message). */
export function oneLine(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(oneLine).join('; ') || 'connection failed';
  const msg = err instanceof Error ? err.message || String((err as { code?: unknown }).code ?? err.name) : String(err);
  return msg.replace(/\s+/g, ' ').trim();
}

/**
 * Where the pool connects, without credentials: `host:port/database`, or `socket/.s.PGSQL.port/database`
 * for a Unix socket directory. Resolved by pg itself (URL, PG* environment, defaults) so it names
 * exactly what was tried; constructing a Client opens nothing.
 */
export function describeTarget(config: pg.ClientConfig): string {
  const c = new pg.Client(config);
  const db = c.database ?? '';
  return c.host.startsWith('/') ? `${c.host}/.s.PGSQL.${c.port}/${db}` : `${c.host}:${c.port}/${db}`;
}

/** Wraps connection-level failures in StoreUnavailableError (naming the target); others unchanged. */
export function toStoreError(err: unknown, target: string): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  return new StoreUnavailableError(`PostgreSQL at ${target} unavailable: ${oneLine(err)}`, { cause: err });
}
