/**
 * Many finished executions written straight through the SQLite execution store (the same ingest,
 * step write and finish the engine uses, so the search index is filled the way a running server
 * fills it, minus the HTTP): the search bench (bench/search.ts) and the search-at-scale test share it.
 */
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../server/db/sqlite/driver.ts';
import { searchFileOf } from '../../server/db/sqlite/search-index.ts';
import { newId } from '../../server/lib/ids.ts';

const BATCH = 1000;

/** The email in execution `i`'s webhook body: one per execution, 97 domains. */
export const email = (i: number) => `customer${i}@shop${i % 97}.example.com`;

/** What a webhook trigger stores: the request as the step's output (JSON). */
function triggerOutput(i: number): string {
  return JSON.stringify({
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json', 'user-agent': 'shop-backend/2.3', 'x-request-id': `req-${i.toString(36)}` },
    query: {},
    body: { event: 'order.created', email: email(i), orderId: `ord_${i}`, total: (i % 500) + 0.99, items: [{ sku: `sku-${i % 313}`, qty: (i % 4) + 1 }] },
  });
}

/** Writes `n` finished two-step executions of `workflowId`, spread over the last `n` seconds. */
export async function seedExecutions(file: string, workflowId: string, n: number): Promise<number> {
  const store = openSqliteStore(file, { searchIndex: true });
  const began = performance.now();
  const start = Date.now() - n * 1000;
  try {
    for (let b = 0; b < n; b += BATCH) {
      const reqs = [];
      for (let i = b; i < Math.min(n, b + BATCH); i++) {
        const at = start + i * 1000;
        const id = newId('ex', at);
        reqs.push({
          execution: { id, workflow_id: workflowId, workflow_version: 1, status: 'queued', mode: 'webhook', retry_of: null, error: null, created_at: at, started_at: null, finished_at: null, wake_at: null, summary: `email: ${email(i)}` },
          triggerStep: { execution_id: id, node_id: 'hook', iteration: '', status: 'success', attempts: 1, input: null, output: triggerOutput(i), error: null, handle: null, truncated: 0, started_at: at, finished_at: at, resume_at: null },
        });
      }
      await store.executions.ingestMany(reqs);
      await Promise.all(
        reqs.map(async ({ execution: e }, k) => {
          const i = b + k;
          await store.executions.writeStep({
            execution_id: e.id, node_id: 'crm', iteration: '', status: 'success', attempts: 1, input: null,
            output: JSON.stringify({ status: 200, body: { contactId: `ct_${(i * 7919).toString(36)}`, tier: i % 3 ? 'basic' : 'gold' } }),
            error: null, handle: null, truncated: 0, started_at: e.created_at, finished_at: e.created_at + 3, resume_at: null,
          });
          await store.executions.finish(e.id, i % 10 ? 'success' : 'error', null, e.created_at + 4, e.created_at);
        }),
      );
    }
  } finally {
    await store.close();
  }
  return (performance.now() - began) / 1000;
}

/**
 * Waits until the index of `file` is built and holds every execution queued, and its idle merges
 * are over (nothing committed to it for 2 s); returns the seconds waited.
 */
export async function indexCaughtUp(file: string): Promise<number> {
  const began = performance.now();
  const db = new Database(searchFileOf(file), { readonly: true });
  db.prepare('ATTACH DATABASE ? AS ex').run(file);
  const done = db.prepare('SELECT s.ready = 1 AND s.mark >= (SELECT coalesce(max(seq), 0) FROM ex.execution_search_queue) FROM search_state s').pluck();
  try {
    while (!done.get()) await new Promise((r) => setTimeout(r, 50));
    const version = () => db.pragma('data_version', { simple: true });
    for (let last = version(), quiet = 0; quiet < 4; ) {
      await new Promise((r) => setTimeout(r, 500));
      const now = version();
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
  } finally {
    db.close();
  }
  return (performance.now() - began) / 1000;
}

