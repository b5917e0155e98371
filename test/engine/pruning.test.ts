/** Retention: executions pruned by count per workflow and by age, and the database file really shrinks. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { boot, onPostgres, sqliteOf, until, type Booted } from '../helpers/boot.ts';

let sy: Booted | undefined;
afterEach(async () => {
  await sy?.close();
  sy = undefined;
});

async function hookWorkflow(b: Booted) {
  const wf = await b.api('/api/workflows', {
    body: { name: 'p', nodes: [{ id: 'hook', type: 'trigger.webhook', config: {} }, { id: 'x', type: 'data.transform', config: { expression: 'input.body' } }], edges: [{ id: 'e', source: 'hook', target: 'x' }] },
  });
  const act = await b.api(`/api/workflows/${wf.body.id}/activate`, { method: 'POST' });
  return { id: wf.body.id as string, url: act.body.triggers[0].url as string };
}

async function fire(url: string, n: number, body: unknown) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    ids.push(((await r.json()) as any).executionId);
  }
  return ids;
}

describe('pruning', () => {
  it('keeps at most N executions per workflow, newest first', async () => {
    sy = await boot({ env: { EXECUTIONS_MAX_PER_WORKFLOW: '5' } });
    const { id, url } = await hookWorkflow(sy);
    const ids = await fire(url, 12, { a: 1 });
    await sy.app.queue.idle();
    const { deleted } = await sy.app.pruneNow();
    expect(deleted).toBe(7);
    const left = await sy.api(`/api/executions?workflowId=${id}&limit=50`);
    expect(left.body.items.map((e: any) => e.id)).toEqual(ids.slice(-5).reverse());
  });

  // SQLite only: the file sizes, the WAL and incremental vacuum are SQLite's. On PostgreSQL
  // autovacuum reclaims the space; the next test is its counterpart.
  it.skipIf(onPostgres)('prunes by age, and incremental vacuum plus a WAL checkpoint shrink the files', async () => {
    sy = await boot({ env: { EXECUTIONS_MAX_AGE_DAYS: '0' } });
    const { url } = await hookWorkflow(sy);
    await fire(url, 60, { blob: 'x'.repeat(40_000) });
    await until(async () => (await sy!.api('/api/executions?status=success&limit=200')).body.items.length === 60, 20_000);
    const dbFile = join(sy.dataDir, 'switchyard.db');
    // The search indexer (a worker thread) reads this file: a checkpoint that meets its snapshot is
    // busy and copies nothing yet, so it is repeated until it went through.
    await until(() => (sqliteOf(sy!.app).pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy === 0, 20_000, 100);
    const before = statSync(dbFile).size;
    const { deleted } = await sy.app.pruneNow();
    expect(deleted).toBe(60);
    const after = statSync(dbFile).size;
    const wal = statSync(`${dbFile}-wal`).size;
    expect(after).toBeLessThan(before / 4);
    expect(wal).toBe(0);
    console.log(`pruning: ${deleted} executions, database ${before} → ${after} bytes, WAL ${wal} bytes`);
  });

  it.runIf(onPostgres)('PostgreSQL mode: prunes by age, deleting executions with their steps; compact frees no pages (autovacuum reclaims space)', async () => {
    sy = await boot({ env: { EXECUTIONS_MAX_AGE_DAYS: '0' } });
    const { url } = await hookWorkflow(sy);
    const ids = await fire(url, 20, { blob: 'x'.repeat(4000) });
    await until(async () => (await sy!.api('/api/executions?status=success&limit=200')).body.items.length === 20, 20_000);
    const db = sy.app.store.kysely;
    const count = async (table: 'executions' | 'steps') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(await count('steps')).toBe(40);
    const { deleted, freedPages } = await sy.app.pruneNow();
    expect({ deleted, freedPages }).toEqual({ deleted: 20, freedPages: 0 });
    expect(await count('executions')).toBe(0);
    expect(await count('steps')).toBe(0);
    expect((await sy.api(`/api/executions/${ids[0]}`)).status).toBe(404);
  });
});
