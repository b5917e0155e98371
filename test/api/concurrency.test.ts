/**
 * settings.concurrency: at most `limit` executions of a workflow (per key value, with `key`) run at
 * once, the rest wait in creation order without holding a worker, a parked execution gives its
 * slot back, and a key that does not compile is refused. Checked where it shows: at a loopback
 * sink that holds each request, counting what is in flight. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink, type SinkRequest } from '../helpers/sink.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
/** Requests in flight at the sink now, and the most ever, per path and per `lane` (path + customer). */
const inFlight = new Map<string, number>();
const most = new Map<string, number>();
/** Held requests wait for these before they are answered (a gate the test opens). */
const gates = new Map<string, Promise<void>>();

function count(lane: string, by: number): void {
  const n = (inFlight.get(lane) ?? 0) + by;
  inFlight.set(lane, n);
  most.set(lane, Math.max(most.get(lane) ?? 0, n));
}
const pathOf = (r: SinkRequest) => r.url.split('?')[0]!;
const customerOf = (r: SinkRequest) => String((r.json as { customer?: unknown } | undefined)?.customer || 'none');

beforeAll(async () => {
  sink = await startSink(async (req) => {
    const path = pathOf(req);
    const lane = `${path}#${customerOf(req)}`;
    count(path, 1);
    count(lane, 1);
    await (gates.get(path) ?? Promise.resolve());
    await sleep(50 + Math.floor(Math.random() * 50));
    count(path, -1);
    count(lane, -1);
    return { status: 200, body: { ok: true } };
  });
  // Few workers: executions waiting for a slot would starve other workflows if they held one.
  sy = await boot({ env: { OUTBOUND_BLOCK_PRIVATE: 'false', EXECUTION_CONCURRENCY: '4' } });
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

const post = (path: string, body: Record<string, string>) => ({ method: 'POST', url: `${sink.url}${path}`, body });

/** An active `webhook → http(path)` workflow (more nodes after it with `tail`); returns its id and hook URL. */
async function hookFlow(path: string, settings: Record<string, unknown>, tail: { id: string; type: string; config: unknown }[] = []) {
  const nodes = [
    { id: 'hook', type: 'trigger.webhook', config: {} },
    { id: 'call', type: 'action.http', config: post(path, { n: '{{ trigger.body.n }}', customer: '{{ trigger.body.customer }}', at: 'before' }) },
    ...tail,
  ];
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
  const created = await sy.api('/api/workflows', { body: { name: `limited ${path}`, nodes, edges, settings } });
  expect(created.status).toBe(201);
  expect((await sy.api(`/api/workflows/${created.body.id}/activate`, { method: 'POST' })).status).toBe(200);
  return { id: created.body.id as string, url: created.body.triggers[0].url as string };
}

async function deliver(url: string, body: unknown): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { executionId: string }).executionId;
}

const withStatus = async (workflowId: string, status: string) =>
  ((await sy.api(`/api/executions?workflowId=${workflowId}&status=${status}&limit=100`)).body.items as { id: string }[]).length;
const allSucceeded = (workflowId: string, n: number) => until(async () => (await withStatus(workflowId, 'success')) === n, 60_000, 50);
const arrivals = (path: string) => sink.requests.filter((r) => pathOf(r) === path);

describe('settings.concurrency', () => {
  it('runs at most `limit` at once under 50 concurrent webhooks, all finish, and other workflows run meanwhile', async () => {
    const limited = await hookFlow('/limited', { concurrency: { limit: 2 } });
    const other = await hookFlow('/other', {});
    let open!: () => void;
    gates.set('/limited', new Promise<void>((r) => (open = r)));

    await Promise.all(Array.from({ length: 50 }, (_, n) => deliver(limited.url, { n })));
    // Two run (held at the sink); 48 wait for a slot.
    await until(() => inFlight.get('/limited') === 2, 20_000);
    // Another workflow's executions finish while the limited one's line is full: the 48 hold no worker.
    await Promise.all(Array.from({ length: 6 }, (_, n) => deliver(other.url, { n })));
    await allSucceeded(other.id, 6);
    expect(inFlight.get('/limited')).toBe(2);
    expect(arrivals('/limited')).toHaveLength(2);
    expect((await withStatus(limited.id, 'queued')) + (await withStatus(limited.id, 'running'))).toBe(50);

    open();
    await allSucceeded(limited.id, 50);
    expect(arrivals('/limited')).toHaveLength(50);
    expect(most.get('/limited')).toBe(2);
  });

  it('with a key: one at a time per key value, in creation order, different values in parallel', async () => {
    const keyed = await hookFlow('/keyed', { concurrency: { limit: 1, key: '$.body.customer' } });
    // The first requests are held until all three customers are in flight at once: only parallel keys get there.
    let open!: () => void;
    gates.set('/keyed', new Promise<void>((r) => (open = r)));
    const customers = ['acme', 'globex', 'initech'];
    const sent = Promise.all(
      customers.map(async (customer) => {
        // One customer's requests one after another (each accepted before the next): a creation order to keep.
        for (let n = 0; n < 5; n++) await deliver(keyed.url, { customer, n });
      }),
    );
    // Events without the key's value share the default group, limited like any other value.
    const unkeyed = Promise.all([deliver(keyed.url, { n: 0 }), deliver(keyed.url, { n: 1 })]);
    await until(() => customers.every((c) => inFlight.get(`/keyed#${c}`) === 1), 20_000);
    open();
    await Promise.all([sent, unkeyed]);
    await allSucceeded(keyed.id, 17);

    for (const c of customers) {
      expect(most.get(`/keyed#${c}`)).toBe(1);
      const order = arrivals('/keyed').filter((r) => customerOf(r) === c).map((r) => Number((r.json as { n: string }).n));
      expect(order).toEqual([0, 1, 2, 3, 4]);
    }
    expect(most.get('/keyed#none')).toBe(1);
    expect(arrivals('/keyed').filter((r) => customerOf(r) === 'none')).toHaveLength(2);
    expect(most.get('/keyed')).toBeGreaterThanOrEqual(3);
  });

  it('a parked execution (durable delay) gives its slot back and queues for one again when it wakes', async () => {
    const tail = [
      { id: 'wait', type: 'flow.delay', config: { seconds: 1 } },
      { id: 'after', type: 'action.http', config: post('/parked', { n: '{{ trigger.body.n }}', at: 'after' }) },
    ];
    const wf = await hookFlow('/parked', { concurrency: { limit: 1 } }, tail);
    await deliver(wf.url, { n: 0 });
    await deliver(wf.url, { n: 1 });
    await allSucceeded(wf.id, 2);
    // Had the first kept its slot through the delay, the second could not have begun before it ended.
    const seen = arrivals('/parked').map((r) => `${(r.json as { at: string }).at}${(r.json as { n: string }).n}`);
    expect(seen).toEqual(['before0', 'before1', 'after0', 'after1']);
    expect(most.get('/parked')).toBe(1);
  });

  it('refuses a key that does not compile, at save and on activation, with its path', async () => {
    const nodes = [{ id: 'hook', type: 'trigger.webhook', config: {} }];
    const bad = { concurrency: { limit: 1, key: '$.body.(' } };
    const created = await sy.api('/api/workflows', { body: { name: 'bad key', nodes, settings: bad } });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe('VALIDATION_FAILED');
    expect(created.body.error.details).toEqual([expect.objectContaining({ path: 'settings.concurrency.key' })]);

    const id = (await sy.api('/api/workflows', { body: { name: 'good key', nodes, settings: { concurrency: { limit: 1, key: '$.body.id' } } } })).body.id;
    const saved = await sy.api(`/api/workflows/${id}`, { method: 'PUT', body: { name: 'good key', nodes, settings: bad } });
    expect(saved.status).toBe(400);
    expect(saved.body.error.details[0].path).toBe('settings.concurrency.key');
    expect((await sy.api(`/api/workflows/${id}`)).body).toMatchObject({ version: 1, settings: { concurrency: { key: '$.body.id' } } });
    expect((await sy.api(`/api/workflows/${id}/activate`, { method: 'POST' })).status).toBe(200);
  });
});
