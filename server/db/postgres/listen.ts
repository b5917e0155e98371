/**
 * LISTEN/NOTIFY. LISTEN needs its own session, so the listener owns a dedicated pg.Client (never a
 * pooled one, never through PgBouncer in transaction mode). When that connection drops it
 * reconnects with backoff and LISTENs again; NOTIFY is not replayed, so `onReconnect` tells the
 * caller to re-read the database for whatever it may have missed.
 */
import pg from 'pg';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { StoreUnavailableError } from '../store.ts';
import { describeTarget, oneLine } from './errors.ts';

export type Listener = {
  /** Whether the LISTEN session is up right now. */
  connected(): boolean;
  close(): Promise<void>;
};

export type ListenOptions = {
  /** After every re-LISTEN following a lost connection (not after the first). */
  onReconnect?: () => void;
  logger?: Logger;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A quiet TCP connection can be dead without an error: probe it this often. */
  probeMs?: number;
};

/**
 * Resolves once the first LISTEN is active (NOTIFYs committed after that reach `handler`), rejects
 * with StoreUnavailableError if that first connection fails. Later drops reconnect by themselves.
 */
export async function listen(
  config: pg.ClientConfig,
  channels: readonly string[],
  handler: (channel: string, payload: string) => void,
  options: ListenOptions = {},
): Promise<Listener> {
  const log = options.logger ?? silentLogger;
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 5000;
  const probeMs = options.probeMs ?? 15_000;
  const probeTimeoutMs = Math.min(10_000, probeMs);
  let client: pg.Client | undefined;
  let closed = false;
  let delay = minDelay;
  let timer: NodeJS.Timeout | undefined;
  let probe: NodeJS.Timeout | undefined;

  async function connectOnce(): Promise<void> {
    const c = new pg.Client(config);
    // Errors after connect arrive as events; without a listener they would crash the process.
    c.on('error', (err) => {
      log.warn('postgres listener connection lost', { error: oneLine(err) });
      lost(c);
    });
    c.on('end', () => lost(c));
    c.on('notification', (msg) => {
      try {
        handler(msg.channel, msg.payload ?? '');
      } catch (err) {
        log.error('postgres notification handler failed', { channel: msg.channel, error: oneLine(err) });
      }
    });
    try {
      await c.connect();
      if (channels.length > 0) await c.query(channels.map((ch) => `LISTEN ${c.escapeIdentifier(ch)}`).join('; '));
    } catch (err) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    delay = minDelay;
    // A probe that fails or hangs (query_timeout) means the session is gone: start over.
    probe = setInterval(() => {
      c.query({ text: 'SELECT 1', query_timeout: probeTimeoutMs } as pg.QueryConfig).catch(() => lost(c));
    }, probeMs);
    probe.unref();
  }

  function lost(c: pg.Client): void {
    if (client !== c) return;
    client = undefined;
    clearInterval(probe);
    c.end().catch(() => undefined);
    schedule();
  }

  function schedule(): void {
    if (closed || timer) return;
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        await connectOnce();
        if (closed) return;
        log.info('postgres listener reconnected', { channels });
        try {
          options.onReconnect?.();
        } catch (err) {
          log.error('postgres listener onReconnect failed', { error: oneLine(err) });
        }
      } catch (err) {
        log.debug('postgres listener reconnect failed', { error: oneLine(err), retryMs: delay });
        delay = Math.min(maxDelay, delay * 2);
        schedule();
      }
    }, delay);
  }

  try {
    await connectOnce();
  } catch (err) {
    throw new StoreUnavailableError(`cannot LISTEN on PostgreSQL at ${describeTarget(config)}: ${oneLine(err)}`, { cause: err });
  }

  return {
    connected: () => client !== undefined,
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(probe);
      const c = client;
      client = undefined;
      if (c) await c.end().catch(() => undefined);
    },
  };
}

/** NOTIFY payloads must stay under 8,000 bytes; keep a margin for the packing. */
export const MAX_PAYLOAD_BYTES = 7900;
const SEP = '\n';

/**
 * Packs payloads into as few NOTIFY messages as possible, each under MAX_PAYLOAD_BYTES, joined by
 * newlines (ids and JSON.stringify output never contain a raw newline). `unpack` splits them.
 */
export function pack(payloads: readonly string[]): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  let curBytes = 0;
  for (const p of payloads) {
    const bytes = Buffer.byteLength(p);
    if (bytes >= MAX_PAYLOAD_BYTES) throw new RangeError(`NOTIFY payload of ${bytes} bytes (limit ${MAX_PAYLOAD_BYTES})`);
    if (p.includes(SEP)) throw new RangeError('NOTIFY payloads must not contain a newline');
    if (cur !== undefined && curBytes + 1 + bytes >= MAX_PAYLOAD_BYTES) {
      out.push(cur);
      cur = undefined;
    }
    if (cur === undefined) {
      cur = p;
      curBytes = bytes;
    } else {
      cur += SEP + p;
      curBytes += 1 + bytes;
    }
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

export const unpack = (payload: string): string[] => payload.split(SEP);

/**
 * Sends `payloads` on `channel` in one statement (one transaction, one NOTIFY lock), or inside the
 * caller's transaction when given a client that is in one. Nothing is sent for an empty list.
 */
export async function notify(db: pg.Pool | pg.ClientBase, channel: string, payloads: readonly string[]): Promise<void> {
  if (payloads.length === 0) return;
  await db.query(`SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, [channel, pack(payloads)]);
}
