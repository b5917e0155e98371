/**
 * The SQLite search index's write path (execution-store.ts, migration 009): which documents an
 * execution gets and when, against a real database file — the trigger's output at ingest, the other
 * outputs at finish, nothing for an ingest that was undone, a lost trigger document made good at
 * finish, and the waiting documents written by close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestRequest } from '../store.ts';
import { openDatabase } from './connection.ts';
import { openSqliteStore, type SqliteStore } from './driver.ts';

let dir: string;
let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function open(): SqliteStore {
  dir ??= mkdtempSync(join(tmpdir(), 'sy-search-'));
  return openSqliteStore(join(dir, 'db.sqlite'));
}
function fresh(): SqliteStore {
  dir = mkdtempSync(join(tmpdir(), 'sy-search-'));
  const db = openDatabase(join(dir, 'db.sqlite'));
  db.sqlite.prepare(`INSERT INTO workflows (id, name, version, nodes, edges, created_at, updated_at) VALUES ('wf_s', 's', 1, '[]', '[]', 0, 0)`).run();
  db.sqlite.close();
  return open();
}

const ingest = (id: string, body: string): IngestRequest => ({
  execution: { id, workflow_id: 'wf_s', workflow_version: 1, status: 'queued', mode: 'webhook', retry_of: null, error: null, created_at: 1, started_at: null, finished_at: null, wake_at: null },
  triggerStep: { execution_id: id, node_id: 'hook', iteration: '', status: 'success', attempts: 1, input: null, output: JSON.stringify({ body }), error: null, handle: null, truncated: 0, started_at: 1, finished_at: 1, resume_at: null },
});
const step = (id: string, output: string) => ({
  execution_id: id, node_id: 'crm', iteration: '', status: 'success', attempts: 1, input: null, output: JSON.stringify({ output }), error: null, handle: null, truncated: 0, started_at: 2, finished_at: 3, resume_at: null,
});

/** The documents of `id`: [trigger_node, body] in the order written. */
function docs(s: SqliteStore, id: string): [string | null, string][] {
  return (
    s.db.sqlite
      .prepare('SELECT d.trigger_node AS node, f.body AS body FROM execution_search_docs d JOIN execution_search f ON f.rowid = d.doc WHERE d.execution_id = ? ORDER BY d.doc')
      .all(id) as { node: string | null; body: string }[]
  ).map((r) => [r.node, r.body]);
}
const until = async (fn: () => boolean) => {
  for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('search documents on SQLite', () => {
  it('indexes the trigger at ingest and the other outputs once at finish', async () => {
    store = fresh();
    await store.executions.ingest(ingest('ex_a', 'alice@example.com'));
    await until(() => docs(store!, 'ex_a').length === 1);
    expect(docs(store, 'ex_a')).toEqual([['hook', '{"body":"alice@example.com"}']]);
    await store.executions.writeStep(step('ex_a', 'ord_1'));
    await store.executions.finish('ex_a', 'success', null, 4, 1);
    await until(() => docs(store!, 'ex_a').length === 2);
    // The trigger's output is not indexed twice.
    expect(docs(store, 'ex_a')).toEqual([['hook', '{"body":"alice@example.com"}'], [null, '{"output":"ord_1"}']]);
    // A finish that changes nothing (already final) adds nothing.
    expect(await store.executions.finish('ex_a', 'error', null, 5, 1)).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(docs(store, 'ex_a')).toHaveLength(2);
  });

  it('indexes the trigger with the outputs when its own document was lost', async () => {
    store = fresh();
    await store.executions.ingest(ingest('ex_b', 'bob@example.com'));
    await until(() => docs(store!, 'ex_b').length === 1);
    // As a crash between the ingest's commit and its document's would leave it.
    store.db.sqlite.exec(`DELETE FROM execution_search WHERE rowid IN (SELECT doc FROM execution_search_docs WHERE execution_id = 'ex_b'); DELETE FROM execution_search_docs WHERE execution_id = 'ex_b'`);
    await store.executions.writeStep(step('ex_b', 'ord_2'));
    await store.executions.finish('ex_b', 'success', null, 4, 1);
    await until(() => docs(store!, 'ex_b').length === 1);
    const [[node, body]] = docs(store, 'ex_b') as [[string | null, string]];
    expect(node).toBeNull();
    expect(body.split('\n').sort()).toEqual(['{"body":"bob@example.com"}', '{"output":"ord_2"}']);
  });

  it('writes no document for an ingest that was undone', async () => {
    store = fresh();
    // The second request repeats the first's id: the batch fails as a whole.
    await expect(store.executions.ingestMany([ingest('ex_c', 'carol@example.com'), ingest('ex_c', 'carol@example.com')])).rejects.toThrow();
    await store.executions.ingest(ingest('ex_d', 'dave@example.com'));
    await until(() => docs(store!, 'ex_d').length === 1);
    expect(docs(store, 'ex_c')).toEqual([]);
    expect(store.db.sqlite.prepare(`SELECT count(*) AS n FROM execution_search_docs`).get()).toEqual({ n: 1 });
  });

  it('writes the waiting documents when the store closes', async () => {
    store = fresh();
    await store.executions.ingest(ingest('ex_e', 'erin@example.com'));
    await store.close();
    store = open();
    expect(docs(store, 'ex_e')).toEqual([['hook', '{"body":"erin@example.com"}']]);
  });
});
