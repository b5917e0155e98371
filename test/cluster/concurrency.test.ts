/**
 * settings.concurrency across processes (issue 14): two `all` processes on one PostgreSQL, both
 * ingesting and claiming, never run more than the workflow's limit at once between them; and the
 * slots of a process killed while holding them come back when its leases expire.
 */
import { afterEach, expect, it } from 'vitest';
import { describePg } from '../helpers/postgres.ts';
import { startSink } from '../helpers/sink.ts';
import { sendHook, sleep, startTestCluster, waitFor, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describePg('concurrency limits across processes', () => {
  it('hold between two processes, and a killed holder’s slots come back', async () => {
    let inFlight = 0;
    let most = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const sink = await startSink(async () => {
      most = Math.max(most, ++inFlight);
      await gate;
      await sleep(50 + Math.floor(Math.random() * 50));
      inFlight--;
      return { status: 200, body: { ok: true } };
    });
    try {
      c = await startTestCluster('concurrency', { env: { EXECUTION_LEASE_SECONDS: '3' } });
      const cl = c;
      const [a, b] = await Promise.all([cl.spawn('all'), cl.spawn('all')]);
      const nodes = [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/limited`, body: { n: '{{ trigger.body.n }}' } } },
      ];
      const wf = await cl.createWorkflow(a!, { name: 'limited', nodes, edges: [{ id: 'e', source: 'hook', target: 'call' }], settings: { concurrency: { limit: 2 } } });
      // Half the events reach each process: both ingest, both are woken, both claim.
      const sent = await Promise.all(Array.from({ length: 30 }, (_, n) => sendHook(wf.hookUrl(n % 2 ? b! : a!), { n })));
      expect(sent.map((r) => r.status), cl.logs(40)).toEqual(sent.map(() => 202));

      const leased = () => cl.query<{ lease_owner: string }>(`SELECT lease_owner FROM executions WHERE concurrency_key IS NOT NULL AND lease_owner IS NOT NULL`);
      await waitFor('two executions at the sink', () => inFlight === 2, { context: () => cl.logs() });
      // Long enough for each process's one-second claim poll to come round twice: neither takes a third.
      await sleep(2500);
      expect(inFlight).toBe(2);
      expect((await leased()).length).toBe(2);

      // Kill a process holding a slot while its calls are held at the sink; its leases expire after
      // 3 s and the other process runs everything, the killed one's executions included.
      const owners = (await leased()).map((r) => r.lease_owner);
      const victim = [a!, b!].find((m) => owners.some((o) => o.includes(`:${m.pid}:`)))!;
      const survivor = victim === a ? b! : a!;
      await victim.kill();
      open();
      await waitFor('all 30 to succeed', async () => (await cl.count(`SELECT count(*) FROM executions WHERE workflow_id = $1 AND status = 'success'`, [wf.id])) === 30, {
        timeoutMs: 60_000,
        context: () => cl.logs(),
      });
      expect(most).toBe(2);
      expect(survivor.alive()).toBe(true);
    } finally {
      await sink.close();
    }
  }, 180_000);
});
