/**
 * The PostgreSQL driver's own machinery, beyond the store port's contract (store.contract.test.ts):
 * error mapping, the batching writer on a lost connection, LISTEN reconnects, advisory locks.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePg, freshDatabase } from '../../../test/helpers/postgres.ts';
import { CHANNELS, StoreUnavailableError } from '../store.ts';
import { advisoryLock, lockKey } from './advisoryLock.ts';
import { openPostgresStore, type PostgresStore } from './driver.ts';
import { isUnavailable } from './errors.ts';
import { MAX_PAYLOAD_BYTES, pack, unpack } from './listen.ts';
import { createWriter } from './writer.ts';

describe('postgres driver without a server', () => {
  it('refuses to open with one line naming host:port/database', async () => {
    const err = await openPostgresStore('postgres://postgres@127.0.0.1:1/switchyard', { connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/^cannot reach PostgreSQL at 127\.0\.0\.1:1\/switchyard: .*ECONNREFUSED/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('classifies connection-level errors only', () => {
    const coded = (code: string, extra: object = {}) => Object.assign(new Error('x'), { code, ...extra });
    for (const e of [coded('ECONNREFUSED'), coded('57P01'), coded('57P03'), coded('08006'), coded('25006'), new Error('Connection terminated unexpectedly')]) {
      expect(isUnavailable(e)).toBe(true);
    }
    expect(isUnavailable(coded('ENOENT', { syscall: 'connect' }))).toBe(true);
    for (const e of [coded('23505'), coded('40P01'), coded('ENOENT', { syscall: 'open' }), new Error('syntax error')]) expect(isUnavailable(e)).toBe(false);
  });

  it('packs NOTIFY payloads into as few messages as fit under the limit', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `ex_${String(i).padStart(21, '0')}`);
    const packed = pack(ids);
    expect(packed.length).toBe(Math.ceil((ids.length * 25) / MAX_PAYLOAD_BYTES));
    for (const p of packed) expect(Buffer.byteLength(p)).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(packed.flatMap(unpack)).toEqual(ids);
    expect(() => pack(['x'.repeat(MAX_PAYLOAD_BYTES)])).toThrow(RangeError);
  });
});

describePg('postgres driver', () => {
  let db: { url: string; drop(): Promise<void> };
  let store: PostgresStore;
  beforeEach(async () => {
    db = await freshDatabase();
    store = await openPostgresStore(db.url, { applicationName: 'sy-test' });
    await store.kysely.insertInto('workflows').values({ id: 'wf', name: 'w', active: 1, version: 1, nodes: '[]', edges: '[]', settings: '{}', created_at: 1, updated_at: 1 }).execute();
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });
  /** Kills this database's other sessions matching `where` (as a server restart would). */
  const terminate = (where: string) =>
    store.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`);

  it('a connection lost mid-batch rejects every op of it as unavailable; nothing commits; then it recovers', async () => {
    const writer = createWriter(store.pool, 'test');
    const insert = writer.run(['a'], (tx) => tx.query(`INSERT INTO vault_meta (name, value) VALUES ('a', '1')`));
    const kill = writer.run(['b'], (tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())'));
    const settled = await Promise.allSettled([insert, kill]);
    for (const s of settled) expect(s.status === 'rejected' && s.reason instanceof StoreUnavailableError).toBe(true);
    expect((await store.pool.query(`SELECT 1 FROM vault_meta WHERE name = 'a'`)).rowCount).toBe(0);
    await writer.run(['a'], (tx) => tx.query(`INSERT INTO vault_meta (name, value) VALUES ('a', '2')`));
    expect((await store.pool.query(`SELECT value FROM vault_meta`)).rows).toEqual([{ value: '2' }]);
    await writer.close();
  });

  it('Kysely queries on a dropped connection fail as StoreUnavailableError', async () => {
    const slow = sql`SELECT pg_sleep(10)`.execute(store.kysely).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await terminate(`query LIKE 'SELECT pg_sleep%'`);
    expect(await slow).toBeInstanceOf(StoreUnavailableError);
    await store.ping();
  });

  it('ping and writes fail as unavailable on a read-only database, and open says read-only', async () => {
    const name = (await store.pool.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    await store.pool.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} SET default_transaction_read_only = on`);
    // Sessions read the setting when they start: end them all, this one too.
    await terminate('true');
    await store.pool.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    const r = { id: 'ex_1', workflow_id: 'wf', workflow_version: 1, status: 'queued', mode: 'm', retry_of: null, error: null, created_at: 1, started_at: null, finished_at: null, wake_at: null };
    const step = { execution_id: 'ex_1', node_id: 't', iteration: '', status: 'success', attempts: 0, input: null, output: null, error: null, handle: null, truncated: 0, started_at: null, finished_at: null, resume_at: null };
    await expect(store.executions.ingest({ execution: r, triggerStep: step })).rejects.toBeInstanceOf(StoreUnavailableError);
    const err = await openPostgresStore(db.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/is read-only/);
  });

  it('LISTEN reconnects after the session is killed, says so, and delivers again', async () => {
    const got: string[] = [];
    let reconnects = 0;
    const l = await store.listen([CHANNELS.events], (_ch, payload) => got.push(...unpack(payload)), { onReconnect: () => reconnects++ });
    try {
      const ids = Array.from({ length: 2_000 }, (_, i) => `ex_${i}`);
      await store.notify(CHANNELS.events, ids);
      await until(() => got.length === ids.length);
      expect(got).toEqual(ids);
      await terminate(`query LIKE 'LISTEN%'`);
      await until(() => reconnects === 1);
      expect(l.connected()).toBe(true);
      await store.notify(CHANNELS.events, ['after']);
      await until(() => got.at(-1) === 'after');
    } finally {
      await l.close();
    }
  });

  it('an advisory lock is held by one session; losing the session reports false and one session takes it again', async () => {
    const key = lockKey(`test:${db.url}`);
    const events: string[] = [];
    const a = advisoryLock({ connectionString: db.url }, key, (h) => events.push(`a:${h}`), { intervalMs: 100 });
    await until(() => a.held());
    const b = advisoryLock({ connectionString: db.url }, key, (h) => events.push(`b:${h}`), { intervalMs: 100 });
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect(b.held()).toBe(false);
      const { rows } = await store.pool.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(rows).toHaveLength(1);
      await store.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      // a learns it lost the lock; then exactly one of the two takes it again (a, reconnecting, may
      // win the race against b's retry: either is right, two holders never are).
      await until(() => events.includes('a:false') && a.held() !== b.held(), 20_000);
      expect(events[0]).toBe('a:true');
      await new Promise((r) => setTimeout(r, 400));
      expect(a.held() !== b.held()).toBe(true);
      const after = await store.pool.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(after.rows).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
