/**
 * Issue 12's row: a 1,000-item flow.forEach with one transform per item, items per second, against
 * a baseline measured in the same run on the same server: the same 1,000 transforms as 1,000
 * separate manual executions (what a loop saves a user from). Times are the server's own
 * (startedAt → finishedAt of the executions), best of three after a warm-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKey, startSwitchyard } from './lib.ts';

type Add = (scenario: string, metric: string, value: number | string, aim?: string) => void;
const ITEMS = 1000;

export async function runLoopBench(add: Add, env: Record<string, string> = {}, label = '7. loops'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-loop-'));
  const sy = await startSwitchyard({ DATA_DIR: dir, LOG_LEVEL: 'warn', ...env });
  try {
    const base = `http://127.0.0.1:${sy.port}`;
    const key = await apiKey(base);
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => (await fetch(base + path, { method: 'POST', headers: h, body: JSON.stringify(body) })).json() as Promise<any>;
    const get = async (path: string) => (await fetch(base + path, { headers: h })).json() as Promise<any>;
    const finished = async (id: string) => {
      for (;;) {
        const e = await get(`/api/executions/${id}`);
        if (e.status === 'success' || e.status === 'error') return e;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const transform = { id: 'shape', type: 'data.transform', config: { expression: '{ "sku": input.sku, "total": input.qty * input.price }' } };
    const loop = await post('/api/workflows', {
      name: 'loop bench',
      nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { id: 'lines', type: 'flow.forEach', config: { items: 'trigger.lines', maxItems: ITEMS } }, transform],
      edges: [
        { id: 'a', source: 'start', target: 'lines' },
        { id: 'b', source: 'lines', target: 'shape', sourceHandle: 'each' },
      ],
    });
    const single = await post('/api/workflows', {
      name: 'one item bench',
      nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { ...transform, config: { expression: '{ "sku": trigger.sku, "total": trigger.qty * trigger.price }' } }],
      edges: [{ id: 'a', source: 'start', target: 'shape' }],
    });
    const lines = Array.from({ length: ITEMS }, (_, i) => ({ sku: `sku-${i}`, qty: (i % 7) + 1, price: 9.5 }));

    const loopOnce = async () => {
      const e = await finished((await post(`/api/workflows/${loop.id}/run`, { payload: { lines } })).executionId);
      if (e.status !== 'success') throw new Error(`loop bench run failed: ${JSON.stringify(e.error)}`);
      return ITEMS / ((Date.parse(e.finishedAt) - Date.parse(e.startedAt)) / 1000);
    };
    const separateOnce = async () => {
      const ids: string[] = [];
      for (let i = 0; i < ITEMS; i += 50) {
        ids.push(...(await Promise.all(lines.slice(i, i + 50).map(async (l) => (await post(`/api/workflows/${single.id}/run`, { payload: l })).executionId as string))));
      }
      const all = await Promise.all(ids.map(finished));
      const start = Math.min(...all.map((e) => Date.parse(e.createdAt)));
      const end = Math.max(...all.map((e) => Date.parse(e.finishedAt)));
      return ITEMS / ((end - start) / 1000);
    };
    await loopOnce(); // warm-up: JIT, expression compile
    const loopRates = [await loopOnce(), await loopOnce(), await loopOnce()];
    await separateOnce();
    const separateRates = [await separateOnce(), await separateOnce(), await separateOnce()];
    const best = Math.round(Math.max(...loopRates));
    const baseline = Math.round(Math.max(...separateRates));
    add(label, `${ITEMS.toLocaleString('en')}-item loop, one transform each: items/s`, best, '≥ 5,000');
    add(label, `baseline: ${ITEMS.toLocaleString('en')} separate executions of that transform/s`, baseline);
    add(label, 'loop ÷ baseline', `${(best / baseline).toFixed(1)}×`);
    const detail = await get(`/api/executions/${(await post(`/api/workflows/${loop.id}/run`, { payload: { lines } })).executionId}`);
    const stored = await finished(detail.id);
    add(label, 'detail JSON of a 1,000-item run, KB', Math.round(JSON.stringify(stored).length / 1024));
  } finally {
    await sy.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
