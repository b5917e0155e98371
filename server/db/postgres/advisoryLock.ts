/**
 * A session advisory lock held on a dedicated connection (a pooled one would hand the session, and
 * the lock, to whoever checks it out next). Tries `pg_try_advisory_lock` every `intervalMs` until
 * it gets it, then keeps probing the connection: PostgreSQL drops the lock when the session ends,
 * so a lost connection is reported as `held = false` at once and the loop starts trying again.
 * Correctness must never depend on it (two holders can overlap for as long as a dead peer's
 * session takes to be noticed); it only keeps the timer loop to one process most of the time.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { oneLine } from './errors.ts';

export type AdvisoryLock = {
  held(): boolean;
  /** Stops trying; unlocks and closes the connection if held. */
  close(): Promise<void>;
};

/** A stable 64-bit lock key for a name (signed, as pg_try_advisory_lock(bigint) takes). */
export function lockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}

export function advisoryLock(
  config: pg.ClientConfig,
  key: bigint | number,
  onChange: (held: boolean) => void,
  options: { intervalMs?: number; logger?: Logger } = {},
): AdvisoryLock {
  const intervalMs = options.intervalMs ?? 2000;
  const log = options.logger ?? silentLogger;
  let client: pg.Client | undefined;
  let held = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function report(next: boolean): void {
    if (next === held) return;
    held = next;
    try {
      onChange(next);
    } catch (err) {
      log.error('advisory lock callback failed', { error: oneLine(err) });
    }
  }

  function drop(c: pg.Client): void {
    if (client !== c) return;
    client = undefined;
    report(false);
    c.end().catch(() => undefined);
  }

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client(config);
    c.on('error', (err) => {
      log.warn('advisory lock connection lost', { error: oneLine(err) });
      drop(c);
    });
    c.on('end', () => drop(c));
    try {
      await c.connect();
    } catch (err) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      throw err;
    }
    return c;
  }

  async function tick(): Promise<void> {
    try {
      if (!client) client = await connect();
      if (closed) return;
      const c = client;
      const timeout = { query_timeout: Math.max(1000, intervalMs) };
      if (held) {
        // Still our session? A hung or failed probe means the lock may already be someone else's.
        await c.query({ text: 'SELECT 1', ...timeout } as pg.QueryConfig).catch((err: unknown) => {
          log.warn('advisory lock probe failed', { error: oneLine(err) });
          drop(c);
        });
      } else {
        const { rows } = await c.query<{ ok: boolean }>({ text: 'SELECT pg_try_advisory_lock($1::bigint) AS ok', values: [String(key)], ...timeout });
        if (client === c && !closed) report(rows[0]?.ok === true);
      }
    } catch (err) {
      log.debug('advisory lock attempt failed', { error: oneLine(err) });
      if (client) drop(client);
    }
  }

  function loop(): void {
    if (closed) return;
    running = tick().finally(() => {
      running = undefined;
      if (!closed) timer = setTimeout(loop, intervalMs).unref();
    });
  }
  loop();

  return {
    held: () => held,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
      const c = client;
      client = undefined;
      if (!c) return;
      if (held) await c.query('SELECT pg_advisory_unlock($1::bigint)', [String(key)]).catch(() => undefined);
      report(false);
      await c.end().catch(() => undefined);
    },
  };
}
