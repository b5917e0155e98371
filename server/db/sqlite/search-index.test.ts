/**
 * The SQLite search index (search-index.ts, search-indexer.ts, migration 018) against real files:
 * built by its worker from the queue, complete before the worker gets there (a fresh execution is
 * found by the scan of what is not indexed), resumed from its mark after a restart, rebuilt when
 * its file is gone, emptied of deleted executions, and removed when turned off.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { toSummary } from '../../services/execution.service.ts';
import { createExecutionQueryRepo } from '../repos/execution-query.repo.ts';
import type { IngestRequest } from '../store.ts';
import { openDatabase } from './connection.ts';
import { openSqliteStore, type SqliteStore } from './driver.ts';
import { searchFileOf } from './search-index.ts';

let dir: string;
let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const file = () => join(dir, 'db.sqlite');
/** `held`: the worker looks at the queue only once a minute, so what is queued stays unindexed. */
function open(o: { held?: boolean; searchIndex?: boolean } = {}): SqliteStore {
  return openSqliteStore(file(), { searchIndex: o.searchIndex ?? true, ...(o.held ? { indexer: { pollMs: 60_000 } } : { indexer: { pollMs: 10 } }) });
}
function fresh(o: { held?: boolean } = {}): SqliteStore {
  dir = mkdtempSync(join(tmpdir(), 'sy-search-'));
  const db = openDatabase(file());
  db.sqlite.prepare(`INSERT INTO workflows (id, name, version, nodes, edges, created_at, updated_at) VALUES ('wf_s', 's', 1, '[]', '[]', 0, 0)`).run();
  db.sqlite.close();
  return open(o);
}

const ingest = (id: string, body: string): IngestRequest => ({
  execution: { id, workflow_id: 'wf_s', workflow_version: 1, status: 'queued', mode: 'webhook', retry_of: null, error: null, created_at: 1, started_at: null, finished_at: null, wake_at: null },
  triggerStep: { execution_id: id, node_id: 'hook', iteration: '', status: 'success', attempts: 1, input: null, output: JSON.stringify({ body }), error: null, handle: null, truncated: 0, started_at: 1, finished_at: 1, resume_at: null },
});
const step = (id: string, output: string) => ({
  execution_id: id, node_id: 'crm', iteration: '', status: 'success', attempts: 1, input: null, output: JSON.stringify({ output }), error: null, handle: null, truncated: 0, started_at: 2, finished_at: 3, resume_at: null,
});
async function run(s: SqliteStore, id: string, body: string, output: string): Promise<void> {
  await s.executions.ingest(ingest(id, body));
  await s.executions.writeStep(step(id, output));
  await s.executions.finish(id, 'success', null, 4, 1);
}

/** The index's documents: execution id → doc id, read through the search reader. */
async function docs(s: SqliteStore): Promise<Record<string, number>> {
  const rows = await s.search!.kysely.selectFrom('search_docs' as never).select(['execution_id', 'doc'] as never[]).execute();
  return Object.fromEntries((rows as { execution_id: string; doc: number }[]).map((r) => [r.execution_id, r.doc]));
}
const find = async (s: SqliteStore, q: string) => (await createExecutionQueryRepo(s.kysely, toSummary, 'sqlite', s.search).list({ q, limit: 50 })).items.map((e) => e.id);
const until = async (fn: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 500; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
};
const queued = (s: SqliteStore) => (s.db.sqlite.prepare('SELECT count(*) AS n FROM execution_search_queue').get() as { n: number }).n;

describe('the SQLite search index', () => {
  it('is built by the worker: one document per finished execution, its trigger and steps together', async () => {
    store = fresh();
    await run(store, 'ex_a', 'alice@example.com', 'ord_1');
    await until(async () => 'ex_a' in (await docs(store!)));
    expect(await find(store, 'alice@example.com')).toEqual(['ex_a']);
    expect(await find(store, 'ord_1')).toEqual(['ex_a']);
    expect(Object.keys(await docs(store))).toEqual(['ex_a']);
    // The queue is trimmed to the row at the mark (kept so a new seq is always above it).
    await until(() => queued(store!) === 1);
  });

  it('finds a fresh execution at once, before the indexer gets to it, then from the index', async () => {
    store = fresh({ held: true });
    await until(() => store!.search!.isReady());
    await store.executions.ingest(ingest('ex_b', 'bob@example.com'));
    // Under way: found by its event (the scan of unfinished executions).
    expect(await find(store, 'bob@example.com')).toEqual(['ex_b']);
    await store.executions.writeStep(step('ex_b', 'ord_2'));
    await store.executions.finish('ex_b', 'success', null, 4, 1);
    // Ended but not indexed (the worker is held): found by the scan of the queue above the mark.
    expect(await docs(store)).toEqual({});
    expect(await find(store, 'bob@example.com')).toEqual(['ex_b']);
    expect(await find(store, 'ord_2')).toEqual(['ex_b']);
    expect(await find(store, 'carol@example.com')).toEqual([]);
    // A restart resumes from the mark (no rebuild: ex_b is indexed from the queue).
    await store.close();
    store = open();
    await until(async () => 'ex_b' in (await docs(store!)));
    expect(await find(store, 'ord_2')).toEqual(['ex_b']);
  });

  it('resumes from its mark after a restart, keeping what it had', async () => {
    store = fresh();
    // Built first (empty), so ex_c is indexed once, from the queue.
    await until(() => store!.search!.isReady());
    await run(store, 'ex_c', 'carol@example.com', 'ord_3');
    await until(async () => 'ex_c' in (await docs(store!)));
    const before = await docs(store);
    await store.close();
    store = open({ held: true });
    await run(store, 'ex_d', 'dave@example.com', 'ord_4');
    await store.close();
    store = open();
    await until(async () => 'ex_d' in (await docs(store!)));
    // ex_c keeps its document (a rebuild would have written it again, under a new id).
    expect((await docs(store)).ex_c).toBe(before.ex_c);
    expect(await find(store, 'dave@')).toEqual(['ex_d']);
  });

  it('is rebuilt from the executions when its file is gone', async () => {
    store = fresh();
    await run(store, 'ex_e', 'erin@example.com', 'ord_5');
    await run(store, 'ex_f', 'frank@example.com', 'ord_6');
    await until(async () => Object.keys(await docs(store!)).length === 2);
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(searchFileOf(file()) + suffix, { force: true });
    store = open();
    await until(async () => Object.keys(await docs(store!)).length === 2);
    expect(await find(store, 'example.com')).toEqual(['ex_f', 'ex_e']);
  });

  it('loses a deleted execution at once from the results, and its document soon after', async () => {
    store = fresh();
    await run(store, 'ex_g', 'gina@example.com', 'ord_7');
    await run(store, 'ex_h', 'hank@example.com', 'ord_8');
    await until(async () => Object.keys(await docs(store!)).length === 2);
    store.db.sqlite.prepare(`DELETE FROM executions WHERE id = 'ex_g'`).run();
    expect(await find(store, 'example.com')).toEqual(['ex_h']);
    await until(async () => !('ex_g' in (await docs(store!))));
    await store.compact();
    expect(Object.keys(await docs(store))).toEqual(['ex_h']);
    const match = await sql`SELECT rowid FROM execution_search WHERE execution_search MATCH '"gina@"'`.execute(store.search!.kysely);
    expect(match.rows).toEqual([]);
  });

  it('writes nothing for an ingest that was undone', async () => {
    store = fresh();
    // The second request repeats the first's id: the batch fails as a whole.
    await expect(store.executions.ingestMany([ingest('ex_i', 'ivy@example.com'), ingest('ex_i', 'ivy@example.com')])).rejects.toThrow();
    await run(store, 'ex_j', 'jo@example.com', 'ord_9');
    await until(async () => 'ex_j' in (await docs(store!)));
    expect(Object.keys(await docs(store))).toEqual(['ex_j']);
  });

  it('is removed, with its queue, when turned off (it would go stale)', async () => {
    store = fresh({ held: true });
    await run(store, 'ex_k', 'kim@example.com', 'ord_10');
    await store.close();
    expect(existsSync(searchFileOf(file()))).toBe(true);
    store = open({ searchIndex: false });
    expect(existsSync(searchFileOf(file()))).toBe(false);
    expect(queued(store)).toBe(0);
    expect(store.search).toBeUndefined();
    expect(await find(store, 'kim@example.com')).toEqual(['ex_k']);
  });
});
