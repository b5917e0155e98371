/**
 * PostgreSQL stopped and started again under load (issue 11), on a private throwaway cluster of
 * this test's own (the shared server is never stopped): while the database is down, /hooks answers
 * 503 with Retry-After — never a 202 for something not committed — and readiness says not ready;
 * when it is back, the process recovers by itself (202s again, ready again), and every webhook
 * that got a 202, before or after the outage, exists and finishes.
 */
import { afterAll, expect, it } from 'vitest';
import { describePg } from '../helpers/postgres.ts';
import {
  canStartPrivatePostgres,
  sendHooks,
  sleep,
  startPrivatePostgres,
  startTestCluster,
  statusCounts,
  waitFor,
  type PrivatePostgres,
  type TestCluster,
} from '../helpers/cluster.ts';

const available = canStartPrivatePostgres();
if (!available && process.env.CI === 'true') throw new Error('PostgreSQL binaries (/usr/lib/postgresql/*/bin) are required in CI for the restart test');

let pgc: PrivatePostgres | undefined;
let c: TestCluster | undefined;
afterAll(async () => {
  await c?.close();
  pgc?.destroy();
});

describePg('PostgreSQL stopped and restarted under load', () => {
  it.skipIf(!available)('answers 503 + Retry-After while it is down, recovers by itself, and loses no acknowledged webhook', async () => {
    const t0 = Date.now();
    pgc = startPrivatePostgres();
    c = await startTestCluster('pg_restart', { databaseUrl: pgc.url });
    const cl = c;
    const app = await cl.spawn('all');
    const wf = await cl.createWorkflow(app, {
      name: 'through an outage',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'shape', type: 'data.transform', config: { expression: '{ "n": trigger.body.n }' } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'shape' }],
    });
    const ready = async () => (await fetch(`${app.base}/api/health/ready`)).status;
    expect(await ready()).toBe(200);

    let done = false;
    let acks = 0;
    const load = sendHooks(wf.hookUrl(app), Number.POSITIVE_INFINITY, { concurrency: 8, stop: () => done, onResult: (r) => void (r.status === 202 && acks++) });
    await waitFor('webhooks acknowledged before the stop', () => acks >= 200, { context: () => cl.logs() });

    await pgc.stop();
    const tStopped = Date.now();
    const acksAtStop = acks;
    await sleep(3000);
    const readyWhileDown = await ready();
    const tStart = Date.now();
    await pgc.start();
    const tStarted = Date.now();
    // Back by itself: ready again and acknowledging again (within 15 s of the database's return).
    await waitFor('readiness after the restart', async () => (await ready()) === 200, { timeoutMs: 15_000, everyMs: 200, context: () => cl.logs() });
    const tReady = Date.now();
    await waitFor('202s after the restart', () => acks >= acksAtStop + 200, { timeoutMs: 15_000, context: () => cl.logs() });
    done = true;
    const results = await load;

    const counts = statusCounts(results);
    // Only acknowledged or refused as unavailable: no error, no dropped connection.
    expect(Object.keys(counts).filter((s) => s !== '202' && s !== '503'), JSON.stringify(counts)).toEqual([]);
    const down = results.filter((r) => r.sentAt >= tStopped && r.answeredAt <= tStart);
    expect(down.length).toBeGreaterThan(0);
    expect(statusCounts(down), 'answers while the database was down').toEqual({ 503: down.length });
    for (const r of down) expect(Number(r.headers['retry-after']), 'Retry-After').toBeGreaterThan(0);
    expect(readyWhileDown).toBe(503);
    expect(results.some((r) => r.status === 202 && r.sentAt >= tStarted)).toBe(true);

    const acked = results.filter((r) => r.status === 202).map((r) => r.body.executionId as string);
    expect(new Set(acked).size).toBe(acked.length);
    await waitFor('every execution to finish', async () => (await cl.count(`SELECT count(*) FROM executions WHERE status IN ('queued', 'running')`)) === 0, {
      timeoutMs: 30_000,
      context: () => cl.logs(),
    });
    const rows = await cl.query<{ id: string; status: string }>(`SELECT id, status FROM executions`);
    const status = new Map(rows.map((r) => [r.id, r.status]));
    expect(acked.filter((id) => !status.has(id)), 'acknowledged webhooks missing after the restart').toEqual([]);
    expect(acked.filter((id) => status.get(id) !== 'success')).toEqual([]);
    expect(rows.filter((r) => r.status !== 'success')).toEqual([]);
    expect(await cl.count(`SELECT count(*) FROM steps`)).toBe(2 * rows.length);

    console.log(
      `postgres-restart: ${acked.length} acknowledged (all finished), ${counts[503] ?? 0} refused with 503 (${down.length} while down), ` +
        `ready again ${((tReady - tStarted) / 1000).toFixed(1)} s after pg_ctl start; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 150_000);
});
