/**
 * kill -9 in the middle of a 200-item flow.forEach, then a restart: every item's request arrives,
 * an item whose step was recorded before the kill is never sent again, the retried ones carry the
 * same Idempotency-Key (`<execution>.<node>.<index>`), and `done` has all 200 results in order.
 * Runs on SQLite and (postgres project) PostgreSQL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discardData, openStoreAt, until } from '../helpers/boot.ts';
import { ownerKey, processApi, startServerProcess, type ServerProcess } from '../helpers/process.ts';
import { startSink } from '../helpers/sink.ts';

const ITEMS = 200;
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-loop-crash-'));
let proc: ServerProcess | undefined;
const sink = await startSink(async (req) => {
  await new Promise((r) => setTimeout(r, 15));
  return { status: 200, body: { sku: (req.json as { sku: string }).sku } };
});

afterAll(async () => {
  proc?.child.kill('SIGKILL');
  await sink.close();
  await proc?.exited;
  await discardData(dataDir);
});

describe('a loop killed mid-way', () => {
  it('finishes after a restart, sending every item once its step was recorded', async () => {
    const env = { DATA_DIR: dataDir, EXECUTION_LEASE_SECONDS: '2' };
    proc = await startServerProcess(env, { bundle: true });
    const key = await ownerKey(proc.base);
    const api = processApi(() => proc!, key);

    const wf = await api('/api/workflows', {
      name: 'long loop',
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'lines', type: 'flow.forEach', config: { items: 'trigger.lines', concurrency: 4 } },
        { id: 'post', type: 'action.http', config: { method: 'POST', url: `${sink.url}/line`, body: { sku: '{{ item.sku }}' } } },
      ],
      edges: [
        { id: 'a', source: 'start', target: 'lines' },
        { id: 'b', source: 'lines', target: 'post', sourceHandle: 'each' },
      ],
    });
    const lines = Array.from({ length: ITEMS }, (_, i) => ({ sku: `sku-${i}` }));
    const { executionId } = await api(`/api/workflows/${wf.id}/run`, { payload: { lines } });
    await until(() => sink.requests.length >= 60, 20_000);
    proc.child.kill('SIGKILL');
    await proc.exited;

    const store = await openStoreAt(dataDir);
    const before = await store.kysely.selectFrom('steps').select(['iteration', 'status']).where('execution_id', '=', executionId).where('node_id', '=', 'post').execute();
    await store.close();
    const recorded = before.filter((s) => s.status === 'success').map((s) => s.iteration);
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.length).toBeLessThan(ITEMS); // the kill really came mid-loop

    proc = await startServerProcess(env, { bundle: true });
    const done = await until(async () => {
      const e = await api(`/api/executions/${executionId}`);
      return e.status === 'success' || e.status === 'error' ? e : undefined;
    }, 60_000, 200);
    expect(done.status).toBe('success');

    const hits = new Map<string, number>();
    for (const r of sink.requests) {
      const k = r.headers['idempotency-key'] as string;
      hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    const keyOf = (i: number | string) => `${executionId}.post.${i}`;
    // Every item reached the sink; those recorded before the kill exactly once.
    for (let i = 0; i < ITEMS; i++) expect(hits.get(keyOf(i)), `item ${i}`).toBeGreaterThanOrEqual(1);
    for (const i of recorded) expect(hits.get(keyOf(i)), `item ${i} was recorded before the kill`).toBe(1);
    expect([...hits.keys()].every((k) => k.startsWith(`${executionId}.post.`))).toBe(true);

    const loop = done.steps.find((s: { nodeId: string; iteration?: string }) => s.nodeId === 'lines' && !s.iteration);
    expect(loop.output.succeeded).toBe(ITEMS);
    expect(loop.output.results.map((r: { body: { sku: string } }) => r.body.sku)).toEqual(lines.map((l) => l.sku));
    const iterations = done.steps.filter((s: { nodeId: string }) => s.nodeId === 'post').map((s: { iteration: string }) => s.iteration);
    expect(iterations).toEqual(Array.from({ length: ITEMS }, (_, i) => String(i)));
    console.log(`loop-crash: ${recorded.length} of ${ITEMS} items recorded at the kill, ${sink.requests.length} requests in all, finished after restart`);
  }, 120_000);
});
