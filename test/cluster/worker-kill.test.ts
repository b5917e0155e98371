/**
 * A worker SIGKILLed with at least 50 executions in flight, ten times in a row (a replacement
 * started each time): another worker takes its executions over once their leases expire, every
 * acknowledged execution finishes successfully, none is lost, and each HTTP step that was cut off
 * runs again with the same `Idempotency-Key: <executionId>.<nodeId>`. No request reaches the sink
 * after its step was recorded as finished (a finished step never runs again).
 */
import { afterAll, expect, it } from 'vitest';
import { describePg } from '../helpers/postgres.ts';
import { startSink } from '../helpers/sink.ts';
import { sendHooks, startTestCluster, statusCounts, waitFor, type Member, type TestCluster } from '../helpers/cluster.ts';

const KILLS = 10;
/** Per round: more than two workers' worth of 50, so one of the two surely holds 50 at once. */
const PER_ROUND = 110;
const IN_FLIGHT = 50;
const SINK_DELAY_MS = 2000;

const arrivals: { key: string; at: number }[] = [];
const pending = new Map<string, number>();
const sink = await startSink(async (req) => {
  const key = String(req.headers['idempotency-key'] ?? '');
  arrivals.push({ key, at: Date.now() });
  pending.set(key, (pending.get(key) ?? 0) + 1);
  await new Promise((r) => setTimeout(r, SINK_DELAY_MS));
  const left = (pending.get(key) ?? 1) - 1;
  if (left > 0) pending.set(key, left);
  else pending.delete(key);
  return { status: 200, body: { ok: true, key } };
});

let c: TestCluster | undefined;
afterAll(async () => {
  await c?.close();
  await sink.close();
});

describePg('worker SIGKILL with executions in flight', () => {
  it('takes over every execution of a killed worker, ten times, re-sending the same Idempotency-Key', async () => {
    const t0 = Date.now();
    c = await startTestCluster('worker_kill', { env: { EXECUTION_LEASE_SECONDS: '3' } });
    const cl = c;
    const [web, ...started] = await Promise.all([cl.spawn('web'), cl.spawn('worker'), cl.spawn('worker')]);
    let workers: Member[] = started;
    const wf = await cl.createWorkflow(web!, {
      name: 'slow sink',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/slow`, body: { n: '{{ trigger.body.n }}' } } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'call' }],
    });
    const hook = wf.hookUrl(web!);

    const accepted: string[] = [];
    const cutOff: string[][] = [];
    let replacement: Promise<Member> | undefined;
    let sentCount = 0;
    /** Sends `n` more webhooks; all must be acknowledged. */
    async function send(n: number): Promise<void> {
      const first = sentCount;
      sentCount += n;
      const sent = await sendHooks(hook, n, { concurrency: 20, body: (i) => ({ n: first + i }) });
      expect(statusCounts(sent)).toEqual({ 202: n });
      accepted.push(...sent.map((r) => r.body.executionId as string));
    }
    for (let round = 0; round < KILLS; round++) {
      await send(PER_ROUND);
      // The last kill's replacement (started in the background meanwhile): two workers again.
      if (replacement) workers.push(await replacement);

      // A live worker whose leased executions have at least 50 requests open at the sink. On a
      // starved machine a worker may start its executions slower than the sink answers them, so
      // more work is sent while waiting, keeping some queued.
      let topping: Promise<void> | undefined;
      const victim = await waitFor(
        `a worker with ${IN_FLIGHT} requests in flight (round ${round + 1})`,
        async () => {
          const rows = await cl.query<{ id: string; lease_owner: string | null }>(`SELECT id, lease_owner FROM executions WHERE status IN ('queued', 'running')`);
          for (const w of workers) {
            const mine = rows.filter((r) => r.lease_owner?.includes(`:${w.pid}:`)).map((r) => `${r.id}.call`);
            const open = mine.filter((k) => pending.has(k));
            if (open.length >= IN_FLIGHT) return { w, open };
          }
          if (!topping && rows.filter((r) => r.lease_owner === null).length < 20) topping = send(20).finally(() => (topping = undefined));
          return undefined;
        },
        { timeoutMs: 60_000, everyMs: 50, context: () => cl.logs() },
      );
      await victim.w.kill();
      // What was open at the sink when it died (its answer can no longer be recorded).
      cutOff.push(victim.open.filter((k) => pending.has(k)));
      workers = workers.filter((w) => w !== victim.w);
      replacement = cl.spawn('worker');
      await topping;
    }
    workers.push(await replacement!);

    expect(new Set(accepted).size).toBe(sentCount);
    await waitFor(
      'every execution to finish',
      async () => (await cl.count(`SELECT count(*) FROM executions WHERE status IN ('queued', 'running')`)) === 0,
      { timeoutMs: 90_000, everyMs: 250, context: () => cl.logs() },
    );

    // None lost, none doubled, all successful.
    const rows = await cl.query<{ id: string; status: string }>(`SELECT id, status FROM executions`);
    expect(rows.length).toBe(accepted.length);
    const ids = new Set(rows.map((r) => r.id));
    expect(accepted.every((id) => ids.has(id))).toBe(true);
    const errors = await cl.query(`SELECT error, count(*)::int AS n FROM executions WHERE status <> 'success' GROUP BY error LIMIT 5`);
    expect(rows.filter((r) => r.status !== 'success').length, JSON.stringify(errors)).toBe(0);
    expect(await cl.query(`SELECT node_id, status, count(*)::int AS n FROM steps GROUP BY node_id, status ORDER BY node_id`)).toEqual([
      { node_id: 'call', status: 'success', n: accepted.length },
      { node_id: 'hook', status: 'success', n: accepted.length },
    ]);

    // Every execution's request reached the sink, always with its own key.
    const hits = new Map<string, number>();
    for (const a of arrivals) hits.set(a.key, (hits.get(a.key) ?? 0) + 1);
    for (const id of accepted) expect(hits.get(`${id}.call`) ?? 0, `${id}.call`).toBeGreaterThanOrEqual(1);
    expect([...hits.keys()].every((k) => ids.has(k.slice(0, -'.call'.length)) && k.endsWith('.call'))).toBe(true);
    // Each request cut off by a kill was sent again by the worker that took over, with the same key.
    for (const [round, keys] of cutOff.entries()) {
      expect(keys.length, `round ${round + 1}`).toBeGreaterThanOrEqual(1);
      for (const k of keys) expect(hits.get(k), `${k} (cut off in round ${round + 1})`).toBeGreaterThanOrEqual(2);
    }
    const repeated = [...hits.values()].filter((n) => n >= 2).length;
    expect(repeated).toBeGreaterThan(0);

    // A step recorded as finished never ran again: no request for it arrived after that.
    const finished = new Map(
      (await cl.query<{ execution_id: string; finished_at: number }>(`SELECT execution_id, finished_at FROM steps WHERE node_id = 'call'`)).map((r) => [
        `${r.execution_id}.call`,
        Number(r.finished_at),
      ]),
    );
    const late = arrivals.filter((a) => a.at > finished.get(a.key)!);
    expect(late, 'requests that arrived after their step was recorded as finished').toEqual([]);

    console.log(
      `worker-kill: ${KILLS} kills, ${accepted.length} executions, cut off per kill ${cutOff.map((k) => k.length).join('/')}, ` +
        `keys seen twice or more ${repeated}, requests ${arrivals.length}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 240_000);
});
