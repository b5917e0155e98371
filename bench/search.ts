/**
 * Issue 13's search row: `GET /api/executions?q=<email>` over 100,000 executions, p95 latency.
 * A server creates the workflow and the API key and stops; 100,000 finished executions are then
 * written straight through the SQLite execution store (the same ingest, step write and finish the
 * engine uses, so the search index is filled the way a running server fills it, minus the HTTP);
 * a restarted server answers the searches over HTTP, one at a time, once its indexer (a worker
 * thread) has caught up — so what is timed is the index, not the scan of what it has not reached.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../server/db/sqlite/driver.ts';
import { searchFileOf } from '../server/db/sqlite/search-index.ts';
import { newId } from '../server/lib/ids.ts';
import { apiKey, percentile, startSwitchyard } from './lib.ts';

type Add = (scenario: string, metric: string, value: number | string, aim?: string) => void;
const BATCH = 1000;

const email = (i: number) => `customer${i}@shop${i % 97}.example.com`;

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
async function indexCaughtUp(file: string): Promise<number> {
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

export async function runSearchBench(add: Add, opts: { executions?: number; queries?: number } = {}, label = '8. search'): Promise<void> {
  const n = opts.executions ?? 100_000;
  const queries = opts.queries ?? 300;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-search-'));
  const file = join(dir, 'switchyard.db');
  try {
    let sy = await startSwitchyard({ DATA_DIR: dir, LOG_LEVEL: 'warn', EXECUTION_SEARCH_INDEX: 'on' });
    const base = () => `http://127.0.0.1:${sy.port}`;
    const key = await apiKey(base());
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const wf = (await (
      await fetch(`${base()}/api/workflows`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ name: 'orders', nodes: [{ id: 'hook', type: 'trigger.webhook', config: {} }, { id: 'crm', type: 'data.transform', config: { expression: 'input' } }], edges: [{ id: 'e', source: 'hook', target: 'crm' }] }),
      })
    ).json()) as { id: string };
    await sy.stop();

    const seconds = await seedExecutions(file, wf.id, n);
    add(label, `seed ${n.toLocaleString('en')} executions (store ingest + step + finish) s`, Math.round(seconds * 10) / 10);
    sy = await startSwitchyard({ DATA_DIR: dir, LOG_LEVEL: 'warn', EXECUTION_SEARCH_INDEX: 'on' });
    add(label, 'indexer caught up (and merged) after the restart, s', Math.round((await indexCaughtUp(file)) * 10) / 10);
    add(label, 'bytes per execution: database / index file', `${Math.round(statSync(file).size / n)} / ${Math.round(statSync(searchFileOf(file)).size / n)}`);
    const timed = async (params: Record<string, string>) => {
      const t = performance.now();
      const r = await fetch(`${base()}/api/executions?${new URLSearchParams(params)}`, { headers: h });
      const body = (await r.json()) as { items: { id: string }[] };
      if (r.status !== 200) throw new Error(`search answered ${r.status}: ${JSON.stringify(body)}`);
      return { ms: performance.now() - t, hits: body.items.length };
    };
    const run = async (make: (k: number) => Record<string, string>, expectHits?: number) => {
      for (let k = 0; k < 20; k++) await timed(make(k)); // warm-up
      const times: number[] = [];
      for (let k = 0; k < queries; k++) {
        const { ms, hits } = await timed(make(k));
        if (hits === 0 || (expectHits !== undefined && hits !== expectHits)) throw new Error(`expected ${expectHits} hits, got ${hits} for ${JSON.stringify(make(k))}`);
        times.push(ms);
      }
      const f = (v: number) => Math.round(v * 10) / 10;
      return `${f(percentile(times, 50))} / ${f(percentile(times, 95))} / ${f(percentile(times, 99))}`;
    };
    const pick = (k: number) => (k * 7_919 + 13) % n;
    add(label, 'email in a webhook body: p50 / p95 / p99 ms', await run((k) => ({ q: email(pick(k)) }), 1), 'p95 ≤ 50');
    add(label, 'email typed in part (first 12 chars): p50 / p95 / p99 ms', await run((k) => ({ q: email(pick(k)).slice(0, 12), limit: '50' })));
    add(label, 'email + status=success + workflowId: p50 / p95 / p99 ms', await run((k) => ({ q: email(pick(k) - (pick(k) % 10) + 1), status: 'success', workflowId: wf.id }), 1));
    add(label, 'a step-output value (contactId): p50 / p95 / p99 ms', await run((k) => ({ q: `ct_${(pick(k) * 7919).toString(36)}` })));
    add(label, `a domain in ~${Math.round(n / 97).toLocaleString('en')} bodies, first page of 50: p50 / p95 / p99 ms`, await run((k) => ({ q: `@shop${k % 97}.example.com`, limit: '50' }), 50));
    await sy.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
