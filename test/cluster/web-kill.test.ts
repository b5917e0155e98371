/**
 * A `web` process SIGKILLed during ingest, twenty times (a new one started on the same
 * DATABASE_URL each time): every webhook answered 202 was committed before its answer, so it
 * exists in the database and a worker runs it to success. Requests cut off by a kill got no
 * answer; whatever they left committed finishes too — nothing is left queued or running.
 */
import { afterAll, expect, it } from 'vitest';
import { describePg } from '../helpers/postgres.ts';
import { sendHooks, startTestCluster, statusCounts, waitFor, type HookResult, type Member, type TestCluster } from '../helpers/cluster.ts';

const KILLS = 20;
/** Acknowledged by a web process before it is killed (it is killed with requests in flight). */
const ACKS_BEFORE_KILL = 60;

let c: TestCluster | undefined;
afterAll(async () => c?.close());

describePg('web SIGKILL during ingest', () => {
  it('never loses a webhook it acknowledged, across twenty kills', async () => {
    const t0 = Date.now();
    c = await startTestCluster('web_kill');
    const cl = c;
    // Web processes take turns: one takes the load while the next two start.
    const [first] = await Promise.all([cl.spawn('web'), cl.spawn('worker')]);
    const wf = await cl.createWorkflow(first!, {
      name: 'ingest',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'shape', type: 'data.transform', config: { expression: '{ "n": trigger.body.n }' } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'shape' }],
    });

    let current: Member = first!;
    const standby: Promise<Member>[] = [cl.spawn('web'), cl.spawn('web')];
    const acksOf = new Map<Member, number>();
    const targetOf = new Map<number, Member>();
    let done = false;
    const load = sendHooks(
      (i) => {
        targetOf.set(i, current);
        return wf.hookUrl(current);
      },
      Number.POSITIVE_INFINITY,
      {
        concurrency: 8,
        // A steady stream (a few hundred a second at most), not a flood: the kills need requests in
        // flight, and the CPU is better spent starting the next web processes.
        pauseMs: 25,
        stop: () => done,
        onResult: (r) => {
          const m = targetOf.get(r.i)!;
          if (r.status === 202) acksOf.set(m, (acksOf.get(m) ?? 0) + 1);
        },
      },
    );

    for (let k = 0; k < KILLS; k++) {
      const victim = current;
      await waitFor(`${ACKS_BEFORE_KILL} acks from web process ${k + 1}`, () => (acksOf.get(victim) ?? 0) >= ACKS_BEFORE_KILL, {
        timeoutMs: 60_000,
        everyMs: 20,
        context: () => cl.logs(),
      });
      // New requests go to its successor from now on; the ones still open on it are cut off
      // mid-ingest (the load generator keeps 8 requests open at all times).
      current = await standby.shift()!;
      await victim.kill();
      standby.push(cl.spawn('web'));
    }
    await waitFor('acks from the last web process', () => (acksOf.get(current) ?? 0) >= ACKS_BEFORE_KILL, { timeoutMs: 60_000, context: () => cl.logs() });
    done = true;
    const results: HookResult[] = await load;
    await Promise.all(standby);

    const acked = results.filter((r) => r.status === 202).map((r) => r.body.executionId as string);
    const counts = statusCounts(results);
    // Only two outcomes: acknowledged, or cut off without an answer by the kill.
    expect(Object.keys(counts).filter((s) => s !== '0' && s !== '202'), JSON.stringify(counts)).toEqual([]);
    expect(new Set(acked).size).toBe(acked.length);
    expect(counts[0] ?? 0).toBeGreaterThan(0); // the kills did cut requests off mid-ingest

    await waitFor(
      'every execution to finish',
      async () => (await cl.count(`SELECT count(*) FROM executions WHERE status IN ('queued', 'running')`)) === 0,
      { timeoutMs: 60_000, everyMs: 250, context: () => cl.logs() },
    );
    const rows = await cl.query<{ id: string; status: string }>(`SELECT id, status FROM executions`);
    const status = new Map(rows.map((r) => [r.id, r.status]));
    const missing = acked.filter((id) => !status.has(id));
    expect(missing, 'acknowledged webhooks missing from the database').toEqual([]);
    expect(acked.filter((id) => status.get(id) !== 'success')).toEqual([]);
    expect(rows.filter((r) => r.status !== 'success')).toEqual([]);
    // Every stored execution came with its two steps (nothing half-written by a kill).
    expect(await cl.count(`SELECT count(*) FROM steps`)).toBe(2 * rows.length);

    console.log(
      `web-kill: ${KILLS} kills, ${acked.length} acknowledged (all finished), ${counts[0] ?? 0} cut off without an answer ` +
        `(${rows.length - acked.length} of them had committed), ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 240_000);
});
