/**
 * The PostgreSQL driver of the store port: one pg.Pool shared by the batching writer, the direct
 * reads and Kysely, plus dedicated connections for LISTEN and advisory locks. Any number of
 * processes may open the same database: the queue is claimed with leases and fences (ClaimStore).
 */
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { migratePostgres } from '../migrate.ts';
import type { Schema } from '../schema.ts';
import { INSPECTOR_KEEP, StoreUnavailableError, type ClaimStore, type Store } from '../store.ts';
import { advisoryLock, type AdvisoryLock } from './advisoryLock.ts';
import { describeTarget, isUnavailable, oneLine, toStoreError } from './errors.ts';
import { createPgClaimStore, createPgExecutionStore } from './execution-store.ts';
import { createPgInspectorStore } from './inspector-store.ts';
import { listen, notify, type ListenOptions, type Listener } from './listen.ts';
import { createReader } from './reader.ts';
import { createWriter } from './writer.ts';

export type PostgresStore = Store & {
  dialect: 'postgres';
  claims: ClaimStore;
  pool: pg.Pool;
  /** LISTEN on a dedicated connection; resolves once listening (see listen.ts). */
  listen(channels: readonly string[], handler: (channel: string, payload: string) => void, options?: ListenOptions): Promise<Listener>;
  /** pg_notify in one statement, payloads packed under 8,000 bytes (see listen.ts). */
  notify(channel: string, payloads: readonly string[]): Promise<void>;
  /** A session advisory lock on a dedicated connection, retried every `intervalMs` (see advisoryLock.ts). */
  advisoryLock(key: bigint | number, onChange: (held: boolean) => void, options?: { intervalMs?: number }): AdvisoryLock;
};

export type PostgresOptions = {
  logger?: Logger;
  /** Pooled connections (writer batches, reads, Kysely); LISTEN and locks use their own. */
  poolSize?: number;
  applicationName?: string;
  connectTimeoutMs?: number;
  inspectorKeep?: number;
};

const INT8 = 20;
const NUMERIC = 1700;

/**
 * bigint (our millisecond timestamps, count(*)) and numeric arrive as strings from pg; our values
 * fit in a double. Per pool, never pg.types.setTypeParser: that would change every other user of
 * pg in the process (a queue library, tests).
 */
const getTypeParser = ((oid: number, format?: string) =>
  (oid === INT8 || oid === NUMERIC) && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser;

export function clientConfig(url: string, opts: PostgresOptions = {}): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: opts.applicationName ?? 'switchyard',
    // synchronous_commit: the default already, but set explicitly: an ack is sent after COMMIT,
    // which must mean "flushed". plan_cache_mode: the hot statements are named (parsed once per
    // connection), and PostgreSQL would soon plan them once, generically, with the statistics of
    // that moment; a new database's tables are small then, and the plans it kept were sequential
    // scans, measured at 5–50 ms per batch once executions and steps had grown to 20,000 rows.
    // A custom plan per run sizes the tables as they are now, for ~0.1 ms of planning.
    options: '-c synchronous_commit=on -c plan_cache_mode=force_custom_plan',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: { getTypeParser },
  };
}

/**
 * Connects, migrates (under migratePostgres's advisory lock, so processes starting together
 * migrate once) and returns the store. An unreachable server rejects with a StoreUnavailableError
 * of one line naming host:port/database.
 */
export async function openPostgresStore(url: string, opts: PostgresOptions = {}): Promise<PostgresStore> {
  const log = opts.logger ?? silentLogger;
  const config = clientConfig(url, opts);
  const target = describeTarget(config);
  const pool = new pg.Pool({ ...config, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle client's connection dying (server restart) is emitted here; unhandled, it would crash
  // the process. The pool has already discarded the client; the next checkout opens a fresh one.
  pool.on('error', (err) => log.warn('postgres connection lost', { target, error: oneLine(err) }));
  // pg-pool listens for errors only on idle clients; a checked-out client whose socket dies emits
  // 'error' with nobody listening, which would crash the process. The failing query rejects anyway.
  pool.on('connect', (client) => client.on('error', (err) => log.debug('postgres connection failed while in use', { target, error: oneLine(err) })));

  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreUnavailableError(`cannot reach PostgreSQL at ${target}: ${oneLine(err)}`, { cause: err });
  }
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
    if ((cause as { code?: unknown }).code === '25006' || (err as { code?: unknown }).code === '25006') {
      throw new StoreUnavailableError(`PostgreSQL at ${target} is read-only (a standby, or default_transaction_read_only): ${oneLine(err)}`, { cause: err });
    }
    if (isUnavailable(err) || isUnavailable(cause)) throw new StoreUnavailableError(`cannot reach PostgreSQL at ${target}: ${oneLine(err)}`, { cause: err });
    throw err;
  }

  const writer = createWriter(pool, target);
  const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: mappedPool(pool, target) }) });
  const reader = createReader(pool, target);
  const executions = createPgExecutionStore(reader, writer);
  const claims = createPgClaimStore(pool);
  const inspector = createPgInspectorStore(reader, writer, opts.inspectorKeep ?? INSPECTOR_KEEP);
  const dedicated = new Set<{ close(): Promise<void> }>();
  let closed = false;

  /** Direct pool calls (reads, claims) report a lost database as StoreUnavailableError too. */
  const mapped = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    try {
      return await fn(...a);
    } catch (err) {
      throw toStoreError(err, target);
    }
  };
  const wrapAll = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'function' ? mapped(v as () => Promise<unknown>) : v])) as T;

  return {
    dialect: 'postgres',
    pool,
    kysely,
    executions: wrapAll(executions),
    claims: wrapAll(claims),
    inspector: wrapAll(inspector),
    sync: async () => undefined, // synchronous_commit=on: every acknowledged write is already flushed
    compact: async () => ({ freedPages: 0 }), // autovacuum reclaims space
    async ping() {
      let row: { recovery: boolean; ro: string } | undefined;
      try {
        row = (await reader.query<{ recovery: boolean; ro: string }>(`SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS ro`)).rows[0];
      } catch (err) {
        // Readiness: whatever stops this trivial query means "cannot write now".
        throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`PostgreSQL at ${target} unavailable: ${oneLine(err)}`, { cause: err });
      }
      if (row?.recovery || row?.ro === 'on') throw new StoreUnavailableError(`PostgreSQL at ${target} is read-only (standby or read-only transactions)`);
    },
    stats: () => ({ ...writer.stats(), poolTotal: pool.totalCount, poolIdle: pool.idleCount, poolWaiting: pool.waitingCount }),
    listen: async (channels, handler, options) => {
      const l = await listen(config, channels, handler, { logger: log, ...options });
      dedicated.add(l);
      return { connected: l.connected, close: async () => (dedicated.delete(l), l.close()) };
    },
    notify: (channel, payloads) => mapped(notify)(pool, channel, payloads),
    advisoryLock: (key, onChange, options) => {
      const lock = advisoryLock(config, key, onChange, { logger: log, ...options });
      dedicated.add(lock);
      return { held: lock.held, close: async () => (dedicated.delete(lock), lock.close()) };
    },
    async close() {
      if (closed) return;
      closed = true;
      await writer.close();
      await Promise.all([...dedicated].map((d) => d.close()));
      await kysely.destroy(); // ends the pool when Kysely has used it
      if (!pool.ended) await pool.end();
    },
  };
}

/**
 * The pool as Kysely sees it, with connection-level failures of its queries turned into
 * StoreUnavailableError (so every repository, not just the hot path, answers 503 for them).
 * Kysely must not end the pool on destroy before our writer is drained: close() orders that.
 */
function mappedPool(pool: pg.Pool, target: string): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toStoreError(err, target);
      }
      let broken = false;
      const wrapped = {
        query: (...args: unknown[]) => {
          const r = (client.query as (...a: unknown[]) => unknown)(...args);
          // Kysely's streaming passes a Cursor, which returns itself rather than a promise.
          if (!(r instanceof Promise)) return r;
          return r.catch((err: unknown) => {
            broken ||= isUnavailable(err);
            throw toStoreError(err, target);
          });
        },
        // A FATAL (57P01) arrives before the socket closes: the client still looks healthy to
        // pg-pool, so it is destroyed here rather than handed to the next query.
        release: () => client.release(broken ? true : undefined),
      };
      return wrapped as unknown as PostgresPoolClient;
    },
    end: () => (pool.ended ? Promise.resolve() : pool.end()),
  };
}
