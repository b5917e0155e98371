/**
 * The hot statements of the shared queue stay primary-key and index walks however stale the
 * statistics are. A new database is where it goes wrong: statistics taken while the tables were
 * small (or plans cached then) made PostgreSQL pick sequential scans and a sort of the whole
 * backlog, 5–50 ms per batch at 20,000 rows (see migration 002 and the driver's plan_cache_mode).
 * Here the statistics and the cached plans are made on 100 finished executions, then 20,000
 * queued ones arrive; each statement must then read tens of rows, not thousands (counted by
 * PostgreSQL itself).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePg, freshDatabase } from '../../../test/helpers/postgres.ts';
import { clientConfig, openPostgresStore } from './driver.ts';
import { CLAIM, CLAIMED_STEPS, UPDATE_EXECUTIONS } from './execution-store.ts';

const BACKLOG = 20_000;

describePg('postgres hot statements under stale statistics', () => {
  let db: { url: string; drop(): Promise<void> };
  let client: pg.Client;
  const insert = (prefix: string, status: string, from: number, n: number) =>
    client.query(
      `WITH e AS (
         INSERT INTO executions (id, workflow_id, workflow_version, status, mode, created_at, fence)
         SELECT $1 || lpad(g::text, 6, '0'), 'wf', 1, $2, 'webhook', g, 0 FROM generate_series($3::int, $3::int + $4::int - 1) g
         RETURNING id)
       INSERT INTO steps (execution_id, node_id, status, attempts, truncated) SELECT id, 'hook', 'success', 1, 0 FROM e`,
      [prefix, status, from, n],
    );
  /**
   * Rows PostgreSQL read from `table` while running `text`, in a transaction rolled back after.
   * pg_stat_xact_* also shows earlier transactions' counts not yet flushed, so it is read before
   * and after the statement: nothing is flushed inside a transaction, so the difference is exact.
   */
  async function rowsRead(table: string, name: string, text: string, values: unknown[]): Promise<number> {
    const counted = async () =>
      Number(
        (
          await client.query<{ n: string }>(
            `SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::text AS n FROM pg_stat_xact_user_tables WHERE relname = $1`,
            [table],
          )
        ).rows[0]!.n,
      );
    await client.query('BEGIN');
    try {
      const before = await counted();
      await client.query({ name, text, values });
      return (await counted()) - before;
    } finally {
      await client.query('ROLLBACK');
    }
  }
  const ids = (prefix: string, from: number, n: number) => Array.from({ length: n }, (_, i) => prefix + String(from + i).padStart(6, '0'));
  const finish = (list: string[]) => JSON.stringify(list.map((id) => ({ id, op: 'finish', status: 'success', error: null, at: 9, started_at: 9 })));

  beforeAll(async () => {
    db = await freshDatabase();
    (await openPostgresStore(db.url)).close(); // migrated, as a server would leave it
    // The store's own session settings (clientConfig), as every pooled connection has them.
    client = new pg.Client(clientConfig(db.url));
    await client.connect();
    await client.query(`INSERT INTO workflows (id, name, active, version, nodes, edges, created_at, updated_at) VALUES ('wf', 'w', 1, 1, '[]', '[]', 1, 1)`);
    await insert('done', 'success', 1, 100);
    await client.query('ANALYZE executions; ANALYZE steps');
    // Enough runs on the small tables for PostgreSQL to settle on a cached (generic) plan.
    for (let i = 0; i < 8; i++) {
      await rowsRead('executions', 'claim', CLAIM, ['warm', 0, 10, 1000]);
      await rowsRead('steps', 'steps', CLAIMED_STEPS, [ids('done', 1 + i * 10, 10)]);
      await rowsRead('executions', 'update', UPDATE_EXECUTIONS, [finish(ids('done', 1 + i * 10, 10)), ids('done', 1 + i * 10, 10)]);
    }
    await insert('q', 'queued', 1_001, BACKLOG);
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('a claim walks the claimable index in order and stops at its limit', async () => {
    // Earlier claims in this test leave leases; each measured claim is rolled back anyway.
    const read = await rowsRead('executions', 'claim', CLAIM, ['w1', 2_000_000, 10, 1000]);
    expect(read).toBeGreaterThanOrEqual(10);
    expect(read).toBeLessThan(200);
  });

  it('the steps of claimed executions are read by key', async () => {
    const read = await rowsRead('steps', 'steps', CLAIMED_STEPS, [ids('q', 5_000, 15)]);
    expect(read).toBe(15);
  });

  it('a batch of execution updates finds its rows by primary key', async () => {
    const list = ids('q', 7_000, 12);
    const read = await rowsRead('executions', 'update', UPDATE_EXECUTIONS, [finish(list), list]);
    expect(read).toBeGreaterThanOrEqual(12);
    expect(read).toBeLessThan(200);
  });

  it('a claim passes over a limited workflow’s full groups without reading their backlog', async () => {
    // Two groups (settings.concurrency, migration 013), each full (2 of limit 2 leased) with 2,500
    // waiting, older than the whole unlimited backlog: the claim takes unlimited executions and
    // reads tens of rows, not the 5,000 waiting ones.
    await client.query(
      `INSERT INTO executions (id, workflow_id, workflow_version, status, mode, created_at, fence, concurrency_key, concurrency_limit, lease_owner, lease_until)
       SELECT 'lim' || lpad(g::text, 6, '0'), 'wf', 1, 'queued', 'webhook', 200 + g, 0, 'wf:' || (g % 2), 2,
              CASE WHEN g < 4 THEN 'other' END, CASE WHEN g < 4 THEN 9000000000 END
         FROM generate_series(0, 5003) g`,
    );
    try {
      const claimedIds = async () => {
        await client.query('BEGIN');
        try {
          return (await client.query<{ id: string }>({ name: 'claim', text: CLAIM, values: ['w2', 2_000_000, 10, 1000] })).rows.map((r) => r.id);
        } finally {
          await client.query('ROLLBACK');
        }
      };
      expect((await claimedIds()).every((id) => id.startsWith('q'))).toBe(true);
      const read = await rowsRead('executions', 'claim', CLAIM, ['w2', 2_000_000, 10, 1000]);
      expect(read).toBeGreaterThanOrEqual(10);
      expect(read).toBeLessThan(200);
    } finally {
      await client.query(`DELETE FROM executions WHERE id LIKE 'lim%'`);
    }
  });
});
