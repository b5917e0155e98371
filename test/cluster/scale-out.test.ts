/**
 * Scale-out (issue 11): one `web` process takes 20,000 webhooks, three `worker` processes run
 * them, all on one PostgreSQL database. Every acknowledged webhook becomes exactly one successful
 * execution with exactly its two steps, the transform's output is computed from its own event,
 * and nothing is left queued or running.
 */
import { afterAll, expect, it } from 'vitest';
import { describePg } from '../helpers/postgres.ts';
import { sendHooks, startTestCluster, statusCounts, waitFor, type TestCluster } from '../helpers/cluster.ts';

const WEBHOOKS = 20_000;
let c: TestCluster | undefined;
afterAll(async () => c?.close());

describePg('1 web + 3 workers', () => {
  it('turns 20,000 webhooks into exactly 20,000 successful two-step executions', async () => {
    const t0 = Date.now();
    c = await startTestCluster('scale_out');
    const cl = c;
    const [web] = await Promise.all([cl.spawn('web'), cl.spawn('worker'), cl.spawn('worker'), cl.spawn('worker')]);
    const tUp = Date.now();
    const wf = await cl.createWorkflow(web!, {
      name: 'scale out',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'shape', type: 'data.transform', config: { expression: '{ "n": trigger.body.n, "twice": trigger.body.n * 2 }' } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'shape' }],
    });

    const sent = await sendHooks(wf.hookUrl(web!), WEBHOOKS, { concurrency: 50 });
    const tAcked = Date.now();
    const tSend = tAcked - (sent[0]?.sentAt ?? tAcked);
    expect(statusCounts(sent)).toEqual({ 202: WEBHOOKS });
    const ids = new Set(sent.map((r) => r.body.executionId as string));
    expect(ids.size).toBe(WEBHOOKS);

    await waitFor(
      'every execution to finish',
      async () => (await cl.count(`SELECT count(*) FROM executions WHERE status IN ('queued', 'running')`)) === 0 && (await cl.count(`SELECT count(*) FROM executions`)) === WEBHOOKS,
      { timeoutMs: 120_000, everyMs: 250, context: () => cl.logs() },
    );
    const tDone = Date.now();

    const byStatus = await cl.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM executions WHERE workflow_id = $1 GROUP BY status`, [wf.id]);
    const errors = await cl.query(`SELECT error, count(*)::int AS n FROM executions WHERE status <> 'success' GROUP BY error ORDER BY n DESC LIMIT 5`);
    expect(byStatus, JSON.stringify(errors)).toEqual([{ status: 'success', n: WEBHOOKS }]);
    // The executions in the database are exactly the acknowledged ones.
    const stored = await cl.query<{ id: string }>(`SELECT id FROM executions`);
    expect(stored.length).toBe(WEBHOOKS);
    expect(stored.every((r) => ids.has(r.id))).toBe(true);
    // Exactly two steps each, both successful.
    expect(await cl.count(`SELECT count(*) FROM steps`)).toBe(2 * WEBHOOKS);
    expect(await cl.query(`SELECT node_id, status, count(*)::int AS n FROM steps GROUP BY node_id, status ORDER BY node_id`)).toEqual([
      { node_id: 'hook', status: 'success', n: WEBHOOKS },
      { node_id: 'shape', status: 'success', n: WEBHOOKS },
    ]);
    expect(await cl.count(`SELECT count(*) FROM (SELECT execution_id FROM steps GROUP BY execution_id HAVING count(*) <> 2) x`)).toBe(0);
    // Each transform saw its own execution's event.
    const right = await cl.count(
      `SELECT count(*) FROM steps t JOIN steps h ON h.execution_id = t.execution_id AND h.node_id = 'hook'
        WHERE t.node_id = 'shape' AND (t.output::json->>'n') = (h.output::json->'body'->>'n')
          AND (t.output::json->>'twice')::int = 2 * (h.output::json->'body'->>'n')::int`,
    );
    expect(right).toBe(WEBHOOKS);
    // Every webhook's number arrived once.
    expect(await cl.count(`SELECT count(DISTINCT (output::json->'body'->>'n')::int) FROM steps WHERE node_id = 'hook'`)).toBe(WEBHOOKS);

    console.log(
      `scale-out: 4 processes up in ${((tUp - t0) / 1000).toFixed(1)} s; ${WEBHOOKS} webhooks acked in ${(tSend / 1000).toFixed(1)} s; all finished ${((tDone - tAcked) / 1000).toFixed(1)} s after the last ack`,
    );
  }, 200_000);
});
