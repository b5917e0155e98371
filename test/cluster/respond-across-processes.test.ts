/**
 * Webhook respond mode when the process holding the request is not the one running the workflow
 * (PostgreSQL): the worker's Respond step reaches the web process through the events bridge, before
 * the run ends; a redelivery to another web process gets the same recorded answer.
 */
import { afterEach, expect, it } from 'vitest';
import { describePg } from '../helpers/postgres.ts';
import { startSink } from '../helpers/sink.ts';
import { sendHook, startTestCluster, waitFor, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describePg('respond mode across processes', () => {
  it('a web process answers with the Respond step a worker recorded, mid-run; another web process replays it for a redelivery', async () => {
    const held: (() => void)[] = [];
    const sink = await startSink(async () => {
      await new Promise<void>((r) => held.push(r));
      return { status: 200, body: { ok: true } };
    });
    try {
      c = await startTestCluster('respond_mode');
      const cl = c;
      const [a, b] = await Promise.all([cl.spawn('web'), cl.spawn('web'), cl.spawn('worker')]);
      const wf = await cl.createWorkflow(a!, {
        name: 'respond: then hold',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: { response: { mode: 'respond', timeoutMs: 30_000 } } },
          { id: 'reply', type: 'action.respond', config: { status: 201, headers: { 'X-Order': '{{ trigger.body.order }}' }, body: { accepted: '{{ trigger.body.order }}' } } },
          { id: 'after', type: 'action.http', config: { method: 'POST', url: `${sink.url}/after` } },
        ],
        edges: [
          { id: 'e1', source: 'hook', target: 'reply' },
          { id: 'e2', source: 'reply', target: 'after' },
        ],
      });
      // The sink holds the step after the Respond node until released below: this answer comes mid-run.
      const first = await sendHook(wf.hookUrl(a!), { order: 'B-2' }, { 'idempotency-key': 'order-b2' });
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toEqual({ accepted: 'B-2' });
      expect(first.headers['x-order']).toBe('B-2');

      const again = await sendHook(wf.hookUrl(b!), { order: 'B-2' }, { 'idempotency-key': 'order-b2' });
      expect([again.status, again.body, again.headers['x-order'], again.headers['idempotent-replayed']]).toEqual([201, { accepted: 'B-2' }, 'B-2', 'true']);

      await waitFor('the held step to reach the sink', async () => held.length > 0);
      held.splice(0).forEach((r) => r());
      await waitFor('the run to finish on the worker', async () => (await cl.count(`SELECT count(*) FROM executions WHERE status = 'success'`)) === 1, { context: () => cl.logs() });
      expect(await cl.count(`SELECT count(*) FROM executions`)).toBe(1);
      expect(a!.output()).not.toContain('execution started');
    } finally {
      await sink.close();
    }
  }, 120_000);
});
