/**
 * Polls with two workers (issue 11): each `trigger.poll` is polled by one process at a time —
 * one request per trigger per interval at the API, whichever worker holds the trigger lock — and
 * each new item starts exactly one execution, oldest first. When the polling worker is SIGKILLed,
 * the other takes its triggers over: new items still start once, old ones never again.
 */
import { afterAll, expect, it } from 'vitest';
import { describePg } from '../helpers/postgres.ts';
import { startSink } from '../helpers/sink.ts';
import { startTestCluster, waitFor, type Member, type TestCluster } from '../helpers/cluster.ts';

const INTERVAL_S = 10;
const feeds: Record<string, { id: string }[]> = { a: [], b: [] };
const requests: { feed: string; at: number }[] = [];
const api = await startSink((req) => {
  const feed = /^\/feed\/(\w+)/.exec(req.url)?.[1] ?? '';
  requests.push({ feed, at: Date.now() });
  return { status: 200, body: { data: feeds[feed] ?? [] } };
});
/** Newest first, as feeds list them. */
const publish = (feed: string, ...ids: string[]) => feeds[feed]!.unshift(...ids.reverse().map((id) => ({ id })));

let c: TestCluster | undefined;
afterAll(async () => {
  await c?.close();
  await api.close();
});

describePg('polls on two workers', () => {
  it('polls each trigger once per interval across both workers and starts one execution per new item', async () => {
    const t0 = Date.now();
    c = await startTestCluster('polls');
    const cl = c;
    const [web, ...workers] = await Promise.all([cl.spawn('web'), cl.spawn('worker'), cl.spawn('worker')]);
    await waitFor('a worker to hold the trigger lock', () => workers.some((w) => w.leading()), { timeoutMs: 15_000, context: () => cl.logs() });
    publish('a', 'a1', 'a2', 'a3');
    publish('b', 'b1', 'b2');
    const wf: Record<string, string> = {};
    for (const feed of ['a', 'b']) {
      const created = await cl.createWorkflow(web!, {
        name: `poll ${feed}`,
        nodes: [
          {
            id: 'poll',
            type: 'trigger.poll',
            config: { request: { url: `${api.url}/feed/${feed}` }, intervalSeconds: INTERVAL_S, items: 'body.data', key: 'id', fireOnFirstPoll: true },
          },
        ],
      });
      wf[feed] = created.id;
    }

    /** Item ids started per feed, in the order their executions were created. */
    const started = async (feed: string) =>
      (
        await cl.query<{ item: string }>(
          `SELECT (s.output::json->'item'->>'id') AS item FROM executions e JOIN steps s ON s.execution_id = e.id AND s.node_id = 'poll'
            WHERE e.workflow_id = $1 ORDER BY e.created_at, e.id`,
          [wf[feed]],
        )
      ).map((r) => r.item);

    // First poll (after a start jitter of up to half the interval): every item, oldest first.
    await waitFor('the first polls', async () => (await started('a')).length === 3 && (await started('b')).length === 2, { timeoutMs: 25_000, context: () => cl.logs() });
    expect(await started('a')).toEqual(['a1', 'a2', 'a3']);
    expect(await started('b')).toEqual(['b1', 'b2']);

    // New items: started at the next poll, once each, oldest first.
    publish('a', 'a4', 'a5');
    publish('b', 'b3');
    await waitFor('the second polls', async () => (await started('a')).length === 5 && (await started('b')).length === 3, { timeoutMs: 25_000, context: () => cl.logs() });
    expect(await started('a')).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(await started('b')).toEqual(['b1', 'b2', 'b3']);

    // Across both workers, one request per trigger per interval.
    const tKill = Date.now();
    for (const feed of ['a', 'b']) {
      const times = requests.filter((r) => r.feed === feed).map((r) => r.at);
      expect(times.length, feed).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `${feed}: request ${i + 1} after request ${i}`).toBeGreaterThanOrEqual(INTERVAL_S * 1000 - 500);
    }

    // The polling worker dies: the other takes the triggers over and starts only what is new.
    const owner = workers.find((w) => w.leading())!;
    await owner.kill();
    const other: Member = workers.find((w) => w !== owner)!;
    publish('a', 'a6');
    await waitFor('the other worker to take the trigger lock', () => other.leading(), { timeoutMs: 15_000, context: () => cl.logs() });
    await waitFor('a6 to start', async () => (await started('a')).length >= 6, { timeoutMs: 25_000, context: () => cl.logs() });
    // b is polled by the new owner too, and nothing of it starts again.
    await waitFor('the other worker to poll b', () => requests.some((r) => r.at > tKill && r.feed === 'b'), { timeoutMs: 25_000 });
    expect(await started('a')).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect(await started('b')).toEqual(['b1', 'b2', 'b3']);

    await waitFor('every execution to finish', async () => (await cl.count(`SELECT count(*) FROM executions WHERE status IN ('queued', 'running')`)) === 0, {
      context: () => cl.logs(),
    });
    expect(await cl.count(`SELECT count(*) FROM executions WHERE status <> 'success'`)).toBe(0);
    expect(await cl.count(`SELECT count(*) FROM executions`)).toBe(9);
    console.log(`polls: ${requests.length} requests (a ${requests.filter((r) => r.feed === 'a').length}, b ${requests.filter((r) => r.feed === 'b').length}), 9 executions, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 150_000);
});
