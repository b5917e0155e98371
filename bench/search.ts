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
import { searchFileOf } from '../server/db/sqlite/search-index.ts';
import { email, indexCaughtUp, seedExecutions } from '../test/helpers/search-seed.ts';
import { apiKey, percentile, startSwitchyard } from './lib.ts';

type Add = (scenario: string, metric: string, value: number | string, aim?: string) => void;
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
